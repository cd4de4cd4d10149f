package main

// The -layout report: unsafe.Sizeof / Alignof / abi.Type.PtrBytes of a list of
// types, as this compiler lays them out. Shared by memclassic and memswiss (keep
// the two copies equal); tests/layout/test_types.py records the figures.

import (
	"bufio"
	"io"
	"reflect"
	"strconv"
	"unsafe"
)

// abiType mirrors internal/abi.Type (the same in Go 1.23 and Go 1.27).
type abiType struct {
	size       uintptr
	ptrBytes   uintptr
	hash       uint32
	tflag      uint8
	align      uint8
	fieldAlign uint8
	kind       uint8
	equal      func(unsafe.Pointer, unsafe.Pointer) bool
	gcdata     *byte
	str        int32
	ptrToThis  int32
}

type eface struct {
	typ  unsafe.Pointer
	data unsafe.Pointer
}

type typeRow struct {
	name                  string
	size, align, ptrBytes uintptr
}

func info[T any](name string) typeRow {
	var x T
	rt := reflect.TypeOf((*T)(nil)).Elem() // an iface whose data word is the *abi.Type
	t := (*abiType)((*[2]unsafe.Pointer)(unsafe.Pointer(&rt))[1])
	if t.size != unsafe.Sizeof(x) {
		panic("abi.Type mirror disagrees with unsafe.Sizeof for " + name)
	}
	return typeRow{name, unsafe.Sizeof(x), unsafe.Alignof(x), t.ptrBytes}
}

func typeRows() []typeRow {
	return []typeRow{
		info[bool]("bool"),
		info[int8]("int8"),
		info[uint8]("uint8"),
		info[byte]("byte"),
		info[int16]("int16"),
		info[uint16]("uint16"),
		info[int32]("int32"),
		info[rune]("rune"),
		info[uint32]("uint32"),
		info[int64]("int64"),
		info[uint64]("uint64"),
		info[int]("int"),
		info[uint]("uint"),
		info[uintptr]("uintptr"),
		info[float32]("float32"),
		info[float64]("float64"),
		info[complex64]("complex64"),
		info[complex128]("complex128"),
		info[string]("string"),
		info[*int64]("*int64"),
		info[[]byte]("[]byte"),
		info[any]("any"),
		info[error]("error"),
		info[interface{ String() string }]("interface{ String() string }"),
		info[unsafe.Pointer]("unsafe.Pointer"),
		info[map[string]int]("map[string]int"),
		info[chan int]("chan int"),
		info[func()]("func()"),
		info[[3]int16]("[3]int16"),
		info[[17]int64]("[17]int64"),
		info[[0]int64]("[0]int64"),
		info[[4]string]("[4]string"),
		info[[2]*int]("[2]*int"),
		info[struct{}]("struct{}"),
		info[struct {
			a int32
			b string
		}]("struct{a int32; b string}"),
		info[struct {
			a int8
			b int64
			c int8
		}]("struct{a int8; b int64; c int8}"),
		info[struct {
			a int64
			b struct{}
		}]("struct{a int64; b struct{}}"),
		info[struct {
			a bool
			b [0]int64
		}]("struct{a bool; b [0]int64}"),
		info[struct {
			a, b int16
			c    complex64
		}]("struct{a, b int16; c complex64}"),
		info[struct {
			s string
			n int32
		}]("struct{s string; n int32}"),
		info[struct {
			n int32
			s []int
		}]("struct{n int32; s []int}"),
		info[[2]struct {
			a int8
			b int16
		}]("[2]struct{a int8; b int16}"),
		info[struct {
			a [3]byte
			p *int
			b byte
		}]("struct{a [3]byte; p *int; b byte}"),
		info[[20]int64]("[20]int64"),
		info[[8]string]("[8]string"),
		info[[200]byte]("[200]byte"),
	}
}

// mapRow is what a map type descriptor says about the layout.
type mapRow struct {
	key, elem string
	fields    [][2]any
}

func writeLayout(out io.Writer, maps []mapRow) {
	w := bufio.NewWriter(out)
	defer w.Flush()
	w.WriteString(`{"types":[`)
	for i, r := range typeRows() {
		if i > 0 {
			w.WriteString(",")
		}
		w.WriteString(`{"type":` + strconv.Quote(r.name) +
			`,"size":` + strconv.FormatUint(uint64(r.size), 10) +
			`,"align":` + strconv.FormatUint(uint64(r.align), 10) +
			`,"ptr_bytes":` + strconv.FormatUint(uint64(r.ptrBytes), 10) + `}`)
	}
	w.WriteString(`],"maps":[`)
	for i, m := range maps {
		if i > 0 {
			w.WriteString(",")
		}
		w.WriteString(`{"key":` + strconv.Quote(m.key) + `,"elem":` + strconv.Quote(m.elem))
		for _, f := range m.fields {
			w.WriteString(`,"` + f[0].(string) + `":`)
			switch v := f[1].(type) {
			case bool:
				w.WriteString(strconv.FormatBool(v))
			case uintptr:
				w.WriteString(strconv.FormatUint(uint64(v), 10))
			}
		}
		w.WriteString("}")
	}
	w.WriteString("]}\n")
}
