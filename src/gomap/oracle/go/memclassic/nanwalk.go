package main

// Where the NaN keys are in a classic map (see ../memshared/nans.go).

import "unsafe"

const (
	minTopHash   = 5 // tophash values below are the empty and evacuated marks
	sameSizeGrow = 8 // hmap.flags
)

func bucketAt(base unsafe.Pointer, mt *mapType, i uintptr) unsafe.Pointer {
	return unsafe.Add(base, i*uintptr(mt.bucketSize))
}

func overflowOf(b unsafe.Pointer, mt *mapType) unsafe.Pointer {
	return *(*unsafe.Pointer)(unsafe.Add(b, uintptr(mt.bucketSize)-unsafe.Sizeof(b)))
}

// classicNaNs writes, for each NaN key in the new bucket array: bits, bucket, tophash.
func classicNaNs(h *hmap, mt *mapType, r *rec) {
	if h == nil || !nanLive || h.buckets == nil {
		return
	}
	dumpOpen(r, secNaNs)
	for i := uintptr(0); i < uintptr(1)<<h.B; i++ {
		for b := bucketAt(h.buckets, mt, i); b != nil; b = overflowOf(b, mt) {
			for s := uintptr(0); s < 8; s++ {
				top := *(*uint8)(unsafe.Add(b, s))
				if top < minTopHash {
					continue
				}
				k := unsafe.Add(b, 8+s*uintptr(mt.keySize))
				if mt.flags&1 != 0 {
					k = *(*unsafe.Pointer)(k)
				}
				if bits, ok := nanBitsAt(k); ok {
					dumpPut(bits, uint64(i), uint64(top))
				}
			}
		}
	}
	dumpClose(r, secNaNs)
}

// The old buckets' evacuation marks before a NaN del during a growth: its random
// hash picks the old bucket that growWork evacuates.
var evacBefore [1 << 16]bool

func noldbuckets(h *hmap) uintptr {
	if h.flags&sameSizeGrow != 0 {
		return uintptr(1) << h.B
	}
	return uintptr(1) << (h.B - 1)
}

func oldEvacuated(h *hmap, mt *mapType, i uintptr) bool {
	top := *(*uint8)(bucketAt(h.oldbuckets, mt, i))
	return top > 1 && top < minTopHash
}

func classicEvacBefore(h *hmap, mt *mapType, o *op) {
	if h == nil || h.oldbuckets == nil || o.kind != opDel || !isNaNKey(o) {
		return
	}
	for i := uintptr(0); i < noldbuckets(h) && i < uintptr(len(evacBefore)); i++ {
		evacBefore[i] = oldEvacuated(h, mt, i)
	}
}

// classicEvacAfter writes the old buckets the NaN del evacuated (the growth may
// have ended with it: then every old bucket not evacuated before).
func classicEvacAfter(h *hmap, mt *mapType, o *op, r *rec, oldB uint8, wasGrowing, wasSame bool) {
	if !wasGrowing || o.kind != opDel || !isNaNKey(o) {
		return
	}
	n := uintptr(1) << oldB
	if !wasSame {
		n >>= 1
	}
	dumpOpen(r, secEvac)
	for i := uintptr(0); i < n && i < uintptr(len(evacBefore)); i++ {
		now := h.oldbuckets == nil || oldEvacuated(h, mt, i)
		if now && !evacBefore[i] {
			dumpPut(uint64(i))
		}
	}
	dumpClose(r, secEvac)
}
