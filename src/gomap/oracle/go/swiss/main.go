// Command harness applies an operation script to a real Go 1.27 (Swiss-table)
// map and prints the runtime's internal state after every operation, read with
// unsafe. See docs/ORACLE-HARNESS-SWISS.md for the exact formats.
//
//	harness -key KT -elem ET [-full-every N] [-dir-limit N] [-scan probe|table] [-paranoid]
//
// The script comes on stdin, one JSON array per line; one JSON object per
// script line goes to stdout. Errors go to stderr with the 1-based line
// number, exit status 2 (3 when -paranoid finds an inconsistency).
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
)

type options struct {
	fullEvery int
	dirLimit  int
	scanTable bool
	paranoid  bool
}

// lineError carries the 1-based script line number of a failure.
type lineError struct {
	line     int
	err      error
	paranoid bool
}

func (e *lineError) Error() string { return fmt.Sprintf("line %d: %v", e.line, e.err) }

func main() {
	os.Exit(realMain(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func realMain(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("harness", flag.ContinueOnError)
	fs.SetOutput(stderr)
	kt := fs.String("key", "", "key type: int64, string, float64, struct, array, bigkey")
	et := fs.String("elem", "", "elem type: int64, bigelem")
	var opt options
	fs.IntVar(&opt.fullEvery, "full-every", 1000, "emit a full dump when the line index is a multiple of N (0 = never)")
	fs.IntVar(&opt.dirLimit, "dir-limit", 64, "above this directory length, emit \"dir\"/\"tables\" only in full records")
	scan := fs.String("scan", "probe", "incremental group scan: probe (the key's probe sequence) or table (the key's whole table)")
	fs.BoolVar(&opt.paranoid, "paranoid", false, "after every op verify the whole map against what was emitted (slow)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	switch *scan {
	case "probe":
	case "table":
		opt.scanTable = true
	default:
		fmt.Fprintf(stderr, "harness: bad -scan %q\n", *scan)
		return 2
	}
	if fs.NArg() != 0 || opt.fullEvery < 0 || opt.dirLimit < 0 {
		fmt.Fprintln(stderr, "harness:", errUsage)
		return 2
	}
	if err := checkIterSize(); err != nil {
		fmt.Fprintln(stderr, "harness: layout check failed:", err)
		return 2
	}

	out := bufio.NewWriterSize(stdout, 1<<20)
	err := dispatch(*kt, *et, opt, stdin, out)
	if ferr := out.Flush(); err == nil && ferr != nil {
		err = ferr
	}
	if err != nil {
		fmt.Fprintln(stderr, "harness:", err)
		var le *lineError
		if errors.As(err, &le) && le.paranoid {
			return 3
		}
		return 2
	}
	return 0
}

func dispatch(kt, et string, opt options, in io.Reader, out *bufio.Writer) error {
	switch et {
	case "int64":
		return dispatchKey(kt, int64Elem, opt, in, out)
	case "bigelem":
		return dispatchKey(kt, bigElemCodec, opt, in, out)
	}
	return fmt.Errorf("bad -elem %q; %w", et, errUsage)
}

func dispatchKey[V any](kt string, ec elemCodec[V], opt options, in io.Reader, out *bufio.Writer) error {
	switch kt {
	case "int64":
		return run(int64Key, ec, opt, in, out)
	case "string":
		return run(stringKey, ec, opt, in, out)
	case "float64":
		return run(float64Key, ec, opt, in, out)
	case "struct":
		return run(structKeyCodec, ec, opt, in, out)
	case "array":
		return run(arrayKeyCodec, ec, opt, in, out)
	case "bigkey":
		return run(bigKeyCodec, ec, opt, in, out)
	case "chan":
		return run(chanKey, ec, opt, in, out)
	case "any":
		return run(anyKey, ec, opt, in, out)
	case "complex64":
		return run(complex64Key, ec, opt, in, out)
	case "complex128":
		return run(complex128Key, ec, opt, in, out)
	case "pointer":
		return run(pointerKey, ec, opt, in, out)
	}
	return fmt.Errorf("bad -key %q; %w", kt, errUsage)
}

func run[K comparable, V any](kc keyCodec[K], ec elemCodec[V], opt options, in io.Reader, out *bufio.Writer) error {
	s := newState(kc, ec, opt, out)
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 1<<16), 1<<30)
	i := 0
	for sc.Scan() {
		if err := s.step(i, sc.Bytes()); err != nil {
			var le *lineError
			if !errors.As(err, &le) {
				err = &lineError{line: i + 1, err: err}
			}
			return err
		}
		i++
	}
	if err := sc.Err(); err != nil {
		return &lineError{line: i + 1, err: err}
	}
	return nil
}
