package main

// The generic op loop: one instantiation per (key, elem) type pair.

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"unsafe"
)

// sink makes the map escape, so make() always builds it on the heap through
// runtime.makemap/makemap_small (a non-escaping map could get a stack hmap and
// a stack bucket, which would change what the first ops do).
var sink any

type lineError struct {
	line int // 1-based line number
	err  error
}

func (e *lineError) Error() string {
	return fmt.Sprintf("line %d (i=%d): %v", e.line, e.line-1, e.err)
}

type harness[K comparable, V any, KS, VS any] struct {
	kc        codec[K]
	vc        codec[V]
	fullEvery int
	check     bool // -check-touched: verify the touched-chain sets against full snapshots

	m     map[K]V
	h     *hmap
	mt    *mapType
	made  bool
	iters map[int64]*reflect.MapIter

	indirectKey  bool
	indirectElem bool
	bsize        uintptr

	key  K // scratch for the hasher (avoids an allocation per op)
	buf  []byte
	newI []uintptr
	oldI []uintptr
}

func run[K comparable, V any, KS, VS any](kc codec[K], vc codec[V], in io.Reader, out io.Writer, opt options) error {
	hs := &harness[K, V, KS, VS]{kc: kc, vc: vc, fullEvery: opt.fullEvery, check: opt.checkTouched,
		iters: map[int64]*reflect.MapIter{}}
	w := bufio.NewWriterSize(out, 1<<20)
	defer w.Flush()
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 0, 1<<16), 1<<28)
	i := 0
	for sc.Scan() {
		hs.buf = hs.buf[:0]
		if err := hs.step(i, sc.Bytes()); err != nil {
			return &lineError{i + 1, err}
		}
		if _, err := w.Write(hs.buf); err != nil {
			return err
		}
		i++
	}
	if err := sc.Err(); err != nil {
		return &lineError{i + 1, err}
	}
	if i == 0 {
		return &lineError{1, fmt.Errorf("empty script: the first line must be [\"make\", hint]")}
	}
	return nil
}

func wantArgs(parts []json.RawMessage, n int, form string) error {
	if len(parts) != n {
		return fmt.Errorf("want %s", form)
	}
	return nil
}

func (hs *harness[K, V, KS, VS]) step(i int, line []byte) error {
	var parts []json.RawMessage
	if err := json.Unmarshal(line, &parts); err != nil {
		return fmt.Errorf("not a JSON array: %v", err)
	}
	if len(parts) == 0 {
		return fmt.Errorf("empty op")
	}
	var op string
	if err := json.Unmarshal(parts[0], &op); err != nil {
		return fmt.Errorf("op name must be a JSON string, got %s", parts[0])
	}
	if op == "make" {
		if hs.made {
			return fmt.Errorf("make may only be the first line")
		}
		if err := wantArgs(parts, 2, `["make", hint]`); err != nil {
			return err
		}
		hint, err := strconv.Atoi(string(parts[1]))
		if err != nil || hint < 0 {
			return fmt.Errorf("hint must be a non-negative integer, got %s", parts[1])
		}
		return hs.doMake(i, hint)
	}
	if !hs.made {
		return fmt.Errorf("the first line must be [\"make\", hint]")
	}

	before := *hs.h
	var k K
	var v V
	var err error
	hashKnown := false
	var hash uintptr
	switch op {
	case "set":
		if err = wantArgs(parts, 3, `["set", key, elem]`); err != nil {
			return err
		}
		if k, err = hs.kc.parse(parts[1]); err != nil {
			return fmt.Errorf("key: %v", err)
		}
		if v, err = hs.vc.parse(parts[2]); err != nil {
			return fmt.Errorf("elem: %v", err)
		}
	case "get", "del":
		if err = wantArgs(parts, 2, `["`+op+`", key]`); err != nil {
			return err
		}
		if k, err = hs.kc.parse(parts[1]); err != nil {
			return fmt.Errorf("key: %v", err)
		}
	case "iter", "next", "stop":
		if err = wantArgs(parts, 2, `["`+op+`", id]`); err != nil {
			return err
		}
		id, err := strconv.ParseInt(string(parts[1]), 10, 64)
		if err != nil {
			return fmt.Errorf("iterator id must be an integer, got %s", parts[1])
		}
		return hs.doIter(i, op, id, &before)
	case "clear", "dump", "clone":
		if err = wantArgs(parts, 1, `["`+op+`"]`); err != nil {
			return err
		}
	default:
		return fmt.Errorf("unknown op %q", op)
	}

	keyed := op == "set" || op == "get" || op == "del"
	if keyed && k == k { // k != k only for NaN float64 keys, whose hash is random
		hashKnown = true
		hs.key = k
		hash = hs.mt.hasher(unsafe.Pointer(&hs.key), uintptr(before.hash0))
	}
	writes := op == "set" || op == "del"
	hs.newI, hs.oldI = hs.newI[:0], hs.oldI[:0]
	if writes && hashKnown {
		hs.touched(&before, hash, true)
	}

	var snap map[chainID]string
	if hs.check {
		snap = hs.snapshot()
	}

	var found bool
	switch op {
	case "set":
		hs.m[k] = v
	case "get":
		v, found = hs.m[k]
	case "del":
		delete(hs.m, k)
	case "clear":
		clear(hs.m)
	case "clone":
		// m = maps.Clone(m): the old map is dropped (open iterators keep walking it).
		hs.m = maps.Clone(hs.m)
		sink = hs.m
		hs.h = *(**hmap)(unsafe.Pointer(&hs.m))
	}
	after := hs.h

	full := op == "clear" || op == "dump" || op == "clone" || (writes && !hashKnown) || hs.fullDue(i) ||
		before.B != after.B || before.buckets != after.buckets || before.oldbuckets != after.oldbuckets
	if !full && writes {
		hs.touched(after, hash, false)
	}

	b := hs.begin(i, op)
	if keyed {
		b = append(b, `,"hash":`...)
		if hashKnown {
			b = strconv.AppendUint(b, uint64(hash), 10)
		} else {
			b = append(b, "null"...)
		}
	}
	if op == "get" {
		b = strconv.AppendBool(append(b, `,"found":`...), found)
		b = append(b, `,"elem":`...)
		if found {
			b = hs.vc.write(b, &v)
		} else {
			b = append(b, "null"...)
		}
	}
	hs.buf = b
	switch {
	case full:
		hs.dumpFull()
	case writes:
		hs.dumpTouched()
	}
	hs.buf = append(hs.buf, "}\n"...)
	if hs.check && !full {
		return hs.verifyTouched(snap, writes)
	}
	return nil
}

func (hs *harness[K, V, KS, VS]) fullDue(i int) bool {
	return hs.fullEvery > 0 && i%hs.fullEvery == 0
}

func (hs *harness[K, V, KS, VS]) doMake(i int, hint int) error {
	if hint == 0 {
		hs.m = make(map[K]V) // runtime.makemap_small
	} else {
		hs.m = make(map[K]V, hint) // variable hint: runtime.makemap
	}
	sink = hs.m
	hs.made = true
	hs.h = *(**hmap)(unsafe.Pointer(&hs.m))
	hs.mt = mapTypeOf(hs.m)
	if err := checkMapType[K, V, KS, VS](hs.mt); err != nil {
		return fmt.Errorf("map layout check failed: %v", err)
	}
	hs.indirectKey = hs.mt.flags&mtIndirectKey != 0
	hs.indirectElem = hs.mt.flags&mtIndirectElem != 0
	hs.bsize = uintptr(hs.mt.bucketSize)
	hs.buf = hs.begin(i, "make")
	hs.dumpFull()
	hs.buf = append(hs.buf, "}\n"...)
	return nil
}

func (hs *harness[K, V, KS, VS]) doIter(i int, op string, id int64, before *hmap) error {
	var snap map[chainID]string
	if hs.check {
		snap = hs.snapshot()
	}
	it := hs.iters[id]
	if op == "stop" {
		delete(hs.iters, id)
	} else if op == "iter" {
		it = reflect.ValueOf(hs.m).MapRange()
		hs.iters[id] = it
		it.Next() // reflect's first Next is runtime.mapiterinit (which calls mapiternext)
		mi := (*mapIter)(unsafe.Pointer(it))
		if mi.hiter.t != unsafe.Pointer(hs.mt) || (mi.hiter.h != nil && mi.hiter.h != unsafe.Pointer(hs.h)) {
			return fmt.Errorf("reflect.MapIter layout check failed: hiter.t/hiter.h do not point at the map")
		}
	} else {
		if it == nil {
			return fmt.Errorf("no iterator %d", id)
		}
		if (*mapIter)(unsafe.Pointer(it)).hiter.key != nil {
			it.Next() // runtime.mapiternext
		} // else: exhausted; reflect would panic, a range loop would not call again
	}
	b := hs.begin(i, op)
	if op != "stop" {
		hi := &(*mapIter)(unsafe.Pointer(it)).hiter
		if hi.key == nil {
			b = append(b, `,"end":true`...)
		} else {
			b = hs.kc.write(append(b, `,"key":`...), (*K)(hi.key))
			b = hs.vc.write(append(b, `,"elem":`...), (*V)(hi.elem))
		}
		if op == "iter" {
			if hi.h == nil {
				b = append(b, `,"start_bucket":null,"offset":null`...)
			} else {
				b = strconv.AppendUint(append(b, `,"start_bucket":`...), uint64(hi.startBucket), 10)
				b = strconv.AppendUint(append(b, `,"offset":`...), uint64(hi.offset), 10)
			}
		}
		if hi.h == nil {
			b = append(b, `,"it":null`...)
		} else {
			b = strconv.AppendUint(append(b, `,"it":{"B":`...), uint64(hi.B), 10)
			b = strconv.AppendUint(append(b, `,"bucket":`...), uint64(hi.bucket), 10)
			b = strconv.AppendUint(append(b, `,"i":`...), uint64(hi.i), 10)
			b = strconv.AppendBool(append(b, `,"wrapped":`...), hi.wrapped)
			b = append(b, `,"check_bucket":`...)
			if hi.checkBucket == noCheck {
				b = append(b, "null"...)
			} else {
				b = strconv.AppendUint(b, uint64(hi.checkBucket), 10)
			}
			b = append(b, '}')
		}
	}
	hs.buf = b
	after := hs.h
	if hs.check && !(before.B != after.B || before.buckets != after.buckets || before.oldbuckets != after.oldbuckets) {
		if err := hs.verifyTouched(snap, false); err != nil {
			return err
		}
	}
	if hs.fullDue(i) || before.B != after.B || before.buckets != after.buckets || before.oldbuckets != after.oldbuckets {
		hs.dumpFull() // cannot happen by iteration alone except when a full dump is due
	}
	hs.buf = append(hs.buf, "}\n"...)
	return nil
}

// begin starts a record: {"i":..,"op":..,"h":{counters}
func (hs *harness[K, V, KS, VS]) begin(i int, op string) []byte {
	h := hs.h
	b := hs.buf
	b = strconv.AppendInt(append(b, `{"i":`...), int64(i), 10)
	b = append(append(append(b, `,"op":"`...), op...), '"')
	b = strconv.AppendInt(append(b, `,"h":{"count":`...), int64(h.count), 10)
	b = strconv.AppendUint(append(b, `,"flags":`...), uint64(h.flags), 10)
	b = strconv.AppendUint(append(b, `,"B":`...), uint64(h.B), 10)
	b = strconv.AppendUint(append(b, `,"noverflow":`...), uint64(h.noverflow), 10)
	b = strconv.AppendUint(append(b, `,"hash0":`...), uint64(h.hash0), 10)
	b = strconv.AppendUint(append(b, `,"nevacuate":`...), uint64(h.nevacuate), 10)
	b = strconv.AppendBool(append(b, `,"growing":`...), h.oldbuckets != nil)
	if hasClearSeq {
		b = strconv.AppendUint(append(b, `,"clear_seq":`...), h.clearSeqOf(), 10)
	}
	return append(b, '}')
}

// noldbuckets is runtime.(*hmap).noldbuckets for a snapshot.
func noldbuckets(h *hmap) uintptr {
	oldB := h.B
	if h.flags&flagSameSizeGrow == 0 {
		oldB--
	}
	return uintptr(1) << oldB
}

func (hs *harness[K, V, KS, VS]) oldEvacuated(h *hmap, o uintptr) bool {
	top := (*[bucketCnt]uint8)(unsafe.Add(h.oldbuckets, o*hs.bsize))[0]
	return top > 1 && top < minTopHash // runtime.evacuated
}

// touched adds the bucket chains a write of a key with this hash may change,
// computed from snapshot h (taken before or after the op).
func (hs *harness[K, V, KS, VS]) touched(h *hmap, hash uintptr, isBefore bool) {
	hs.newI = append(hs.newI, hash&(uintptr(1)<<h.B-1))
	if h.oldbuckets == nil {
		return
	}
	nold := noldbuckets(h)
	o1 := hash & (nold - 1)
	hs.addOld(h, o1)
	hs.addOld(h, h.nevacuate)
	if isBefore && o1 == h.nevacuate {
		// growWork: evacuate(o1) advances nevacuate past o1 and past every
		// already-evacuated old bucket (at most 1024 of them, as
		// advanceEvacuationMark does), then evacuate(h.nevacuate) moves that
		// bucket: an old bucket neither o1 nor the nevacuate before the op.
		n := h.nevacuate + 1
		stop := min(n+1024, nold)
		for n != stop && hs.oldEvacuated(h, n) {
			n++
		}
		if n < nold {
			hs.addOld(h, n)
		}
	}
}

// addOld adds old bucket o and the new buckets it evacuates into.
func (hs *harness[K, V, KS, VS]) addOld(h *hmap, o uintptr) {
	hs.oldI = append(hs.oldI, o)
	hs.newI = append(hs.newI, o)
	if h.flags&flagSameSizeGrow == 0 {
		hs.newI = append(hs.newI, o+noldbuckets(h))
	}
}

func (hs *harness[K, V, KS, VS]) dumpTouched() {
	slices.Sort(hs.newI)
	slices.Sort(hs.oldI)
	hs.newI = slices.Compact(hs.newI)
	hs.oldI = slices.Compact(hs.oldI)
	h := hs.h
	hs.buf = append(hs.buf, `,"chains":[`...)
	first := true
	for _, x := range hs.newI {
		hs.chain(&first, "new", h.buckets, x)
	}
	if h.oldbuckets != nil {
		for _, x := range hs.oldI {
			hs.chain(&first, "old", h.oldbuckets, x)
		}
	}
	hs.buf = append(hs.buf, ']')
}

func (hs *harness[K, V, KS, VS]) dumpFull() {
	h := hs.h
	hs.buf = append(hs.buf, `,"full":true`...)
	if h.buckets == nil {
		hs.buf = append(hs.buf, `,"buckets":null,"chains":[]`...)
		return
	}
	hs.buf = append(hs.buf, `,"chains":[`...)
	first := true
	for x := uintptr(0); x < uintptr(1)<<h.B; x++ {
		hs.chain(&first, "new", h.buckets, x)
	}
	if h.oldbuckets != nil {
		for x := uintptr(0); x < noldbuckets(h); x++ {
			hs.chain(&first, "old", h.oldbuckets, x)
		}
	}
	hs.buf = append(hs.buf, ']')
}

const maxChain = 1 << 20

func (hs *harness[K, V, KS, VS]) chain(first *bool, arr string, base unsafe.Pointer, x uintptr) {
	b := hs.buf
	if !*first {
		b = append(b, ',')
	}
	*first = false
	b = append(append(append(b, `{"arr":"`...), arr...), `","b":`...)
	b = strconv.AppendUint(b, uint64(x), 10)
	b = append(b, `,"chain":[`...)
	p := unsafe.Add(base, x*hs.bsize)
	for n := 0; p != nil; n++ {
		if n == maxChain {
			panic(fmt.Sprintf("%s bucket %d: overflow chain longer than %d (cycle?)", arr, x, maxChain))
		}
		bk := (*bucket[KS, VS])(p)
		if n > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"tophash":[`...)
		for j, t := range bk.tophash {
			if j > 0 {
				b = append(b, ',')
			}
			b = strconv.AppendUint(b, uint64(t), 10)
		}
		b = append(b, `],"keys":[`...)
		for j := 0; j < bucketCnt; j++ {
			if j > 0 {
				b = append(b, ',')
			}
			if bk.tophash[j] < minTopHash {
				b = append(b, "null"...)
				continue
			}
			kp := unsafe.Pointer(&bk.keys[j])
			if hs.indirectKey {
				kp = *(*unsafe.Pointer)(kp)
			}
			b = hs.kc.write(b, (*K)(kp))
		}
		b = append(b, `],"elems":[`...)
		for j := 0; j < bucketCnt; j++ {
			if j > 0 {
				b = append(b, ',')
			}
			if bk.tophash[j] < minTopHash {
				b = append(b, "null"...)
				continue
			}
			ep := unsafe.Pointer(&bk.elems[j])
			if hs.indirectElem {
				ep = *(*unsafe.Pointer)(ep)
			}
			b = hs.vc.write(b, (*V)(ep))
		}
		b = append(b, "]}"...)
		p = bk.overflow
	}
	hs.buf = append(b, "]}"...)
}

// chainID names one bucket chain: arr is 'n' (buckets) or 'o' (oldbuckets).
type chainID struct {
	arr byte
	b   uintptr
}

// snapshot renders every chain of both arrays (only used with -check-touched).
func (hs *harness[K, V, KS, VS]) snapshot() map[chainID]string {
	h := hs.h
	snap := map[chainID]string{}
	saved := hs.buf
	one := func(arr byte, base unsafe.Pointer, x uintptr) {
		hs.buf = nil
		first := true
		hs.chain(&first, "", base, x)
		snap[chainID{arr, x}] = string(hs.buf)
	}
	if h.buckets != nil {
		for x := uintptr(0); x < uintptr(1)<<h.B; x++ {
			one('n', h.buckets, x)
		}
	}
	if h.oldbuckets != nil {
		for x := uintptr(0); x < noldbuckets(h); x++ {
			one('o', h.oldbuckets, x)
		}
	}
	hs.buf = saved
	return snap
}

// verifyTouched checks that every chain that changed during a non-full op was
// emitted (writes) or that nothing changed (reads).
func (hs *harness[K, V, KS, VS]) verifyTouched(before map[chainID]string, writes bool) error {
	after := hs.snapshot()
	emitted := map[chainID]bool{}
	if writes {
		for _, x := range hs.newI {
			emitted[chainID{'n', x}] = true
		}
		for _, x := range hs.oldI {
			emitted[chainID{'o', x}] = true
		}
	}
	for id, s := range after {
		if before[id] != s && !emitted[id] {
			return fmt.Errorf("check-touched: %c bucket %d changed but was not emitted", id.arr, id.b)
		}
	}
	for id := range before {
		if _, ok := after[id]; !ok && !emitted[id] {
			return fmt.Errorf("check-touched: %c bucket %d vanished but was not emitted", id.arr, id.b)
		}
	}
	return nil
}
