// Command memclassic measures what a real Go 1.23 map (the classic bucket map)
// allocates, operation by operation: MemStats.TotalAlloc and Mallocs deltas, and
// on request the live heap after a GC. It prints, per op, those figures, the
// hash the runtime computed for the op's key and the hash seed after the op, so
// that gomap's model can replay the very same run. See docs/SIMULATE.md.
//
//	memclassic -key K -elem V < script > records
//	memclassic -layout > layout.json
//
// Script: one op per line: "make HINT", "set KEY", "get KEY", "del KEY",
// "clear", "iter" (a whole range loop), "clone KEY..." (m = maps.Clone(m)),
// "rebuild KEY..." (m = a make(map, len(m)) filled by a range loop; the KEYs are
// the map's keys, whose hashes under the new map's seed are printed as "hashes");
// a trailing " !" asks for a live-heap
// measurement after that op. "make" starts a fresh map (the previous one is
// dropped and collected first). KEY is a decimal integer, or for string keys a
// Go quoted string, or for interface keys a typed literal (i:N, s:"...", f:<IEEE
// bits in hex>, t:N, p:N; see parseKey). While a NaN key may be in the map, each
// record also says where every NaN is (../memshared/nans.go).
package main

import (
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"unsafe"
)

// mapType mirrors internal/abi.MapType (classic).
type mapType struct {
	typ        abiType
	key        *abiType
	elem       *abiType
	bucket     *abiType
	hasher     func(unsafe.Pointer, uintptr) uintptr
	keySize    uint8
	valueSize  uint8
	bucketSize uint16
	flags      uint32
}

//go:noinline
func mapTypeOf[K comparable, V any](m map[K]V) *mapType {
	var e any = m
	return (*mapType)((*eface)(unsafe.Pointer(&e)).typ)
}

var probeNames = []string{"count", "B", "noverflow", "flags", "growing", "extra"}

var liveEvery int

func run[K comparable, V any](keyOf func(o *op) K, in io.Reader, out io.Writer) error {
	ops, err := readOps(in)
	if err != nil {
		return err
	}
	var m map[K]V
	var h *hmap
	var mt *mapType
	var zero V
	key := new(K) // scratch: the hasher needs the key's address
	if cap(nanBuf) > 0 {
		var oldB uint8
		var wasGrowing, wasSame bool
		nanBefore = func(o *op, r *rec) {
			trackNaNs(o)
			wasGrowing = h != nil && h.oldbuckets != nil
			if wasGrowing {
				oldB, wasSame = h.B, h.flags&sameSizeGrow != 0
			}
			classicEvacBefore(h, mt, o)
		}
		nanAfter = func(o *op, r *rec) {
			classicEvacAfter(h, mt, o, r, oldB, wasGrowing, wasSame)
			classicNaNs(h, mt, r)
		}
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
			h = *(**hmap)(unsafe.Pointer(&m))
			mt = mapTypeOf(m)
		case opSet, opGet, opDel:
			*key = keyOf(o)
			r.hashed = true
			r.hash = uint64(mt.hasher(unsafe.Pointer(key), uintptr(h.hash0)))
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
				old := uintptr(h.hash0)
				m2 := make(map[K]V, len(m))
				j := o.ks
				for k, v := range m {
					m2[k] = v
					*key = k
					if j < o.ke { // the range order, as hashes under the old seed
						orders[j] = uint64(mt.hasher(unsafe.Pointer(key), old))
					}
					j++
				}
				m = m2
			}
			sink = m
			h = *(**hmap)(unsafe.Pointer(&m))
			for j := o.ks; j < o.ke; j++ {
				*key = keyOf(&listed[j])
				hashes[j] = uint64(mt.hasher(unsafe.Pointer(key), uintptr(h.hash0)))
			}
		}
		r.seed = uint64(h.hash0)
		r.probe = [6]int64{int64(h.count), int64(h.B), int64(h.noverflow), int64(h.flags),
			b2i(h.oldbuckets != nil), b2i(h.extra != nil)}
	}
	growing := func() bool { return h != nil && h.oldbuckets != nil }
	return writeRecs(out, ops, measure(ops, apply, growing, liveEvery), probeNames)
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
		fmt.Fprintf(os.Stderr, "memclassic: unsupported -key %q -elem %q\n", *key, *elem)
		os.Exit(2)
	}
	if err := r(os.Stdin, os.Stdout); err != nil {
		fmt.Fprintf(os.Stderr, "memclassic: %v\n", err)
		os.Exit(2)
	}
}

func mapRowOf[K comparable, V any](key, elem string) mapRow {
	mt := mapTypeOf(map[K]V(nil))
	return mapRow{key, elem, [][2]any{
		{"bucket_size", uintptr(mt.bucketSize)},
		{"key_slot", uintptr(mt.keySize)},
		{"elem_slot", uintptr(mt.valueSize)},
		{"bucket_pointers", mt.bucket.ptrBytes != 0},
		{"indirect_key", mt.flags&1 != 0},
		{"indirect_elem", mt.flags&2 != 0},
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
