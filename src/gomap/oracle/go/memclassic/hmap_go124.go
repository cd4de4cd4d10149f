//go:build go1.24

package main

import "unsafe"

// hmap mirrors runtime.hmap of runtime/map_noswiss.go (Go 1.24-1.25, GOEXPERIMENT=noswissmap).
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

