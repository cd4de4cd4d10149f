//go:build !go1.24

package main

import "unsafe"

const (
	hmapSize  = 48
	hiterSize = 12 * unsafe.Sizeof(uintptr(0))
)

// hasClearSeq: Go 1.21-1.23 have no hmap.clearSeq.
const hasClearSeq = false

func (h *hmap) clearSeqOf() uint64 { return 0 }

// hmap mirrors runtime.hmap (Go 1.21-1.23).
type hmap struct {
	count      int
	flags      uint8
	B          uint8
	noverflow  uint16
	hash0      uint32
	buckets    unsafe.Pointer
	oldbuckets unsafe.Pointer
	nevacuate  uintptr
	extra      unsafe.Pointer
}

// hiter mirrors runtime.hiter (and reflect.hiter, which must match it), Go 1.21-1.23.
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
}

