package main

// JSON encodings of keys and elems (see docs/ORACLE-HARNESS-CLASSIC.md).

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// codec parses a JSON value into a T and appends a T's JSON encoding.
type codec[T any] struct {
	parse func(raw json.RawMessage) (T, error)
	write func(buf []byte, v *T) []byte
}

type structKey struct {
	a int32
	b string
}

type arrayKey [3]int16
type bigKey [17]int64
type bigElem [20]int64

func parseInt(raw json.RawMessage, bits int) (int64, error) {
	n, err := strconv.ParseInt(string(raw), 10, bits)
	if err != nil {
		return 0, fmt.Errorf("want an integer that fits in int%d, got %s", bits, raw)
	}
	return n, nil
}

func parseString(raw json.RawMessage) (string, error) {
	var s string
	if len(raw) == 0 || raw[0] != '"' {
		return "", fmt.Errorf("want a JSON string, got %s", raw)
	}
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", fmt.Errorf("bad JSON string %s: %v", raw, err)
	}
	return s, nil
}

func parseList(raw json.RawMessage, n int) ([]json.RawMessage, error) {
	var l []json.RawMessage
	if len(raw) == 0 || raw[0] != '[' {
		return nil, fmt.Errorf("want a JSON array of %d items, got %s", n, raw)
	}
	if err := json.Unmarshal(raw, &l); err != nil || len(l) != n {
		return nil, fmt.Errorf("want a JSON array of %d items, got %s", n, raw)
	}
	return l, nil
}

// appendString appends s as a JSON string, escaping everything outside
// printable ASCII so the output is pure ASCII whatever the reader's locale.
func appendString(buf []byte, s string) []byte {
	const hexd = "0123456789abcdef"
	buf = append(buf, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				buf = append(buf, '\\', c)
			case c < 0x20 || c == 0x7f:
				buf = append(buf, '\\', 'u', '0', '0', hexd[c>>4], hexd[c&15])
			default:
				buf = append(buf, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		// Invalid UTF-8 cannot come from a JSON script (Go's decoder turns it
		// into U+FFFD), so r is a real code point here.
		if r >= 0x10000 {
			r1, r2 := utf16.EncodeRune(r)
			for _, u := range [2]rune{r1, r2} {
				buf = append(buf, '\\', 'u', hexd[u>>12&15], hexd[u>>8&15], hexd[u>>4&15], hexd[u&15])
			}
		} else {
			buf = append(buf, '\\', 'u', hexd[r>>12&15], hexd[r>>8&15], hexd[r>>4&15], hexd[r&15])
		}
	}
	return append(buf, '"')
}

func appendHex16(buf []byte, x uint64) []byte {
	const hexd = "0123456789abcdef"
	for s := 60; s >= 0; s -= 4 {
		buf = append(buf, hexd[x>>uint(s)&15])
	}
	return buf
}

var int64Codec = codec[int64]{
	parse: func(raw json.RawMessage) (int64, error) { return parseInt(raw, 64) },
	write: func(buf []byte, v *int64) []byte { return strconv.AppendInt(buf, *v, 10) },
}

var stringCodec = codec[string]{
	parse: parseString,
	write: func(buf []byte, v *string) []byte { return appendString(buf, *v) },
}

var float64Codec = codec[float64]{
	parse: func(raw json.RawMessage) (float64, error) {
		s, err := parseString(raw)
		if err != nil || len(s) != 16 {
			return 0, fmt.Errorf("want a string of 16 hex digits (IEEE-754 bits), got %s", raw)
		}
		bits, err := strconv.ParseUint(s, 16, 64)
		if err != nil {
			return 0, fmt.Errorf("want a string of 16 hex digits (IEEE-754 bits), got %s", raw)
		}
		return math.Float64frombits(bits), nil
	},
	write: func(buf []byte, v *float64) []byte {
		buf = append(buf, '"')
		buf = appendHex16(buf, math.Float64bits(*v))
		return append(buf, '"')
	},
}

var structCodec = codec[structKey]{
	parse: func(raw json.RawMessage) (structKey, error) {
		l, err := parseList(raw, 2)
		if err != nil {
			return structKey{}, err
		}
		a, err := parseInt(l[0], 32)
		if err != nil {
			return structKey{}, err
		}
		b, err := parseString(l[1])
		if err != nil {
			return structKey{}, err
		}
		return structKey{int32(a), b}, nil
	},
	write: func(buf []byte, v *structKey) []byte {
		buf = append(buf, '[')
		buf = strconv.AppendInt(buf, int64(v.a), 10)
		buf = append(buf, ',')
		buf = appendString(buf, v.b)
		return append(buf, ']')
	},
}

var arrayCodec = codec[arrayKey]{
	parse: func(raw json.RawMessage) (arrayKey, error) {
		var k arrayKey
		l, err := parseList(raw, 3)
		if err != nil {
			return k, err
		}
		for i := range k {
			n, err := parseInt(l[i], 16)
			if err != nil {
				return k, err
			}
			k[i] = int16(n)
		}
		return k, nil
	},
	write: func(buf []byte, v *arrayKey) []byte {
		buf = append(buf, '[')
		for i, x := range v {
			if i > 0 {
				buf = append(buf, ',')
			}
			buf = strconv.AppendInt(buf, int64(x), 10)
		}
		return append(buf, ']')
	},
}

// uniform arrays ([17]int64 keys, [20]int64 elems) are written as the single
// integer every element holds; a non-uniform one (impossible unless memory is
// corrupt) is written as the full JSON array so the mismatch is visible.
func appendUniform(buf []byte, v []int64) []byte {
	for _, x := range v[1:] {
		if x != v[0] {
			buf = append(buf, '[')
			for i, y := range v {
				if i > 0 {
					buf = append(buf, ',')
				}
				buf = strconv.AppendInt(buf, y, 10)
			}
			return append(buf, ']')
		}
	}
	return strconv.AppendInt(buf, v[0], 10)
}

var bigKeyCodec = codec[bigKey]{
	parse: func(raw json.RawMessage) (bigKey, error) {
		var k bigKey
		n, err := parseInt(raw, 64)
		for i := range k {
			k[i] = n
		}
		return k, err
	},
	write: func(buf []byte, v *bigKey) []byte { return appendUniform(buf, v[:]) },
}

var bigElemCodec = codec[bigElem]{
	parse: func(raw json.RawMessage) (bigElem, error) {
		var e bigElem
		n, err := parseInt(raw, 64)
		for i := range e {
			e[i] = n
		}
		return e, err
	},
	write: func(buf []byte, v *bigElem) []byte { return appendUniform(buf, v[:]) },
}

// ptrTarget is what a pointer key points to: object n of the script, made once
// (so "the same key" is the same address) and never freed.
type ptrTarget struct{ n int64 }

var ptrRegistry = map[int64]*ptrTarget{}

func ptrFor(n int64) *ptrTarget {
	p := ptrRegistry[n]
	if p == nil {
		p = &ptrTarget{n}
		ptrRegistry[n] = p
	}
	return p
}

// pointer keys are written as the number of the object they point to.
var pointerCodec = codec[*ptrTarget]{
	parse: func(raw json.RawMessage) (*ptrTarget, error) {
		n, err := parseInt(raw, 64)
		if err != nil {
			return nil, err
		}
		return ptrFor(n), nil
	},
	write: func(buf []byte, v **ptrTarget) []byte { return strconv.AppendInt(buf, (*v).n, 10) },
}

// complex128 keys are [real, imag], each as float64 keys are (16 hex digits).
var complexCodec = codec[complex128]{
	parse: func(raw json.RawMessage) (complex128, error) {
		l, err := parseList(raw, 2)
		if err != nil {
			return 0, err
		}
		re, err := float64Codec.parse(l[0])
		if err != nil {
			return 0, err
		}
		im, err := float64Codec.parse(l[1])
		if err != nil {
			return 0, err
		}
		return complex(re, im), nil
	},
	write: func(buf []byte, v *complex128) []byte {
		re, im := real(*v), imag(*v)
		buf = append(buf, '[')
		buf = float64Codec.write(buf, &re)
		buf = append(buf, ',')
		buf = float64Codec.write(buf, &im)
		return append(buf, ']')
	},
}

// complex64 keys are [real, imag], each the 8 hex digits of a float32's bits.
func parseFloat32Bits(raw json.RawMessage) (float32, error) {
	s, err := parseString(raw)
	if err != nil || len(s) != 8 {
		return 0, fmt.Errorf("want a string of 8 hex digits (IEEE-754 float32 bits), got %s", raw)
	}
	bits, err := strconv.ParseUint(s, 16, 32)
	if err != nil {
		return 0, fmt.Errorf("want a string of 8 hex digits (IEEE-754 float32 bits), got %s", raw)
	}
	return math.Float32frombits(uint32(bits)), nil
}

var complex64Codec = codec[complex64]{
	parse: func(raw json.RawMessage) (complex64, error) {
		l, err := parseList(raw, 2)
		if err != nil {
			return 0, err
		}
		re, err := parseFloat32Bits(l[0])
		if err != nil {
			return 0, err
		}
		im, err := parseFloat32Bits(l[1])
		if err != nil {
			return 0, err
		}
		return complex(re, im), nil
	},
	write: func(buf []byte, v *complex64) []byte {
		buf = append(buf, '[', '"')
		buf = append(buf, fmt.Sprintf("%08x", math.Float32bits(real(*v)))...)
		buf = append(buf, '"', ',', '"')
		buf = append(buf, fmt.Sprintf("%08x", math.Float32bits(imag(*v)))...)
		return append(buf, '"', ']')
	},
}

// any keys carry their dynamic type: ["i", n] is an int64, ["s", "..."] a string,
// ["f", "<16 hex digits>"] a float64 (as float64 keys are written), ["st", [a, "b"]]
// a structKey, ["p", n] a *ptrTarget (object n of the run).
func parseAny(raw json.RawMessage) (any, error) {
	l, err := parseList(raw, 2)
	if err != nil {
		return nil, err
	}
	tag, err := parseString(l[0])
	if err != nil {
		return nil, err
	}
	switch tag {
	case "i":
		return parseInt(l[1], 64)
	case "s":
		return parseString(l[1])
	case "f":
		return float64Codec.parse(l[1])
	case "st":
		return structCodec.parse(l[1])
	case "p":
		return pointerCodec.parse(l[1])
	}
	return nil, fmt.Errorf(`want ["i", n], ["s", "..."], ["f", "<hex>"], ["st", [a, "b"]] or ["p", n], got %s`, raw)
}

func appendAny(buf []byte, v any) []byte {
	switch x := v.(type) {
	case int64:
		buf = append(buf, `["i",`...)
		buf = strconv.AppendInt(buf, x, 10)
	case string:
		buf = append(buf, `["s",`...)
		buf = appendString(buf, x)
	case float64:
		buf = append(buf, `["f",`...)
		buf = float64Codec.write(buf, &x)
	case structKey:
		buf = append(buf, `["st",`...)
		buf = structCodec.write(buf, &x)
	case *ptrTarget:
		buf = append(buf, `["p",`...)
		buf = pointerCodec.write(buf, &x)
	default:
		panic(fmt.Sprintf("any key of type %T", v))
	}
	return append(buf, ']')
}

var anyCodec = codec[any]{
	parse: parseAny,
	write: func(buf []byte, v *any) []byte { return appendAny(buf, *v) },
}

// chan keys: channel n of the script (make(chan int64)), made once (so "the same
// key" is the same channel) and never freed; written as n.
var (
	chanRegistry = map[int64]chan int64{}
	chanNumber   = map[chan int64]int64{}
)

func chanFor(n int64) chan int64 {
	c := chanRegistry[n]
	if c == nil {
		c = make(chan int64)
		chanRegistry[n] = c
		chanNumber[c] = n
	}
	return c
}

var chanCodec = codec[chan int64]{
	parse: func(raw json.RawMessage) (chan int64, error) {
		n, err := parseInt(raw, 64)
		if err != nil {
			return nil, err
		}
		return chanFor(n), nil
	},
	write: func(buf []byte, v *chan int64) []byte { return strconv.AppendInt(buf, chanNumber[*v], 10) },
}
