//go:build go1.27

package main

import "unsafe"

// mapType mirrors internal/abi.MapType of Go 1.27 (split-capable group layout:
// keys and elems are addressed by offset and stride).
type mapType struct {
	abiType
	Key        *abiType
	Elem       *abiType
	Group      *abiType
	Hasher     func(unsafe.Pointer, uintptr) uintptr
	GroupSize  uintptr
	KeysOff    uintptr
	KeyStride  uintptr
	ElemsOff   uintptr
	ElemStride uintptr
	ElemOff    uintptr
	Flags      uint32
}

func (mt *mapType) keyStride() uintptr { return mt.KeyStride }

// keyOff is the offset of slot s's key in a group.
func (mt *mapType) keyOff(s uintptr) uintptr { return mt.KeysOff + s*mt.KeyStride }
