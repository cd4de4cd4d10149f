// Command memswiss measures what a real Go 1.27 map (the Swiss table map)
// allocates, operation by operation: MemStats.TotalAlloc and Mallocs deltas, and
// the live heap after a GC wherever it may have changed. It prints, per op, those
// figures, the hash the runtime computed for the op's key and the seed after the
// op, so that gomap's model can replay the very same run. See docs/SIMULATE.md.
//
//	memswiss -key K -elem V [-live-every N] < script > records
//	memswiss -layout > layout.json
//
// The script format is in ../memshared/common.go, shared with memclassic.
package main

import (
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"unsafe"
)

// mapHeader mirrors internal/runtime/maps.Map (Go 1.25-1.27; Go 1.24 has no
// tombstonePossible, which then reads as the padding byte: 0). abi.MapType differs
// by release: mt_go124.go, mt_go127.go.
type mapHeader struct {
	used              uint64
	seed              uintptr
	dirPtr            unsafe.Pointer
	dirLen            int
	globalDepth       uint8
	globalShift       uint8
	writing           uint8
	tombstonePossible bool
	clearSeq          uint64
}

// mapTypeOf returns the map type descriptor of m. Not inlined: the Go 1.27
// linker crashes on a folded load of the hasher of array and struct keys.
//
//go:noinline
func mapTypeOf[K comparable, V any](m map[K]V) *mapType {
	var e any = m
	return (*mapType)((*eface)(unsafe.Pointer(&e)).typ)
}

var probeNames = []string{"used", "dirLen", "globalDepth", "tombstonePossible", "clearSeq"}

var liveEvery int

func run[K comparable, V any](keyOf func(o *op) K, in io.Reader, out io.Writer) error {
	ops, err := readOps(in)
	if err != nil {
		return err
	}
	if unsafe.Sizeof(mapHeader{}) != 48 {
		return fmt.Errorf("maps.Map mirror is %d bytes, want 48", unsafe.Sizeof(mapHeader{}))
	}
	var m map[K]V
	var h *mapHeader
	var mt *mapType
	var zero V
	key := new(K) // scratch: the hasher needs the key's address
	if cap(nanBuf) > 0 {
		nanBefore = func(o *op, r *rec) { trackNaNs(o) }
		nanAfter = func(o *op, r *rec) { swissNaNs(h, mt, o, r) }
	}
	apply := func(o *op, r *rec) {
		if o == nil {
			m, h = nil, nil
			return
		}
		switch o.kind {
		case opMake:
			m = make(map[K]V, o.hint)
			sink = m
			h = *(**mapHeader)(unsafe.Pointer(&m))
			mt = mapTypeOf(m)
		case opSet, opGet, opDel:
			*key = keyOf(o)
			r.hashed = true
			r.hash = uint64(mt.Hasher(unsafe.Pointer(key), h.seed))
			switch o.kind {
			case opSet:
				m[*key] = zero
			case opGet:
				if _, ok := m[*key]; ok {
					nIter++
				}
			default:
				delete(m, *key)
			}
		case opClear:
			clear(m)
		case opIter:
			for k := range m {
				_ = k
				nIter++
			}
		case opClone, opRebuild:
			if o.kind == opClone {
				m = maps.Clone(m)
			} else {
				old := uintptr(h.seed)
				m2 := make(map[K]V, len(m))
				j := o.ks
				for k, v := range m {
					m2[k] = v
					*key = k
					if j < o.ke { // the range order, as hashes under the old seed
						orders[j] = uint64(mt.Hasher(unsafe.Pointer(key), old))
					}
					j++
				}
				m = m2
			}
			sink = m
			h = *(**mapHeader)(unsafe.Pointer(&m))
			for j := o.ks; j < o.ke; j++ {
				*key = keyOf(&listed[j])
				hashes[j] = uint64(mt.Hasher(unsafe.Pointer(key), uintptr(h.seed)))
			}
		}
		r.seed = uint64(h.seed)
		r.probe = [6]int64{int64(h.used), int64(h.dirLen), int64(h.globalDepth),
			b2i(h.tombstonePossible), int64(h.clearSeq)}
	}
	growing := func() bool { return false }
	return writeRecs(out, ops, measure(ops, apply, growing, liveEvery), probeNames)
}

func mapRowOf[K comparable, V any](key, elem string) mapRow {
	mt := mapTypeOf(map[K]V(nil))
	return mapRow{key, elem, [][2]any{
		{"group_size", mt.GroupSize},
		{"slot_size", mt.keyStride()},
		{"elem_off", mt.ElemOff},
		{"group_pointers", mt.Group.ptrBytes != 0},
		{"indirect_key", mt.Flags&(1<<2) != 0},
		{"indirect_elem", mt.Flags&(1<<3) != 0},
	}}
}

func printLayout(out io.Writer) {
	writeLayout(out, []mapRow{
		mapRowOf[int64, int64]("int64", "int64"),
		mapRowOf[int64, struct{}]("int64", "struct{}"),
		mapRowOf[string, int64]("string", "int64"),
		mapRowOf[int64, string]("int64", "string"),
		mapRowOf[[17]int64, int64]("[17]int64", "int64"),
		mapRowOf[int64, [20]int64]("int64", "[20]int64"),
		mapRowOf[string, [8]string]("string", "[8]string"),
		mapRowOf[structKey, [3]int16]("struct{a int32; b string}", "[3]int16"),
		mapRowOf[[4]int64, [16]int64]("[4]int64", "[16]int64"),
		mapRowOf[bool, bool]("bool", "bool"),
		mapRowOf[struct{}, struct{}]("struct{}", "struct{}"),
		mapRowOf[int32, struct{}]("int32", "struct{}"),
		mapRowOf[[200]byte, [200]byte]("[200]byte", "[200]byte"),
		mapRowOf[any, any]("any", "any"),
		mapRowOf[[3]int16, [5]byte]("[3]int16", "[5]byte"),
	})
}

func main() {
	key := flag.String("key", "", "key type (see runners)")
	elem := flag.String("elem", "", "elem type")
	layout := flag.Bool("layout", false, "print type sizes and map layouts as JSON and exit")
	flag.IntVar(&liveEvery, "live-every", 0, "also measure the live heap on every N-th op (0: only where it may change)")
	flag.Parse()
	if *layout {
		printLayout(os.Stdout)
		return
	}
	r, ok := runners[*key+"|"+*elem]
	if !ok {
		fmt.Fprintf(os.Stderr, "memswiss: unsupported -key %q -elem %q\n", *key, *elem)
		os.Exit(2)
	}
	if err := r(os.Stdin, os.Stdout); err != nil {
		fmt.Fprintf(os.Stderr, "memswiss: %v\n", err)
		os.Exit(2)
	}
}
