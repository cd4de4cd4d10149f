// Command harness applies an operation script to a real Go 1.23 map (the
// classic bucket implementation) and prints the runtime's internal state after
// every operation, read with unsafe. See docs/ORACLE-HARNESS-CLASSIC.md.
//
//	harness -key KT -elem ET [-full-every N] < script.jsonl > states.jsonl
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
)

func main() {
	fs := flag.NewFlagSet("harness", flag.ContinueOnError)
	kt := fs.String("key", "", "key type: int64, string, float64, struct, array, bigkey, complex64, complex128, pointer, chan, any")
	et := fs.String("elem", "", "elem type: int64, bigelem")
	fullEvery := fs.Int("full-every", 1000, "full dump on every line index divisible by N (0: never)")
	checkTouched := fs.Bool("check-touched", false, "testing aid: snapshot the whole map around every op and fail if a changed chain was not emitted (slow)")
	if err := fs.Parse(os.Args[1:]); err != nil {
		os.Exit(2)
	}
	if fs.NArg() != 0 {
		fail(fmt.Errorf("unexpected arguments %q", fs.Args()))
	}
	if *fullEvery < 0 {
		fail(fmt.Errorf("-full-every must be >= 0"))
	}
	if err := checkLayout(); err != nil {
		fail(fmt.Errorf("runtime layout check failed: %v", err))
	}
	r, ok := runners[*kt+"/"+*et]
	if !ok {
		fail(fmt.Errorf("unsupported -key %q / -elem %q (keys: int64 string float64 struct array bigkey; elems: int64 bigelem)", *kt, *et))
	}
	if err := r(os.Stdin, os.Stdout, options{*fullEvery, *checkTouched}); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintf(os.Stderr, "harness: %v\n", err)
	os.Exit(2)
}

type options struct {
	fullEvery    int
	checkTouched bool
}

type runner func(in io.Reader, out io.Writer, opt options) error

// One explicit instantiation per (key, elem) pair. The third and fourth type
// arguments are the bucket's key and elem slot types: a pointer when the value
// is larger than 128 bytes and so stored indirectly.
var runners = map[string]runner{
	"int64/int64": func(i io.Reader, o io.Writer, n options) error {
		return run[int64, int64, int64, int64](int64Codec, int64Codec, i, o, n)
	},
	"int64/bigelem": func(i io.Reader, o io.Writer, n options) error {
		return run[int64, bigElem, int64, *bigElem](int64Codec, bigElemCodec, i, o, n)
	},
	"string/int64": func(i io.Reader, o io.Writer, n options) error {
		return run[string, int64, string, int64](stringCodec, int64Codec, i, o, n)
	},
	"string/bigelem": func(i io.Reader, o io.Writer, n options) error {
		return run[string, bigElem, string, *bigElem](stringCodec, bigElemCodec, i, o, n)
	},
	"float64/int64": func(i io.Reader, o io.Writer, n options) error {
		return run[float64, int64, float64, int64](float64Codec, int64Codec, i, o, n)
	},
	"float64/bigelem": func(i io.Reader, o io.Writer, n options) error {
		return run[float64, bigElem, float64, *bigElem](float64Codec, bigElemCodec, i, o, n)
	},
	"struct/int64": func(i io.Reader, o io.Writer, n options) error {
		return run[structKey, int64, structKey, int64](structCodec, int64Codec, i, o, n)
	},
	"struct/bigelem": func(i io.Reader, o io.Writer, n options) error {
		return run[structKey, bigElem, structKey, *bigElem](structCodec, bigElemCodec, i, o, n)
	},
	"array/int64": func(i io.Reader, o io.Writer, n options) error {
		return run[arrayKey, int64, arrayKey, int64](arrayCodec, int64Codec, i, o, n)
	},
	"array/bigelem": func(i io.Reader, o io.Writer, n options) error {
		return run[arrayKey, bigElem, arrayKey, *bigElem](arrayCodec, bigElemCodec, i, o, n)
	},
	"complex128/int64": func(i io.Reader, o io.Writer, n options) error {
		return run[complex128, int64, complex128, int64](complexCodec, int64Codec, i, o, n)
	},
	"complex64/int64": func(i io.Reader, o io.Writer, n options) error {
		return run[complex64, int64, complex64, int64](complex64Codec, int64Codec, i, o, n)
	},
	"any/int64": func(i io.Reader, o io.Writer, n options) error {
		return run[any, int64, any, int64](anyCodec, int64Codec, i, o, n)
	},
	"chan/int64": func(i io.Reader, o io.Writer, n options) error {
		return run[chan int64, int64, chan int64, int64](chanCodec, int64Codec, i, o, n)
	},
	"pointer/int64": func(i io.Reader, o io.Writer, n options) error {
		return run[*ptrTarget, int64, *ptrTarget, int64](pointerCodec, int64Codec, i, o, n)
	},
	"bigkey/int64": func(i io.Reader, o io.Writer, n options) error {
		return run[bigKey, int64, *bigKey, int64](bigKeyCodec, int64Codec, i, o, n)
	},
	"bigkey/bigelem": func(i io.Reader, o io.Writer, n options) error {
		return run[bigKey, bigElem, *bigKey, *bigElem](bigKeyCodec, bigElemCodec, i, o, n)
	},
}
