package main

// Mirrors of the classic-map runtime structures, read with unsafe.
//
// Sources (Go 1.23.9; Go 1.21-1.22 have the same layout; Go 1.24-1.25 build the
// classic map under GOEXPERIMENT=noswissmap from runtime/map_noswiss.go, whose
// hmap and hiter gained clearSeq: rt_go123.go / rt_go124.go hold the two):
//   runtime/map.go           hmap, hiter, bmap, constants, tophash()
//   internal/abi/type.go     abi.Type, abi.MapType
//   reflect/value.go         reflect.MapIter{m Value; hiter hiter}, reflect.hiter
//
// Every layout assumption is checked at start-up (checkLayout) or when a
// map is made (checkMapType); a mismatch is a fatal harness error.

import (
	"fmt"
	"reflect"
	"unsafe"
)

const (
	bucketCnt  = 8
	minTopHash = 5
	// hmap.flags
	flagIterator     = 1
	flagOldIterator  = 2
	flagHashWriting  = 4
	flagSameSizeGrow = 8
	// abi.MapType.Flags
	mtIndirectKey  = 1
	mtIndirectElem = 2
	// abi.Kind
	kindMap  = 21
	kindMask = 31
	// hiter.checkBucket sentinel (runtime.noCheck)
	noCheck = ^uintptr(0)
	// abi.MapMaxKeyBytes / MapMaxElemBytes
	maxKeyBytes  = 128
	maxElemBytes = 128
)

// abiType mirrors internal/abi.Type.
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

// mapType mirrors internal/abi.MapType (the classic map's type descriptor).
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

// reflectValue mirrors reflect.Value.
type reflectValue struct {
	typ  unsafe.Pointer
	ptr  unsafe.Pointer
	flag uintptr
}

// mapIter mirrors reflect.MapIter.
type mapIter struct {
	m     reflectValue
	hiter hiter
}

// bucket is the runtime's bucket type for a map whose key slot type is KS and
// elem slot type is VS (KS = *K when the key is stored indirectly, else K).
type bucket[KS, VS any] struct {
	tophash  [bucketCnt]uint8
	keys     [bucketCnt]KS
	elems    [bucketCnt]VS
	overflow unsafe.Pointer
}

func checkLayout() error {
	if s := unsafe.Sizeof(hmap{}); s != hmapSize {
		return fmt.Errorf("hmap mirror is %d bytes, want %d", s, hmapSize)
	}
	if s := unsafe.Sizeof(hiter{}); s != hiterSize {
		return fmt.Errorf("hiter mirror is %d bytes, want %d", s, hiterSize)
	}
	if a, b := unsafe.Sizeof(mapIter{}), unsafe.Sizeof(reflect.MapIter{}); a != b {
		return fmt.Errorf("reflect.MapIter is %d bytes, mirror is %d", b, a)
	}
	if a, b := unsafe.Sizeof(reflectValue{}), unsafe.Sizeof(reflect.Value{}); a != b {
		return fmt.Errorf("reflect.Value is %d bytes, mirror is %d", b, a)
	}
	if s := unsafe.Sizeof(abiType{}); s != 48 {
		return fmt.Errorf("abi.Type mirror is %d bytes, want 48", s)
	}
	return nil
}

// mapTypeOf returns the runtime type descriptor of the map in e (an interface
// holding a map value): the first word of an eface is its *abi.Type.
func mapTypeOf(e any) *mapType {
	return (*mapType)((*[2]unsafe.Pointer)(unsafe.Pointer(&e))[0])
}

// checkMapType verifies that the descriptor agrees with the mirror layout the
// harness uses for this K, V instantiation.
func checkMapType[K comparable, V any, KS, VS any](mt *mapType) error {
	var k K
	var v V
	var ks KS
	var vs VS
	var b bucket[KS, VS]
	wantIK := unsafe.Sizeof(k) > maxKeyBytes
	wantIE := unsafe.Sizeof(v) > maxElemBytes
	switch {
	case mt.typ.kind&kindMask != kindMap:
		return fmt.Errorf("type descriptor kind %d is not a map", mt.typ.kind&kindMask)
	case mt.key.size != unsafe.Sizeof(k) || mt.elem.size != unsafe.Sizeof(v):
		return fmt.Errorf("descriptor key/elem sizes %d/%d, harness %d/%d",
			mt.key.size, mt.elem.size, unsafe.Sizeof(k), unsafe.Sizeof(v))
	case (mt.flags&mtIndirectKey != 0) != wantIK:
		return fmt.Errorf("descriptor indirect-key flag %v, harness expects %v", mt.flags&mtIndirectKey != 0, wantIK)
	case (mt.flags&mtIndirectElem != 0) != wantIE:
		return fmt.Errorf("descriptor indirect-elem flag %v, harness expects %v", mt.flags&mtIndirectElem != 0, wantIE)
	case uintptr(mt.keySize) != unsafe.Sizeof(ks) || uintptr(mt.valueSize) != unsafe.Sizeof(vs):
		return fmt.Errorf("descriptor key/elem slot sizes %d/%d, harness %d/%d",
			mt.keySize, mt.valueSize, unsafe.Sizeof(ks), unsafe.Sizeof(vs))
	case uintptr(mt.bucketSize) != unsafe.Sizeof(b) || mt.bucket.size != unsafe.Sizeof(b):
		return fmt.Errorf("descriptor bucket size %d (bucket type %d), harness bucket %d",
			mt.bucketSize, mt.bucket.size, unsafe.Sizeof(b))
	case unsafe.Offsetof(b.keys) != 8 || unsafe.Offsetof(b.elems) != 8+bucketCnt*uintptr(mt.keySize) ||
		unsafe.Offsetof(b.overflow) != uintptr(mt.bucketSize)-unsafe.Sizeof(uintptr(0)):
		return fmt.Errorf("bucket field offsets %d/%d/%d disagree with the runtime's dataOffset arithmetic",
			unsafe.Offsetof(b.keys), unsafe.Offsetof(b.elems), unsafe.Offsetof(b.overflow))
	}
	return nil
}

// tophash is runtime.tophash.
func tophash(hash uintptr) uint8 {
	top := uint8(hash >> 56)
	if top < minTopHash {
		top += minTopHash
	}
	return top
}
