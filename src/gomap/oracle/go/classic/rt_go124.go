//go:build go1.24

package main

import "unsafe"

const (
	hmapSize  = 56
	hiterSize = 8 + 12*unsafe.Sizeof(uintptr(0))
)

// hasClearSeq: Go 1.24+ (noswissmap) count clears in hmap.clearSeq.
const hasClearSeq = true

func (h *hmap) clearSeqOf() uint64 { return h.clearSeq }

// hmap mirrors runtime.hmap of runtime/map_noswiss.go (Go 1.24-1.25).
type hmap struct {
	count      int
	flags      uint8
	B          uint8
	noverflow  uint16
	hash0      uint32
	buckets    unsafe.Pointer
	oldbuckets unsafe.Pointer
	nevacuate  uintptr
	clearSeq   uint64
	extra      unsafe.Pointer
}

// hiter mirrors runtime.hiter of map_noswiss.go (and reflect.hiter), Go 1.24-1.25.
type hiter struct {
	key         unsafe.Pointer
	elem        unsafe.Pointer
	t           unsafe.Pointer
	h           unsafe.Pointer
	buckets     unsafe.Pointer
	bptr        unsafe.Pointer
	overflow    unsafe.Pointer
	oldoverflow unsafe.Pointer
	startBucket uintptr
	offset      uint8
	wrapped     bool
	B           uint8
	i           uint8
	bucket      uintptr
	checkBucket uintptr
	clearSeq    uint64
}

