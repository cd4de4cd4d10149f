// Shared by memclassic and memswiss (copied into each build; see shared.txt).

package main

// NaN keys. A NaN's hash is random (f64hash mixes in a rand()), so the hash the
// harness computes for the op's key is not the one the map used. Instead, after
// every op while a NaN may be in the map, the harness walks the map and reports
// where each NaN key is (nanAfter; per engine: nanwalk.go), and the model rebuilds
// a hash that puts it there, as the state oracle does. The walk allocates nothing:
// it writes into nanBuf, allocated when the script is read.

import (
	"math"
	"unsafe"
)

var (
	nanBuf      []uint64
	nanOverflow bool
	nanLive     bool // a NaN was set since the map was made or cleared
	// nanBefore / nanAfter run around each op when the script has NaN keys.
	nanBefore, nanAfter func(o *op, r *rec)
)

// isNaNKey: the op's key is any(float64) holding a NaN.
func isNaNKey(o *op) bool {
	return o.dyn == 'f' && math.IsNaN(math.Float64frombits(uint64(o.n)))
}

// allocNaNBuf sizes nanBuf for a script with NaN keys: every NaN's place after
// every op, plus the table lists and free groups of the Swiss NaN sets.
func allocNaNBuf(ops []op) {
	nans, sets := 0, 0
	for i := range ops {
		if isNaNKey(&ops[i]) {
			nans++
			if ops[i].kind == opSet {
				sets++
			}
		}
	}
	if nans == 0 {
		return
	}
	nanBuf = make([]uint64, 0, len(ops)*(5*sets+3*256)+sets*(1<<14)+1024)
}

// dumpOpen starts section sec of r; dumpClose ends it.
func dumpOpen(r *rec, sec int)  { r.dump[sec][0] = uint32(len(nanBuf)) }
func dumpClose(r *rec, sec int) { r.dump[sec][1] = uint32(len(nanBuf)) }

func dumpPut(vals ...uint64) {
	if len(nanBuf)+len(vals) > cap(nanBuf) {
		nanOverflow = true
		return
	}
	nanBuf = append(nanBuf, vals...)
}

// float64Type is the type word of an any holding a float64.
var float64Type = func() unsafe.Pointer {
	var x any = 1.5
	return (*eface)(unsafe.Pointer(&x)).typ
}()

// nanBitsAt: the IEEE bits of the any key at p if it holds a NaN float64.
func nanBitsAt(p unsafe.Pointer) (uint64, bool) {
	e := (*eface)(p)
	if e.typ != float64Type {
		return 0, false
	}
	f := *(*float64)(e.data)
	return math.Float64bits(f), math.IsNaN(f)
}

// trackNaNs keeps nanLive: set by a NaN set, reset by make and clear.
func trackNaNs(o *op) {
	switch {
	case o.kind == opMake || o.kind == opClear:
		nanLive = false
	case o.kind == opSet && isNaNKey(o):
		nanLive = true
	}
}
