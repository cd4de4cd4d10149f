// Shared by memclassic and memswiss (copied into each build; see shared.txt).

package main

import (
	"io"
	"math"
	"strconv"
	"strings"
	"time"
)

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

type structKey struct {
	a int32
	b string
}

// Session is tests/data/gotypes/sessions.Session (keep the two equal): a named struct
// with pointers and padding, which gomap lays out from the Go type checker's answer
// (gomap.layout.named); its run checks the accounting of such a type.
type Session struct {
	ID   int32
	Name string
	Next *Session
	Flag bool
	Seen time.Time
}

type runner func(in io.Reader, out io.Writer) error

// The map types the memory oracle measures (keep in sync with
// gomap.oracle.memory_driver.PAIRS). Each harness defines run[K, V] for its engine.
var runners = map[string]runner{
	"int64|int64":     func(i io.Reader, o io.Writer) error { return run[int64, int64](intKey, i, o) },
	"int64|struct{}":  func(i io.Reader, o io.Writer) error { return run[int64, struct{}](intKey, i, o) },
	"string|int64":    func(i io.Reader, o io.Writer) error { return run[string, int64](strKey, i, o) },
	"int64|string":    func(i io.Reader, o io.Writer) error { return run[int64, string](intKey, i, o) },
	"[17]int64|int64": func(i io.Reader, o io.Writer) error { return run[[17]int64, int64](bigKey, i, o) },
	"int64|[20]int64": func(i io.Reader, o io.Writer) error { return run[int64, [20]int64](intKey, i, o) },
	"string|[8]string": func(i io.Reader, o io.Writer) error {
		return run[string, [8]string](strKey, i, o)
	},
	"struct{a int32; b string}|[3]int16": func(i io.Reader, o io.Writer) error {
		return run[structKey, [3]int16](structKeyOf, i, o)
	},
	"string|sessions.Session": func(i io.Reader, o io.Writer) error {
		return run[string, Session](strKey, i, o)
	},
	"[4]int64|[16]int64": func(i io.Reader, o io.Writer) error {
		return run[[4]int64, [16]int64](quadKey, i, o)
	},
	"complex128|int64": func(i io.Reader, o io.Writer) error {
		return run[complex128, int64](complexKey, i, o)
	},
	"complex64|int64": func(i io.Reader, o io.Writer) error {
		return run[complex64, int64](complex64Key, i, o)
	},
	"chan int64|int64": func(i io.Reader, o io.Writer) error {
		prepareKeys = prepareChans
		return run[chan int64, int64](chanKey, i, o)
	},
	"int64|any": func(i io.Reader, o io.Writer) error { return run[int64, any](intKey, i, o) },
	"any|int64": func(i io.Reader, o io.Writer) error {
		prepareKeys = prepareAnys
		return run[any, int64](anyKey, i, o)
	},
	"*int64|int64": func(i io.Reader, o io.Writer) error {
		prepareKeys = preparePointers
		return run[*int64, int64](pointerKey, i, o)
	},
}

// prepareKeys, when set, runs over every op (and every listed key) once the script
// is read, before anything is measured: keys that need an allocation are made there.
var prepareKeys func(ops []op)

// Pointer keys: key n is a pointer to object n, made once before measuring.
var pointers = map[int64]*int64{}

func preparePointers(ops []op) {
	for i := range ops {
		if _, ok := pointers[ops[i].n]; !ok {
			p := new(int64)
			*p = ops[i].n
			pointers[ops[i].n] = p
		}
	}
}

func pointerKey(o *op) *int64 { return pointers[o.n] }

// Channel keys: key n is channel n (make(chan int64)), made once before measuring.
var chans = map[int64]chan int64{}

func prepareChans(ops []op) {
	for i := range ops {
		if _, ok := chans[ops[i].n]; !ok {
			chans[ops[i].n] = make(chan int64)
		}
	}
}

func chanKey(o *op) chan int64 { return chans[o.n] }

// Interface keys: a decimal key n is any(int(n)); a typed literal (op.dyn) is
// any(int64(n)), any(string), any(float64) (a NaN by its bits: each is its own
// key), any(structKey{n, "n"}) or any(pointer object n). Each is boxed once before
// measuring (converting to an interface allocates).
type anyID struct {
	dyn byte
	n   int64
	s   string
}

var anys = map[anyID]any{}

func anyIDOf(o *op) anyID {
	id := anyID{dyn: o.dyn, n: o.n}
	if o.dyn == 's' {
		id.s = o.keyString()
	}
	return id
}

func prepareAnys(ops []op) {
	for i := range ops {
		o := &ops[i]
		id := anyIDOf(o)
		if _, ok := anys[id]; ok {
			continue
		}
		var v any
		switch o.dyn {
		case 0:
			v = int(o.n)
		case 'i':
			v = o.n
		case 's':
			v = strings.Clone(id.s)
		case 'f':
			v = math.Float64frombits(uint64(o.n))
		case 't':
			v = structKey{int32(o.n), strconv.FormatInt(o.n, 10)}
		case 'p':
			p, ok := pointers[o.n]
			if !ok {
				p = new(int64)
				*p = o.n
				pointers[o.n] = p
			}
			v = p
		}
		anys[id] = v
	}
}

func anyKey(o *op) any { return anys[anyIDOf(o)] }

// complex128 keys: key n is complex(n, 0).
func complexKey(o *op) complex128 { return complex(float64(o.n), 0) }

// complex64 keys: key n is complex(n, 0) (exact in float32 for |n| < 2^24).
func complex64Key(o *op) complex64 { return complex(float32(o.n), 0) }

// Keys of the composite types are built from the integer n (injectively).
func bigKey(o *op) (k [17]int64) {
	for j := range k {
		k[j] = o.n
	}
	return
}

func structKeyOf(o *op) structKey { return structKey{int32(o.n), o.keyString()} }

func quadKey(o *op) [4]int64 { return [4]int64{o.n, o.n, o.n, o.n} }
