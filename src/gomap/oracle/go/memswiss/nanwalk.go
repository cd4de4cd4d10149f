package main

// Where the NaN keys are in a Swiss map (see ../memshared/nans.go). Tables are
// numbered in directory order from 1; 0 is the small map's one group.

import "unsafe"

// tableHeader mirrors internal/runtime/maps.table (Go 1.24-1.27).
type tableHeader struct {
	used       uint16
	capacity   uint16
	growthLeft uint16
	localDepth uint8
	index      int
	groupsData unsafe.Pointer
	lengthMask uint64
}

// swissNaNs writes, for each NaN key: bits, table, group, slot, control byte; then
// each table's index, capacity and localDepth; and for a NaN set, the groups of
// the NaN's table with an empty or deleted slot.
func swissNaNs(h *mapHeader, mt *mapType, o *op, r *rec) {
	if h == nil || !nanLive {
		return
	}
	want, opTable := uint64(0), uint64(0)
	found := false
	if o.kind == opSet && isNaNKey(o) {
		want = uint64(o.n)
	}
	group := func(g unsafe.Pointer, t, gi uint64) {
		ctrl := *(*uint64)(g)
		for s := uintptr(0); s < 8; s++ {
			c := (ctrl >> (8 * s)) & 0xff
			if c&0x80 != 0 {
				continue
			}
			k := unsafe.Add(g, mt.keyOff(s))
			if mt.Flags&(1<<2) != 0 {
				k = *(*unsafe.Pointer)(k)
			}
			if bits, ok := nanBitsAt(k); ok {
				dumpPut(bits, t, gi, uint64(s), c)
				if bits == want {
					opTable, found = t, true
				}
			}
		}
	}
	tables := func(each func(t uint64, th *tableHeader)) {
		var prev unsafe.Pointer
		t := uint64(0)
		for i := 0; i < h.dirLen; i++ {
			tp := *(*unsafe.Pointer)(unsafe.Add(h.dirPtr, uintptr(i)*unsafe.Sizeof(prev)))
			if tp == prev {
				continue
			}
			prev = tp
			t++
			each(t, (*tableHeader)(tp))
		}
	}
	dumpOpen(r, secNaNs)
	if h.dirLen == 0 {
		if h.dirPtr != nil {
			group(h.dirPtr, 0, 0)
		}
	} else {
		tables(func(t uint64, th *tableHeader) {
			for gi := uint64(0); gi <= th.lengthMask; gi++ {
				group(unsafe.Add(th.groupsData, uintptr(gi)*mt.GroupSize), t, gi)
			}
		})
	}
	dumpClose(r, secNaNs)
	dumpOpen(r, secTables)
	tables(func(t uint64, th *tableHeader) {
		dumpPut(uint64(th.index), uint64(th.capacity), uint64(th.localDepth))
	})
	dumpClose(r, secTables)
	if !found || opTable == 0 {
		return
	}
	dumpOpen(r, secFree)
	tables(func(t uint64, th *tableHeader) {
		if t != opTable {
			return
		}
		for gi := uint64(0); gi <= th.lengthMask; gi++ {
			ctrl := *(*uint64)(unsafe.Add(th.groupsData, uintptr(gi)*mt.GroupSize))
			if ctrl&0x8080808080808080 != 0 {
				dumpPut(gi)
			}
		}
	})
	dumpClose(r, secFree)
}
