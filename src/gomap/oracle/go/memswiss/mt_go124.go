//go:build go1.24 && !go1.27

package main

import "unsafe"

// mapType mirrors internal/abi.SwissMapType (Go 1.24, 1.25) / abi.MapType (Go
// 1.26): interleaved slots {key; elem} of SlotSize bytes after the 8 control bytes.
type mapType struct {
	abiType
	Key       *abiType
	Elem      *abiType
	Group     *abiType
	Hasher    func(unsafe.Pointer, uintptr) uintptr
	GroupSize uintptr
	SlotSize  uintptr
	ElemOff   uintptr
	Flags     uint32
}

func (mt *mapType) keyStride() uintptr { return mt.SlotSize }

// keyOff is the offset of slot s's key in a group.
func (mt *mapType) keyOff(s uintptr) uintptr { return 8 + s*mt.SlotSize }
