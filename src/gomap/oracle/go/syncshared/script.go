package main

// The op-script loop both sync.Map harnesses share (syncmap123 for Go 1.23's
// read/dirty map, syncmap124 for Go 1.24+'s hash-trie). Each harness provides
//
//	func newInspector(m *sync.Map) inspector
//
// which reads the map's internals with unsafe.
//
// Script: one JSON array per line on stdin:
//
//	["get", K] (Load)  ["set", K, V] (Store)  ["del", K] (Delete)
//	["load_or_store", K, V]  ["load_and_delete", K]  ["swap", K, V]
//	["compare_and_swap", K, OLD, NEW]  ["compare_and_delete", K, OLD]
//	["range"] or ["range", N]  ["clear"]  ["dump"]
//
// (gomap's op vocabulary: gomap/ops.py, gomap/companions/ops.py)
//
// K is [type, value] with type int, int64, uint64, uintptr or string; values are
// JSON integers (Go int). ["range", N] stops after N calls of f (N < 0: never).
// Output: one JSON object per line: {"r": results, "h": hash of K (when the
// inspector knows it), "s": state (every -full-every lines and on "dump"),
// "x": the inspector's cheap per-op summary}.

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"sync"
)

type inspector interface {
	// hash returns the runtime's hash of k, if this sync.Map has one.
	hash(k any) (uint64, bool)
	// state appends the full internal state as a JSON value.
	state(b []byte) []byte
	// summary appends a cheap per-op JSON value (or nothing).
	summary(b []byte) []byte
}

func main() {
	os.Exit(realMain(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func realMain(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("harness", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fullEvery := fs.Int("full-every", 1, "emit the full state when the line index is a multiple of N (0 = only on dump)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() != 0 || *fullEvery < 0 {
		fmt.Fprintln(stderr, "harness: usage: harness [-full-every N] < script")
		return 2
	}
	var m sync.Map
	ins, err := newInspector(&m)
	if err != nil {
		fmt.Fprintln(stderr, "harness: layout check failed:", err)
		return 2
	}
	out := bufio.NewWriterSize(stdout, 1<<20)
	sc := bufio.NewScanner(stdin)
	sc.Buffer(make([]byte, 1<<16), 1<<24)
	line := 0
	var b []byte
	for sc.Scan() {
		b, err = step(&m, ins, line, *fullEvery, sc.Bytes(), b[:0])
		if err != nil {
			out.Flush()
			fmt.Fprintf(stderr, "harness: line %d: %v\n", line+1, err)
			return 2
		}
		out.Write(b)
		line++
	}
	if err := sc.Err(); err != nil {
		fmt.Fprintf(stderr, "harness: line %d: %v\n", line+1, err)
		return 2
	}
	if err := out.Flush(); err != nil {
		fmt.Fprintln(stderr, "harness:", err)
		return 2
	}
	return 0
}

func decodeKey(raw json.RawMessage) (any, error) {
	var kv []json.RawMessage
	if err := json.Unmarshal(raw, &kv); err != nil || len(kv) != 2 {
		return nil, fmt.Errorf("bad key %s: want [type, value]", raw)
	}
	var t string
	if err := json.Unmarshal(kv[0], &t); err != nil {
		return nil, fmt.Errorf("bad key type %s", kv[0])
	}
	if t == "string" {
		var s string
		if err := json.Unmarshal(kv[1], &s); err != nil {
			return nil, fmt.Errorf("bad string key %s", kv[1])
		}
		return s, nil
	}
	n, err := strconv.ParseInt(string(kv[1]), 10, 64)
	if err != nil {
		return nil, fmt.Errorf("bad integer key %s", kv[1])
	}
	switch t {
	case "int":
		return int(n), nil
	case "int64":
		return n, nil
	case "uint64":
		return uint64(n), nil
	case "uintptr":
		return uintptr(n), nil
	}
	return nil, fmt.Errorf("bad key type %q: want int, int64, uint64, uintptr or string", t)
}

func appendKey(b []byte, k any) []byte {
	switch k := k.(type) {
	case int:
		b = append(b, `["int",`...)
		b = strconv.AppendInt(b, int64(k), 10)
	case int64:
		b = append(b, `["int64",`...)
		b = strconv.AppendInt(b, k, 10)
	case uint64:
		b = append(b, `["uint64",`...)
		b = strconv.AppendUint(b, k, 10)
	case uintptr:
		b = append(b, `["uintptr",`...)
		b = strconv.AppendUint(b, uint64(k), 10)
	case string:
		b = append(b, `["string",`...)
		b = strconv.AppendQuote(b, k)
	default:
		panic(fmt.Sprintf("unexpected key type %T", k))
	}
	return append(b, ']')
}

func appendValue(b []byte, v any) []byte {
	switch v := v.(type) {
	case nil:
		return append(b, "null"...)
	case int:
		return strconv.AppendInt(b, int64(v), 10)
	}
	panic(fmt.Sprintf("unexpected value type %T", v))
}

func appendOK(b []byte, v any, ok bool) []byte {
	b = append(b, '[')
	b = appendValue(b, v)
	b = append(b, ',')
	b = strconv.AppendBool(b, ok)
	return append(b, ']')
}

func intArg(raw json.RawMessage) (int, error) {
	n, err := strconv.Atoi(string(raw))
	if err != nil {
		return 0, fmt.Errorf("bad integer %s", raw)
	}
	return n, nil
}

var errArity = errors.New("wrong number of arguments")

func step(m *sync.Map, ins inspector, line, fullEvery int, src, b []byte) ([]byte, error) {
	var op []json.RawMessage
	if err := json.Unmarshal(src, &op); err != nil || len(op) == 0 {
		return b, fmt.Errorf("not a JSON array: %s", src)
	}
	var name string
	if err := json.Unmarshal(op[0], &name); err != nil {
		return b, fmt.Errorf("bad op name %s", op[0])
	}
	arity := map[string]int{"get": 2, "set": 3, "load_or_store": 3, "load_and_delete": 2,
		"del": 2, "swap": 3, "compare_and_swap": 4, "compare_and_delete": 3, "range": 2,
		"clear": 1, "dump": 1}
	want, known := arity[name]
	if !known {
		return b, fmt.Errorf("unknown op %q", name)
	}
	if name == "range" && len(op) == 1 {
		op = append(op, json.RawMessage("-1"))
	}
	if len(op) != want {
		return b, fmt.Errorf("%s: %w (want %d)", name, errArity, want-1)
	}
	var key any
	hasKey := want >= 2 && name != "range"
	if hasKey {
		k, err := decodeKey(op[1])
		if err != nil {
			return b, err
		}
		key = k
	}
	ints := make([]int, 0, 2)
	from := 2
	if name == "range" {
		from = 1
	} else if want == 1 {
		from = 1
	}
	for _, raw := range op[from:] {
		n, err := intArg(raw)
		if err != nil {
			return b, err
		}
		ints = append(ints, n)
	}
	b = append(b, `{"r":`...)
	switch name {
	case "get":
		v, ok := m.Load(key)
		b = appendOK(b, v, ok)
	case "set":
		m.Store(key, ints[0])
		b = append(b, "[]"...)
	case "load_or_store":
		v, loaded := m.LoadOrStore(key, ints[0])
		b = appendOK(b, v, loaded)
	case "load_and_delete":
		v, loaded := m.LoadAndDelete(key)
		b = appendOK(b, v, loaded)
	case "del":
		m.Delete(key)
		b = append(b, "[]"...)
	case "swap":
		v, loaded := m.Swap(key, ints[0])
		b = appendOK(b, v, loaded)
	case "compare_and_swap":
		b = append(b, '[')
		b = strconv.AppendBool(b, m.CompareAndSwap(key, ints[0], ints[1]))
		b = append(b, ']')
	case "compare_and_delete":
		b = append(b, '[')
		b = strconv.AppendBool(b, m.CompareAndDelete(key, ints[0]))
		b = append(b, ']')
	case "range":
		limit := ints[0]
		calls := 0
		b = append(b, '[')
		m.Range(func(k, v any) bool {
			if calls > 0 {
				b = append(b, ',')
			}
			calls++
			b = append(b, '[')
			b = appendKey(b, k)
			b = append(b, ',')
			b = appendValue(b, v)
			b = append(b, ']')
			return limit < 0 || calls < limit
		})
		b = append(b, ']')
	case "clear":
		m.Clear()
		b = append(b, "[]"...)
	case "dump":
		b = append(b, "[]"...)
	}
	if hasKey {
		if h, ok := ins.hash(key); ok {
			b = append(b, `,"h":`...)
			b = strconv.AppendUint(b, h, 10)
		}
	}
	if x := ins.summary(nil); len(x) > 0 {
		b = append(b, `,"x":`...)
		b = append(b, x...)
	}
	if name == "dump" || (fullEvery > 0 && line%fullEvery == 0) {
		b = append(b, `,"s":`...)
		b = ins.state(b)
	}
	return append(b, "}\n"...), nil
}
