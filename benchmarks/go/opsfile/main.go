// Command opsfile is the yardstick of benchmarks/bench_e2e.py: a Go program that does
// what `gomap simulate --ops FILE` does for a user, with a real Go map. It reads an
// ops file in gomap's format (docs/SIMULATE.md: "# comments", blank lines, a
// byte-order mark, CRLF; "make N", "set K", "get K", "del K", "iter", "clear") line by
// line and replays each operation as it is read on a map[int64]int64 (-key int64:
// decimal, hex, octal and binary integers) or a map[string]int64 (-key string: Go
// string literals, via strconv.Unquote). Nothing is held but the map. A bad line
// exits 2 with "file:line: message". Output (stdout): the ops replayed and the
// entries left.
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"os"
	"strconv"
)

var sink int64

// stripComment drops a trailing "# comment" outside quotes.
func stripComment(b []byte) []byte {
	if bytes.IndexByte(b, '#') < 0 {
		return b
	}
	var quote byte
	for i := 0; i < len(b); i++ {
		c := b[i]
		if quote != 0 {
			if c == '\\' && quote != '`' {
				i++
				continue
			}
			if c == quote {
				quote = 0
			}
		} else if c == '"' || c == '\'' || c == '`' {
			quote = c
		} else if c == '#' {
			return b[:i]
		}
	}
	return b
}

func fail(path string, line int, msg string) {
	fmt.Fprintf(os.Stderr, "%s:%d: %s\n", path, line, msg)
	os.Exit(2)
}

func main() {
	keyType := flag.String("key", "int64", "int64 or string")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: opsfile [-key int64|string] FILE")
		os.Exit(2)
	}
	path := flag.Arg(0)
	f, err := os.Open(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<16), 1<<26)
	var mi map[int64]int64
	var ms map[string]int64
	made := false
	make_ := func(hint int) {
		if *keyType == "string" {
			ms = make(map[string]int64, hint)
		} else {
			mi = make(map[int64]int64, hint)
		}
		made = true
	}
	n := 0
	lineno := 0
	for sc.Scan() {
		lineno++
		b := sc.Bytes()
		if lineno == 1 {
			b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
		}
		b = bytes.TrimSpace(stripComment(b))
		if len(b) == 0 {
			continue
		}
		word, arg, _ := bytes.Cut(b, []byte(" "))
		arg = bytes.TrimSpace(arg)
		w := string(word)
		if w == "make" {
			if made {
				fail(path, lineno, "make may only be the first operation")
			}
			h, err := strconv.ParseInt(string(arg), 0, 64)
			if err != nil || h < 0 {
				fail(path, lineno, "bad size hint")
			}
			make_(int(h))
			continue
		}
		if !made {
			make_(0)
		}
		n++
		switch w {
		case "set", "get", "del":
			if *keyType == "string" {
				k, err := strconv.Unquote(string(arg))
				if err != nil {
					fail(path, lineno, err.Error())
				}
				switch w {
				case "set":
					ms[k] = int64(n)
				case "get":
					sink += ms[k]
				default:
					delete(ms, k)
				}
			} else {
				k, err := strconv.ParseInt(string(arg), 0, 64)
				if err != nil {
					fail(path, lineno, err.Error())
				}
				switch w {
				case "set":
					mi[k] = int64(n)
				case "get":
					sink += mi[k]
				default:
					delete(mi, k)
				}
			}
		case "clear":
			clear(mi)
			clear(ms)
		case "iter":
			for _, v := range mi {
				sink += v
			}
			for _, v := range ms {
				sink += v
			}
		default:
			fail(path, lineno, fmt.Sprintf("unknown operation %q", w))
		}
	}
	if err := sc.Err(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	fmt.Println(n, len(mi)+len(ms), sink&1)
}
