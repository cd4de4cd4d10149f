package main

// Copies of the Go 1.24-1.27 runtimes' map data structures, read with unsafe.
// abi.MapType differs by release (mt_go124.go, mt_go127.go); maps.Map gained
// tombstonePossible in Go 1.25, in what is padding in Go 1.24 (always 0 there).
//
// Sources (GOROOT/src):
//   internal/abi/type.go            abi.Type
//   internal/abi/map.go             abi.MapType
//   internal/runtime/maps/map.go    maps.Map
//   internal/runtime/maps/table.go  maps.table, maps.Iter
//   internal/runtime/maps/group.go  ctrl bytes, groupsReference
//   reflect/map.go                  reflect.MapIter{m Value; hiter maps.Iter}
//
// checkLayout and the checks in state.refresh/iter verify these copies against
// live objects wherever a mismatch would be observable.

import (
	"fmt"
	"reflect"
	"unsafe"
)

const (
	groupSlots  = 8
	ctrlEmpty   = 0x80
	ctrlDeleted = 0xFE

	maxAvgGroupLoad = 7

	// abi.MapType.Flags
	flagNeedKeyUpdate  = 1 << 0
	flagHashMightPanic = 1 << 1
	flagIndirectKey    = 1 << 2
	flagIndirectElem   = 1 << 3
)

// abiType mirrors internal/abi.Type.
type abiType struct {
	Size_       uintptr
	PtrBytes    uintptr
	Hash        uint32
	TFlag       uint8
	Align_      uint8
	FieldAlign_ uint8
	Kind_       uint8
	Equal       func(unsafe.Pointer, unsafe.Pointer) bool
	GCData      *byte
	Str         int32
	PtrToThis   int32
}

func (mt *mapType) indirectKey() bool  { return mt.Flags&flagIndirectKey != 0 }
func (mt *mapType) indirectElem() bool { return mt.Flags&flagIndirectElem != 0 }

// mapHeader mirrors internal/runtime/maps.Map.
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

// tableHeader mirrors internal/runtime/maps.table.
type tableHeader struct {
	used       uint16
	capacity   uint16
	growthLeft uint16
	localDepth uint8
	index      int
	groupsData unsafe.Pointer // groups.data
	lengthMask uint64         // groups.lengthMask
}

// iterLayout mirrors internal/runtime/maps.Iter.
type iterLayout struct {
	key         unsafe.Pointer
	elem        unsafe.Pointer
	typ         *mapType
	m           *mapHeader
	entryOffset uint64
	dirOffset   uint64
	clearSeq    uint64
	globalDepth uint8
	dirIdx      int
	tab         *tableHeader
	group       unsafe.Pointer // groupReference.data
	entryIdx    uint64
}

// reflect.MapIter is struct{ m reflect.Value; hiter maps.Iter }.
var hiterOffset = unsafe.Sizeof(reflect.Value{})

type eface struct {
	typ  unsafe.Pointer
	data unsafe.Pointer
}

// mapTypeOf returns the map type descriptor of m.
//
// It must not be inlined: if the compiler sees the (constant) type pointer, it
// may fold the load of mt.Hasher out of the read-only type descriptor into a
// direct reference to a generated hash function, on which the Go 1.27 linker
// crashes (array and struct keys).
//
//go:noinline
func mapTypeOf[K comparable, V any](m map[K]V) *mapType {
	var e any = m
	return (*mapType)((*eface)(unsafe.Pointer(&e)).typ)
}

// headerOf returns the runtime *maps.Map behind m.
func headerOf[K comparable, V any](m map[K]V) *mapHeader {
	return *(**mapHeader)(unsafe.Pointer(&m))
}

func (h *mapHeader) directoryAt(i int) *tableHeader {
	return *(**tableHeader)(unsafe.Add(h.dirPtr, uintptr(i)*unsafe.Sizeof(uintptr(0))))
}

// directoryIndex mirrors Map.directoryIndex.
func (h *mapHeader) directoryIndex(hash uintptr) int {
	if h.dirLen == 1 {
		return 0
	}
	return int(hash >> (h.globalShift & 63))
}

func (t *tableHeader) group(mt *mapType, i uint64) unsafe.Pointer {
	return unsafe.Add(t.groupsData, uintptr(i)*mt.GroupSize)
}

func ctrlWord(g unsafe.Pointer) uint64 { return *(*uint64)(g) }

// ctrlAt returns the control byte of slot i (little-endian: byte i).
func ctrlAt(g unsafe.Pointer, i int) uint8 { return *(*uint8)(unsafe.Add(g, i)) }

func hasEmpty(g unsafe.Pointer) bool {
	for i := 0; i < groupSlots; i++ {
		if ctrlAt(g, i) == ctrlEmpty {
			return true
		}
	}
	return false
}

func keyPtr(mt *mapType, g unsafe.Pointer, i int) unsafe.Pointer {
	p := unsafe.Add(g, mt.keysOff()+uintptr(i)*mt.keyStride())
	if mt.indirectKey() {
		p = *(*unsafe.Pointer)(p)
	}
	return p
}

func elemPtr(mt *mapType, g unsafe.Pointer, i int) unsafe.Pointer {
	p := unsafe.Add(g, mt.elemsOff()+uintptr(i)*mt.elemStride())
	if mt.indirectElem() {
		p = *(*unsafe.Pointer)(p)
	}
	return p
}

// checkMapType verifies the copied abi.MapType layout against what K and V
// must look like.
func checkMapType[K comparable, V any](mt *mapType) error {
	var k K
	var v V
	switch {
	case mt.Kind_ != uint8(reflect.Map):
		return fmt.Errorf("map type descriptor: kind %d, want %d", mt.Kind_, reflect.Map)
	case mt.Key.Size_ != unsafe.Sizeof(k):
		return fmt.Errorf("map type descriptor: key size %d, want %d", mt.Key.Size_, unsafe.Sizeof(k))
	case mt.Elem.Size_ != unsafe.Sizeof(v):
		return fmt.Errorf("map type descriptor: elem size %d, want %d", mt.Elem.Size_, unsafe.Sizeof(v))
	case mt.GroupSize != mt.Group.Size_:
		return fmt.Errorf("map type descriptor: GroupSize %d != Group.Size_ %d", mt.GroupSize, mt.Group.Size_)
	case mt.indirectKey() != (unsafe.Sizeof(k) > 128):
		return fmt.Errorf("map type descriptor: indirect key flag %v for a %d-byte key", mt.indirectKey(), unsafe.Sizeof(k))
	case mt.indirectElem() != (unsafe.Sizeof(v) > 128):
		return fmt.Errorf("map type descriptor: indirect elem flag %v for a %d-byte elem", mt.indirectElem(), unsafe.Sizeof(v))
	case mt.Hasher == nil:
		return fmt.Errorf("map type descriptor: nil hasher")
	}
	kslot, eslot := unsafe.Sizeof(k), unsafe.Sizeof(v)
	if mt.indirectKey() {
		kslot = unsafe.Sizeof(uintptr(0))
	}
	if mt.indirectElem() {
		eslot = unsafe.Sizeof(uintptr(0))
	}
	if mt.GroupSize < 8+groupSlots*(kslot+eslot) || mt.keysOff() < 8 || mt.elemsOff() < 8 {
		return fmt.Errorf("map type descriptor: implausible group layout (size %d, keys at %d, elems at %d)",
			mt.GroupSize, mt.keysOff(), mt.elemsOff())
	}
	return nil
}

func checkIterSize() error {
	var mi reflect.MapIter
	if got, want := unsafe.Sizeof(mi), hiterOffset+unsafe.Sizeof(iterLayout{}); got != want {
		return fmt.Errorf("reflect.MapIter is %d bytes, the copied layout says %d", got, want)
	}
	return nil
}
