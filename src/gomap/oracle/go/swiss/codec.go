package main

// JSON encodings of keys and elems, and cheap content digests of them.

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"unicode/utf8"
	"unsafe"
)

type structKey struct {
	a int32
	b string
}

type (
	arrayKey [3]int16
	bigKey   [17]int64
	bigElem  [20]int64
)

// keyCodec describes how a key type K is read from the script and written out.
type keyCodec[K comparable] struct {
	parse  func(raw []byte) (K, error)
	append func(b []byte, p unsafe.Pointer) []byte // p points to a K
	digest func(p unsafe.Pointer) uint64
	isNaN  func(p unsafe.Pointer) bool // keys whose hash is random (NaN)
}

type elemCodec[V any] struct {
	parse  func(raw []byte) (V, error)
	append func(b []byte, p unsafe.Pointer) []byte
	digest func(p unsafe.Pointer) uint64
}

func never(unsafe.Pointer) bool { return false }

// ---- parsing helpers ----

func parseInt(raw []byte, bits int) (int64, error) {
	n, err := strconv.ParseInt(string(raw), 10, bits)
	if err != nil {
		return 0, fmt.Errorf("want an integer (%d bits), got %s", bits, raw)
	}
	return n, nil
}

func parseString(raw []byte) (string, error) {
	if len(raw) >= 2 && raw[0] == '"' && raw[len(raw)-1] == '"' {
		simple := true
		for _, c := range raw[1 : len(raw)-1] {
			if c == '\\' || c == '"' || c < 0x20 {
				simple = false
				break
			}
		}
		if simple && utf8.Valid(raw[1:len(raw)-1]) {
			return string(raw[1 : len(raw)-1]), nil
		}
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", fmt.Errorf("want a string, got %s", raw)
	}
	return s, nil
}

func parseList(raw []byte, n int) ([]json.RawMessage, error) {
	var l []json.RawMessage
	if err := json.Unmarshal(raw, &l); err != nil || len(l) != n {
		return nil, fmt.Errorf("want a list of %d, got %s", n, raw)
	}
	return l, nil
}

// ---- output helpers ----

const hexDigits = "0123456789abcdef"

func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&15])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i++
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

func appendHex16(b []byte, x uint64) []byte {
	b = append(b, '"')
	for shift := 60; shift >= 0; shift -= 4 {
		b = append(b, hexDigits[(x>>uint(shift))&15])
	}
	return append(b, '"')
}

// appendUniform writes n if every element of xs is n, else the whole list.
func appendUniform(b []byte, xs []int64) []byte {
	for _, x := range xs[1:] {
		if x != xs[0] {
			b = append(b, '[')
			for i, y := range xs {
				if i > 0 {
					b = append(b, ',')
				}
				b = strconv.AppendInt(b, y, 10)
			}
			return append(b, ']')
		}
	}
	return strconv.AppendInt(b, xs[0], 10)
}

// ---- digests ----

func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	return x ^ (x >> 31)
}

func stringDigest(s string) uint64 {
	h := uint64(len(s))*0x9e3779b97f4a7c15 + 1
	p := unsafe.StringData(s)
	n := len(s)
	i := 0
	for ; i+8 <= n; i += 8 {
		h = (h ^ *(*uint64)(unsafe.Add(unsafe.Pointer(p), i))) * 0x100000001b3
		h ^= h >> 29
	}
	for ; i < n; i++ {
		h = (h ^ uint64(*(*byte)(unsafe.Add(unsafe.Pointer(p), i)))) * 0x100000001b3
	}
	return h
}

func foldDigest(xs []int64) uint64 {
	h := uint64(len(xs))
	for _, x := range xs {
		h = mix64(h ^ uint64(x))
	}
	return h
}

// ---- key codecs ----

var int64Key = keyCodec[int64]{
	parse: func(raw []byte) (int64, error) { return parseInt(raw, 64) },
	append: func(b []byte, p unsafe.Pointer) []byte {
		return strconv.AppendInt(b, *(*int64)(p), 10)
	},
	digest: func(p unsafe.Pointer) uint64 { return *(*uint64)(p) },
	isNaN:  never,
}

var stringKey = keyCodec[string]{
	parse: parseString,
	append: func(b []byte, p unsafe.Pointer) []byte {
		return appendJSONString(b, *(*string)(p))
	},
	digest: func(p unsafe.Pointer) uint64 { return stringDigest(*(*string)(p)) },
	isNaN:  never,
}

var float64Key = keyCodec[float64]{
	parse: func(raw []byte) (float64, error) {
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
	append: func(b []byte, p unsafe.Pointer) []byte { return appendHex16(b, *(*uint64)(p)) },
	digest: func(p unsafe.Pointer) uint64 { return *(*uint64)(p) },
	isNaN: func(p unsafe.Pointer) bool {
		f := *(*float64)(p)
		return f != f
	},
}

var structKeyCodec = keyCodec[structKey]{
	parse: func(raw []byte) (structKey, error) {
		l, err := parseList(raw, 2)
		if err != nil {
			return structKey{}, err
		}
		a, err := parseInt(l[0], 32)
		if err != nil {
			return structKey{}, err
		}
		s, err := parseString(l[1])
		if err != nil {
			return structKey{}, err
		}
		return structKey{int32(a), s}, nil
	},
	append: func(b []byte, p unsafe.Pointer) []byte {
		k := (*structKey)(p)
		b = append(b, '[')
		b = strconv.AppendInt(b, int64(k.a), 10)
		b = append(b, ',')
		b = appendJSONString(b, k.b)
		return append(b, ']')
	},
	digest: func(p unsafe.Pointer) uint64 {
		k := (*structKey)(p)
		return mix64(uint64(uint32(k.a))) ^ stringDigest(k.b)
	},
	isNaN: never,
}

var arrayKeyCodec = keyCodec[arrayKey]{
	parse: func(raw []byte) (arrayKey, error) {
		l, err := parseList(raw, 3)
		if err != nil {
			return arrayKey{}, err
		}
		var k arrayKey
		for i := range k {
			x, err := parseInt(l[i], 16)
			if err != nil {
				return arrayKey{}, err
			}
			k[i] = int16(x)
		}
		return k, nil
	},
	append: func(b []byte, p unsafe.Pointer) []byte {
		k := (*arrayKey)(p)
		b = append(b, '[')
		for i, x := range k {
			if i > 0 {
				b = append(b, ',')
			}
			b = strconv.AppendInt(b, int64(x), 10)
		}
		return append(b, ']')
	},
	digest: func(p unsafe.Pointer) uint64 {
		k := (*arrayKey)(p)
		return uint64(uint16(k[0])) | uint64(uint16(k[1]))<<16 | uint64(uint16(k[2]))<<32
	},
	isNaN: never,
}

var bigKeyCodec = keyCodec[bigKey]{
	parse: func(raw []byte) (bigKey, error) {
		n, err := parseInt(raw, 64)
		var k bigKey
		for i := range k {
			k[i] = n
		}
		return k, err
	},
	append: func(b []byte, p unsafe.Pointer) []byte { return appendUniform(b, (*bigKey)(p)[:]) },
	digest: func(p unsafe.Pointer) uint64 { return foldDigest((*bigKey)(p)[:]) },
	isNaN:  never,
}

// ---- elem codecs ----

var int64Elem = elemCodec[int64]{
	parse: func(raw []byte) (int64, error) { return parseInt(raw, 64) },
	append: func(b []byte, p unsafe.Pointer) []byte {
		return strconv.AppendInt(b, *(*int64)(p), 10)
	},
	digest: func(p unsafe.Pointer) uint64 { return *(*uint64)(p) },
}

var bigElemCodec = elemCodec[bigElem]{
	parse: func(raw []byte) (bigElem, error) {
		n, err := parseInt(raw, 64)
		var v bigElem
		for i := range v {
			v[i] = n
		}
		return v, err
	},
	append: func(b []byte, p unsafe.Pointer) []byte { return appendUniform(b, (*bigElem)(p)[:]) },
	digest: func(p unsafe.Pointer) uint64 { return foldDigest((*bigElem)(p)[:]) },
}

var errUsage = errors.New("usage: harness -key int64|string|float64|struct|array|bigkey|complex64|complex128|pointer|chan|any -elem int64|bigelem [-full-every N] [-dir-limit N] [-scan probe|table] [-paranoid]")

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
var pointerKey = keyCodec[*ptrTarget]{
	parse: func(raw []byte) (*ptrTarget, error) {
		n, err := parseInt(raw, 64)
		if err != nil {
			return nil, err
		}
		return ptrFor(n), nil
	},
	append: func(b []byte, p unsafe.Pointer) []byte {
		return strconv.AppendInt(b, (*(**ptrTarget)(p)).n, 10)
	},
	digest: func(p unsafe.Pointer) uint64 { return uint64((*(**ptrTarget)(p)).n) },
	isNaN:  never,
}

// complex128 keys are [real, imag], each as float64 keys are (16 hex digits).
var complex128Key = keyCodec[complex128]{
	parse: func(raw []byte) (complex128, error) {
		l, err := parseList(raw, 2)
		if err != nil {
			return 0, err
		}
		re, err := float64Key.parse(l[0])
		if err != nil {
			return 0, err
		}
		im, err := float64Key.parse(l[1])
		if err != nil {
			return 0, err
		}
		return complex(re, im), nil
	},
	append: func(b []byte, p unsafe.Pointer) []byte {
		b = append(b, '[')
		b = appendHex16(b, *(*uint64)(p))
		b = append(b, ',')
		b = appendHex16(b, *(*uint64)(unsafe.Add(p, 8)))
		return append(b, ']')
	},
	digest: func(p unsafe.Pointer) uint64 { return *(*uint64)(p)*31 ^ *(*uint64)(unsafe.Add(p, 8)) },
	isNaN: func(p unsafe.Pointer) bool {
		c := *(*complex128)(p)
		return c != c
	},
}

// complex64 keys are [real, imag], each the 8 hex digits of a float32's bits.
func parseFloat32Bits(raw []byte) (float32, error) {
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

var complex64Key = keyCodec[complex64]{
	parse: func(raw []byte) (complex64, error) {
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
	append: func(b []byte, p unsafe.Pointer) []byte {
		return fmt.Appendf(b, "[\"%08x\",\"%08x\"]", *(*uint32)(p), *(*uint32)(unsafe.Add(p, 4)))
	},
	digest: func(p unsafe.Pointer) uint64 { return *(*uint64)(p) },
	isNaN: func(p unsafe.Pointer) bool {
		c := *(*complex64)(p)
		return c != c
	},
}

// any keys carry their dynamic type: ["i", n] is an int64, ["s", "..."] a string,
// ["f", "<16 hex digits>"] a float64 (as float64 keys are written), ["st", [a, "b"]]
// a structKey, ["p", n] a *ptrTarget (object n of the run).
func appendAnyKey(b []byte, v any) []byte {
	switch x := v.(type) {
	case int64:
		b = strconv.AppendInt(append(b, `["i",`...), x, 10)
	case string:
		b = appendJSONString(append(b, `["s",`...), x)
	case float64:
		b = appendHex16(append(b, `["f",`...), math.Float64bits(x))
	case structKey:
		b = structKeyCodec.append(append(b, `["st",`...), unsafe.Pointer(&x))
	case *ptrTarget:
		b = strconv.AppendInt(append(b, `["p",`...), x.n, 10)
	default:
		panic(fmt.Sprintf("any key of type %T", v))
	}
	return append(b, ']')
}

var anyKey = keyCodec[any]{
	parse: func(raw []byte) (any, error) {
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
			return float64Key.parse(l[1])
		case "st":
			return structKeyCodec.parse(l[1])
		case "p":
			return pointerKey.parse(l[1])
		}
		return nil, fmt.Errorf(`want ["i", n], ["s", "..."], ["f", "<hex>"], ["st", [a, "b"]] or ["p", n], got %s`, raw)
	},
	append: func(b []byte, p unsafe.Pointer) []byte { return appendAnyKey(b, *(*any)(p)) },
	digest: func(p unsafe.Pointer) uint64 {
		var buf [64]byte
		d := uint64(14695981039346656037) // FNV-1a of the key's encoding
		for _, c := range appendAnyKey(buf[:0], *(*any)(p)) {
			d = (d ^ uint64(c)) * 1099511628211
		}
		return d
	},
	isNaN: func(p unsafe.Pointer) bool {
		v := *(*any)(p)
		return v != v
	},
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

var chanKey = keyCodec[chan int64]{
	parse: func(raw []byte) (chan int64, error) {
		n, err := parseInt(raw, 64)
		if err != nil {
			return nil, err
		}
		return chanFor(n), nil
	},
	append: func(b []byte, p unsafe.Pointer) []byte {
		return strconv.AppendInt(b, chanNumber[*(*chan int64)(p)], 10)
	},
	digest: func(p unsafe.Pointer) uint64 { return uint64(chanNumber[*(*chan int64)(p)]) },
	isNaN:  never,
}
