package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"strconv"
	"unsafe"
)

type iterEntry struct {
	id  string // the ID's JSON text
	mi  *reflect.MapIter
	hit *iterLayout
}

type tabVals struct {
	used, capacity, growthLeft uint16
	localDepth                 uint8
	index                      int
}

func valsOf(t *tableHeader) tabVals {
	return tabVals{t.used, t.capacity, t.growthLeft, t.localDepth, t.index}
}

type state[K comparable, V any] struct {
	kc  keyCodec[K]
	ec  elemCodec[V]
	opt options
	out *bufio.Writer
	b   []byte

	m    map[K]V
	made bool
	mt   *mapType
	// Open iterators. A slice, not a Go map: the harness itself must not use
	// maps between ops (a map's seed and clear/emptying draw runtime rand()).
	iters []*iterEntry

	// The map as of the last record: which tables it had (numbered in order of
	// first appearance in the directory) and a digest of every group's content.
	hdr         *mapHeader
	small       unsafe.Pointer // the small group, or nil
	dirPtr      unsafe.Pointer
	dirLen      int
	tabs        []*tableHeader
	dirNums     []int
	digests     [][]uint64
	smallDigest uint64
	vals        []tabVals // table headers as of the last record
}

func newState[K comparable, V any](kc keyCodec[K], ec elemCodec[V], opt options, out *bufio.Writer) *state[K, V] {
	return &state[K, V]{kc: kc, ec: ec, opt: opt, out: out}
}

// opName extracts a simple JSON string without allocating.
func opName(raw []byte) string {
	if len(raw) >= 2 && raw[0] == '"' && raw[len(raw)-1] == '"' && bytes.IndexByte(raw, '\\') < 0 {
		return string(raw[1 : len(raw)-1])
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return "?" + string(raw)
	}
	return s
}

func nargs(op []json.RawMessage, n int) error {
	if len(op) != n+1 {
		return fmt.Errorf("%s takes %d argument(s), got %d", opName(op[0]), n, len(op)-1)
	}
	return nil
}

func (s *state[K, V]) step(i int, line []byte) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	var op []json.RawMessage
	if err := json.Unmarshal(line, &op); err != nil || len(op) == 0 {
		return fmt.Errorf("want a non-empty JSON array, got %q", line)
	}
	name := opName(op[0])
	if name != "make" && !s.made {
		return errors.New(`the script must start with ["make", hint]`)
	}

	b := s.b[:0]
	b = append(b, `{"i":`...)
	b = strconv.AppendInt(b, int64(i), 10)
	b = append(b, `,"op":`...)
	b = appendJSONString(b, name)

	full := s.opt.fullEvery > 0 && i%s.opt.fullEvery == 0
	var key K
	var hash uintptr
	keyOp, nan, cloned := false, false, false
	var preTab *tableHeader // the key's table before a set
	var preGrowthLeft uint16

	switch name {
	case "make":
		if err := nargs(op, 1); err != nil {
			return err
		}
		hint, err := parseInt(op[1], 64)
		if err != nil {
			return err
		}
		s.makeMap(int(hint))
		full = true

	case "set", "get", "del":
		n := 1
		if name == "set" {
			n = 2
		}
		if err := nargs(op, n); err != nil {
			return err
		}
		if key, err = s.kc.parse(op[1]); err != nil {
			return err
		}
		keyOp = true
		h := headerOf(s.m)
		nan = s.kc.isNaN(unsafe.Pointer(&key))
		b = append(b, `,"hash":`...)
		if nan {
			// f64hash draws rand() for NaN; calling it would perturb the
			// runtime's random stream, and the value is random anyway.
			b = append(b, "null"...)
		} else {
			hash = s.mt.Hasher(unsafe.Pointer(&key), h.seed)
			b = strconv.AppendUint(b, uint64(hash), 10)
			if name == "set" && h.dirLen > 0 {
				preTab = h.directoryAt(h.directoryIndex(hash))
				preGrowthLeft = preTab.growthLeft
			}
		}
		switch name {
		case "set":
			elem, err := s.ec.parse(op[2])
			if err != nil {
				return err
			}
			s.m[key] = elem
			full = full || nan
		case "get":
			v, ok := s.m[key]
			if ok {
				b = append(b, `,"found":true,"elem":`...)
				b = s.ec.append(b, unsafe.Pointer(&v))
			} else {
				b = append(b, `,"found":false,"elem":null`...)
			}
		case "del":
			delete(s.m, key)
			full = full || nan
		}

	case "clear":
		if err := nargs(op, 0); err != nil {
			return err
		}
		clear(s.m)
		full = true

	case "dump":
		if err := nargs(op, 0); err != nil {
			return err
		}
		full = true

	case "clone":
		// m = maps.Clone(m): the old map is dropped (open iterators keep walking it).
		if err := nargs(op, 0); err != nil {
			return err
		}
		s.m = maps.Clone(s.m)
		full, cloned = true, true

	case "iter", "next", "stop":
		if err := nargs(op, 1); err != nil {
			return err
		}
		id := string(op[1])
		b = append(b, `,"id":`...)
		b = append(b, op[1]...)
		switch name {
		case "iter":
			mi := reflect.ValueOf(s.m).MapRange()
			it := &iterEntry{id: id, mi: mi, hit: (*iterLayout)(unsafe.Add(unsafe.Pointer(mi), hiterOffset))}
			mi.Next() // Iter.Init (draws entryOffset, dirOffset if the map is non-empty) + Iter.Next
			if it.hit.typ != s.mt || (it.hit.m != nil && it.hit.m != headerOf(s.m)) || (it.hit.m == nil && len(s.m) != 0) {
				return errors.New("layout check failed: the maps.Iter inside reflect.MapIter does not look as copied")
			}
			if j := s.findIter(id); j >= 0 {
				s.iters[j] = it
			} else {
				s.iters = append(s.iters, it)
			}
			b = s.appendIter(b, it)
		case "next":
			j := s.findIter(id)
			if j < 0 {
				return fmt.Errorf("no iterator %s", id)
			}
			it := s.iters[j]
			if it.hit.key != nil {
				it.mi.Next()
			} // else: exhausted; reflect would panic, the runtime is not called
			b = s.appendIter(b, it)
		case "stop":
			j := s.findIter(id)
			if j < 0 {
				return fmt.Errorf("no iterator %s", id)
			}
			s.iters = append(s.iters[:j], s.iters[j+1:]...)
		}

	default:
		return fmt.Errorf("unknown op %s", op[0])
	}

	changed, err := s.refresh()
	if err != nil {
		return err
	}
	full = full || changed

	b = s.appendHeader(b, full)
	if full {
		b = append(b, `,"full":true,"groups":[`...)
		b = s.appendAllGroups(b)
		if cloned {
			b = append(b, `],"hashes":[`...)
			b = s.appendAllHashes(b)
		}
	} else {
		b = append(b, `,"groups":[`...)
		if keyOp && name != "get" {
			b = s.appendChangedGroups(b, hash, name == "set" && (preTab == nil || preGrowthLeft == 0))
		}
	}
	b = append(b, "]}\n"...)
	s.b = b
	if _, err := s.out.Write(b); err != nil {
		return err
	}
	if s.opt.paranoid {
		if err := s.verify(); err != nil {
			return &lineError{line: i + 1, err: err, paranoid: true}
		}
	}
	return nil
}

func (s *state[K, V]) findIter(id string) int {
	for j, it := range s.iters {
		if it.id == id {
			return j
		}
	}
	return -1
}

func (s *state[K, V]) makeMap(hint int) {
	if hint == 0 {
		s.m = make(map[K]V) // runtime.makemap_small -> maps.NewEmptyMap
	} else {
		s.m = make(map[K]V, hint) // runtime.makemap -> maps.NewMap
	}
	s.made = true
	s.mt = mapTypeOf(s.m)
	s.iters = s.iters[:0]
	s.hdr = nil // forces a new view
}

func (s *state[K, V]) appendIter(b []byte, it *iterEntry) []byte {
	h := it.hit
	if h.key == nil {
		b = append(b, `,"end":true`...)
	} else {
		b = append(b, `,"key":`...)
		b = s.kc.append(b, h.key)
		b = append(b, `,"elem":`...)
		b = s.ec.append(b, h.elem)
	}
	b = append(b, `,"has_map":`...)
	b = strconv.AppendBool(b, h.m != nil)
	b = append(b, `,"entryOffset":`...)
	b = strconv.AppendUint(b, h.entryOffset, 10)
	b = append(b, `,"dirOffset":`...)
	b = strconv.AppendUint(b, h.dirOffset, 10)
	b = append(b, `,"clearSeq":`...)
	b = strconv.AppendUint(b, h.clearSeq, 10)
	b = append(b, `,"globalDepth":`...)
	b = strconv.AppendUint(b, uint64(h.globalDepth), 10)
	b = append(b, `,"dirIdx":`...)
	b = strconv.AppendInt(b, int64(h.dirIdx), 10)
	b = append(b, `,"entryIdx":`...)
	b = strconv.AppendUint(b, h.entryIdx, 10)
	b = append(b, `,"tab":`...)
	switch {
	case h.tab == nil:
		b = append(b, "null"...)
	default:
		n := -1
		if h.m == headerOf(s.m) {
			// it.tab as of the previous Next; number it in the current directory.
			hm := h.m
			if hm.dirLen > 0 {
				prev := (*tableHeader)(nil)
				k := -1
				for i := 0; i < hm.dirLen; i++ {
					t := hm.directoryAt(i)
					if t != prev {
						k++
						prev = t
						if t == h.tab {
							n = k
							break
						}
					}
				}
			}
		}
		b = strconv.AppendInt(b, int64(n), 10)
	}
	return b
}

// refresh reads the directory and reports whether the set of tables (or the
// small group) differs from the last record's.
func (s *state[K, V]) refresh() (bool, error) {
	h := headerOf(s.m)
	var small unsafe.Pointer
	if h.dirLen == 0 {
		small = h.dirPtr
	}
	same := h == s.hdr && h.dirLen == s.dirLen && h.dirPtr == s.dirPtr && small == s.small
	if same && h.dirLen > 0 {
		k := -1
		var prev *tableHeader
		for i := 0; i < h.dirLen; i++ {
			t := h.directoryAt(i)
			if t != prev {
				k++
				prev = t
				if k >= len(s.tabs) || s.tabs[k] != t {
					same = false
					break
				}
			}
		}
		if same && k != len(s.tabs)-1 {
			same = false
		}
	}
	if same {
		return false, nil
	}

	s.hdr, s.small, s.dirPtr, s.dirLen = h, small, h.dirPtr, h.dirLen
	s.tabs = s.tabs[:0]
	s.dirNums = s.dirNums[:0]
	var prev *tableHeader
	for i := 0; i < h.dirLen; i++ {
		t := h.directoryAt(i)
		if t != prev {
			s.tabs = append(s.tabs, t)
			prev = t
		}
		s.dirNums = append(s.dirNums, len(s.tabs)-1)
	}
	s.vals = s.vals[:0]
	for _, t := range s.tabs {
		s.vals = append(s.vals, valsOf(t))
	}
	// Check the copied table layout against what the directory says.
	if h.dirLen > 0 {
		if h.dirLen != 1<<h.globalDepth || int(h.globalShift) != 64-int(h.globalDepth) {
			return false, fmt.Errorf("layout check failed: dirLen %d, globalDepth %d, globalShift %d", h.dirLen, h.globalDepth, h.globalShift)
		}
		var used uint64
		pos := 0
		for _, t := range s.tabs {
			span := 1 << (h.globalDepth - t.localDepth)
			if t.localDepth > h.globalDepth || t.index != pos || uint64(t.capacity) != (t.lengthMask+1)*groupSlots {
				return false, fmt.Errorf("layout check failed: table at directory %d: index %d, localDepth %d, capacity %d, lengthMask %d",
					pos, t.index, t.localDepth, t.capacity, t.lengthMask)
			}
			for j := pos; j < pos+span; j++ {
				if j >= h.dirLen || h.directoryAt(j) != t {
					return false, fmt.Errorf("layout check failed: table %d does not span directory [%d, %d)", t.index, pos, pos+span)
				}
			}
			pos += span
			used += uint64(t.used)
		}
		if used != h.used {
			return false, fmt.Errorf("layout check failed: tables hold %d entries, map header says %d", used, h.used)
		}
	}
	return true, nil
}

func (s *state[K, V]) appendHeader(b []byte, full bool) []byte {
	h := headerOf(s.m)
	b = append(b, `,"m":{"used":`...)
	b = strconv.AppendUint(b, h.used, 10)
	b = append(b, `,"seed":`...)
	b = strconv.AppendUint(b, uint64(h.seed), 10)
	b = append(b, `,"global_depth":`...)
	b = strconv.AppendUint(b, uint64(h.globalDepth), 10)
	b = append(b, `,"global_shift":`...)
	b = strconv.AppendUint(b, uint64(h.globalShift), 10)
	b = append(b, `,"dir_len":`...)
	b = strconv.AppendInt(b, int64(h.dirLen), 10)
	b = append(b, `,"clear_seq":`...)
	b = strconv.AppendUint(b, h.clearSeq, 10)
	b = append(b, `,"tombstone_possible":`...)
	b = strconv.AppendBool(b, h.tombstonePossible)
	b = append(b, `,"writing":`...)
	b = strconv.AppendUint(b, uint64(h.writing), 10)
	b = append(b, `,"small":`...)
	b = strconv.AppendBool(b, h.dirLen == 0 && h.dirPtr != nil)
	if full || h.dirLen <= s.opt.dirLimit {
		b = append(b, `,"dir":[`...)
		for i, n := range s.dirNums {
			if i > 0 {
				b = append(b, ',')
			}
			b = strconv.AppendInt(b, int64(n), 10)
		}
		b = append(b, `],"tables":[`...)
		for n, t := range s.tabs {
			if n > 0 {
				b = append(b, ',')
			}
			v := valsOf(t)
			s.vals[n] = v
			b = appendTabVals(b, v)
		}
		b = append(b, ']')
	} else {
		b = append(b, `,"tables_delta":{`...)
		first := true
		for n, t := range s.tabs {
			v := valsOf(t)
			if v == s.vals[n] {
				continue
			}
			s.vals[n] = v
			if !first {
				b = append(b, ',')
			}
			first = false
			b = append(b, '"')
			b = strconv.AppendInt(b, int64(n), 10)
			b = append(b, `":`...)
			b = appendTabVals(b, v)
		}
		b = append(b, '}')
	}
	return append(b, '}')
}

func appendTabVals(b []byte, v tabVals) []byte {
	b = append(b, `{"used":`...)
	b = strconv.AppendUint(b, uint64(v.used), 10)
	b = append(b, `,"capacity":`...)
	b = strconv.AppendUint(b, uint64(v.capacity), 10)
	b = append(b, `,"growth_left":`...)
	b = strconv.AppendUint(b, uint64(v.growthLeft), 10)
	b = append(b, `,"local_depth":`...)
	b = strconv.AppendUint(b, uint64(v.localDepth), 10)
	b = append(b, `,"index":`...)
	b = strconv.AppendInt(b, int64(v.index), 10)
	return append(b, '}')
}

// groupDigest summarises what a record shows of a group: its control word and
// the keys and elems of its full slots.
func (s *state[K, V]) groupDigest(g unsafe.Pointer) uint64 {
	w := ctrlWord(g)
	d := mix64(w)
	for i := 0; i < groupSlots; i++ {
		if ctrlAt(g, i)&ctrlEmpty != 0 {
			continue
		}
		d = mix64(d ^ s.kc.digest(keyPtr(s.mt, g, i)))
		d = mix64(d ^ s.ec.digest(elemPtr(s.mt, g, i)))
	}
	return d
}

func (s *state[K, V]) appendGroup(b []byte, t int, gi uint64, g unsafe.Pointer) []byte {
	if b[len(b)-1] != '[' {
		b = append(b, ',')
	}
	b = append(b, `{"t":`...)
	b = strconv.AppendInt(b, int64(t), 10)
	b = append(b, `,"g":`...)
	b = strconv.AppendUint(b, gi, 10)
	b = append(b, `,"ctrl":[`...)
	for i := 0; i < groupSlots; i++ {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendUint(b, uint64(ctrlAt(g, i)), 10)
	}
	b = append(b, `],"keys":[`...)
	for i := 0; i < groupSlots; i++ {
		if i > 0 {
			b = append(b, ',')
		}
		if ctrlAt(g, i)&ctrlEmpty != 0 {
			b = append(b, "null"...)
		} else {
			b = s.kc.append(b, keyPtr(s.mt, g, i))
		}
	}
	b = append(b, `],"elems":[`...)
	for i := 0; i < groupSlots; i++ {
		if i > 0 {
			b = append(b, ',')
		}
		if ctrlAt(g, i)&ctrlEmpty != 0 {
			b = append(b, "null"...)
		} else {
			b = s.ec.append(b, elemPtr(s.mt, g, i))
		}
	}
	return append(b, "]}"...)
}

// appendAllHashes writes the hash of the key in every full slot, in the order of
// appendAllGroups (null for a NaN: f64hash would draw rand()). Go 1.24's
// mapclone2 gives the clone a new seed, so the driver learns these hashes here.
func (s *state[K, V]) appendAllHashes(b []byte) []byte {
	seed := headerOf(s.m).seed
	first := true
	group := func(g unsafe.Pointer) {
		for i := 0; i < groupSlots; i++ {
			if ctrlAt(g, i)&ctrlEmpty != 0 {
				continue
			}
			if !first {
				b = append(b, ',')
			}
			first = false
			k := keyPtr(s.mt, g, i)
			if s.kc.isNaN(k) {
				b = append(b, "null"...)
			} else {
				b = strconv.AppendUint(b, uint64(s.mt.Hasher(k, seed)), 10)
			}
		}
	}
	if s.small != nil {
		group(s.small)
	}
	for _, t := range s.tabs {
		for gi := uint64(0); gi <= t.lengthMask; gi++ {
			group(t.group(s.mt, gi))
		}
	}
	return b
}

// appendAllGroups writes every group of the map and resets the digests.
func (s *state[K, V]) appendAllGroups(b []byte) []byte {
	if s.small != nil {
		s.smallDigest = s.groupDigest(s.small)
		b = s.appendGroup(b, -1, 0, s.small)
	}
	for len(s.digests) < len(s.tabs) {
		s.digests = append(s.digests, nil)
	}
	s.digests = s.digests[:len(s.tabs)]
	for n, t := range s.tabs {
		ng := int(t.lengthMask + 1)
		if cap(s.digests[n]) < ng {
			s.digests[n] = make([]uint64, ng)
		}
		s.digests[n] = s.digests[n][:ng]
		for gi := uint64(0); gi <= t.lengthMask; gi++ {
			g := t.group(s.mt, gi)
			s.digests[n][gi] = s.groupDigest(g)
			b = s.appendGroup(b, n, gi, g)
		}
	}
	return b
}

// appendChangedGroups writes the groups a set or delete of a key with this
// hash may have changed whose content differs from the last record's.
//
// Only the key's table can change (the table set is unchanged, or the record
// is full). Within it, a set or delete touches one group on the key's probe
// sequence, no later than the first group that (after the op) has an empty
// slot; only pruneTombstones (run by an insert into a table with growthLeft 0)
// changes groups elsewhere, so then the whole table is scanned.
func (s *state[K, V]) appendChangedGroups(b []byte, hash uintptr, wholeTable bool) []byte {
	if s.small != nil {
		if d := s.groupDigest(s.small); d != s.smallDigest {
			s.smallDigest = d
			b = s.appendGroup(b, -1, 0, s.small)
		}
		return b
	}
	if len(s.tabs) == 0 {
		return b
	}
	n := s.dirNums[s.hdr.directoryIndex(hash)]
	t := s.tabs[n]
	dg := s.digests[n]
	if wholeTable || s.opt.scanTable {
		for gi := uint64(0); gi <= t.lengthMask; gi++ {
			g := t.group(s.mt, gi)
			if d := s.groupDigest(g); d != dg[gi] {
				dg[gi] = d
				b = s.appendGroup(b, n, gi, g)
			}
		}
		return b
	}
	mask := t.lengthMask
	off := uint64(hash>>7) & mask
	for idx := uint64(0); idx <= mask; idx++ {
		if idx > 0 {
			off = (off + idx) & mask
		}
		g := t.group(s.mt, off)
		if d := s.groupDigest(g); d != dg[off] {
			dg[off] = d
			b = s.appendGroup(b, n, off, g)
		}
		if hasEmpty(g) {
			break
		}
	}
	return b
}

// verify checks (for -paranoid) that every group matches the last emitted
// content and that the map is internally consistent.
func (s *state[K, V]) verify() error {
	h := headerOf(s.m)
	check := func(where string, g unsafe.Pointer, want uint64) (full, deleted int, err error) {
		if d := s.groupDigest(g); d != want {
			return 0, 0, fmt.Errorf("paranoid: %s changed but was not emitted", where)
		}
		for i := 0; i < groupSlots; i++ {
			c := ctrlAt(g, i)
			switch {
			case c == ctrlEmpty:
			case c == ctrlDeleted:
				deleted++
			case c&ctrlEmpty != 0:
				return 0, 0, fmt.Errorf("paranoid: %s slot %d: bad ctrl byte %#x", where, i, c)
			default:
				full++
				k := keyPtr(s.mt, g, i)
				if !s.kc.isNaN(k) {
					if hh := s.mt.Hasher(k, h.seed); uint8(hh&0x7f) != c {
						return 0, 0, fmt.Errorf("paranoid: %s slot %d: ctrl %#x but h2(hash) %#x", where, i, c, hh&0x7f)
					}
				}
			}
		}
		return full, deleted, nil
	}
	if s.small != nil {
		full, deleted, err := check("small group", s.small, s.smallDigest)
		if err != nil {
			return err
		}
		if uint64(full) != h.used || deleted != 0 {
			return fmt.Errorf("paranoid: small group has %d full, %d deleted slots; used %d", full, deleted, h.used)
		}
	}
	for n, t := range s.tabs {
		full, deleted := 0, 0
		for gi := uint64(0); gi <= t.lengthMask; gi++ {
			f, d, err := check(fmt.Sprintf("table %d group %d", n, gi), t.group(s.mt, gi), s.digests[n][gi])
			if err != nil {
				return err
			}
			full += f
			deleted += d
		}
		maxGrowth := int(t.capacity) * maxAvgGroupLoad / groupSlots
		if t.capacity <= groupSlots {
			maxGrowth = int(t.capacity) - 1
		}
		if full != int(t.used) || maxGrowth-int(t.used)-int(t.growthLeft) != deleted {
			return fmt.Errorf("paranoid: table %d: %d full, %d deleted slots; used %d, growthLeft %d, capacity %d",
				n, full, deleted, t.used, t.growthLeft, t.capacity)
		}
	}
	return nil
}
