// Command harness applies an op script to a real Go 1.23 sync.Map and prints,
// after every op, its results and the map's internals read with unsafe: the
// keys of read.m with each entry's state (value, nil or expunged), amended, the
// keys of dirty (with whether each entry is the same object as read.m's) and
// misses. The op loop and formats live in ../syncshared (see script.go there).
package main

import (
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
	"unsafe"
)

// syncMap mirrors sync.Map of Go 1.23 (src/sync/map.go).
type syncMap struct {
	mu     sync.Mutex
	read   atomic.Pointer[readOnly]
	dirty  map[any]*entry
	misses int
}

// readOnly mirrors sync.readOnly.
type readOnly struct {
	m       map[any]*entry
	amended bool
}

// entry mirrors sync.entry.
type entry struct {
	p atomic.Pointer[any]
}

type inspector123 struct {
	m        *syncMap
	expunged *any
}

// findExpunged learns the address of sync's unexported `expunged` sentinel by
// driving a private sync.Map into a state where one entry must be expunged:
// promote {1}, delete it, then store a new key (dirtyLocked expunges the nil entry).
func findExpunged() (*any, error) {
	var m sync.Map
	m.Store(1, 1)
	m.Load(2) // a miss: misses (1) >= len(dirty) (1) promotes dirty to read
	m.Delete(1)
	m.Store(2, 2) // dirtyLocked: entry 1 is nil, so it is expunged
	sm := (*syncMap)(unsafe.Pointer(&m))
	r := sm.read.Load()
	if r == nil || !r.amended || len(r.m) != 1 || sm.dirty == nil || len(sm.dirty) != 1 {
		return nil, fmt.Errorf("unexpected sync.Map layout or behaviour")
	}
	e := r.m[1]
	if e == nil {
		return nil, fmt.Errorf("read.m lacks key 1")
	}
	p := e.p.Load()
	if p == nil || *p != nil {
		return nil, fmt.Errorf("entry 1 is not expunged")
	}
	return p, nil
}

func newInspector(m *sync.Map) (inspector, error) {
	if unsafe.Sizeof(*m) != unsafe.Sizeof(syncMap{}) {
		return nil, fmt.Errorf("sync.Map is %d bytes, mirror %d", unsafe.Sizeof(*m), unsafe.Sizeof(syncMap{}))
	}
	x, err := findExpunged()
	if err != nil {
		return nil, err
	}
	return &inspector123{m: (*syncMap)(unsafe.Pointer(m)), expunged: x}, nil
}

func (s *inspector123) hash(any) (uint64, bool) { return 0, false }

func (s *inspector123) appendEntry(b []byte, e *entry) []byte {
	p := e.p.Load()
	switch {
	case p == nil:
		return append(b, `["nil"`...)
	case p == s.expunged:
		return append(b, `["expunged"`...)
	}
	b = append(b, `["value",`...)
	return appendValue(b, *p)
}

// sortedKeys orders keys by their JSON encoding so the output is canonical.
func sortedKeys(m map[any]*entry) ([]any, map[any][]byte) {
	keys := make([]any, 0, len(m))
	enc := make(map[any][]byte, len(m))
	for k := range m {
		keys = append(keys, k)
		enc[k] = appendKey(nil, k)
	}
	sort.Slice(keys, func(i, j int) bool { return string(enc[keys[i]]) < string(enc[keys[j]]) })
	return keys, enc
}

// summary: [misses, amended, len(read.m), len(dirty) or -1 for a nil dirty map].
func (s *inspector123) summary(b []byte) []byte {
	r := s.m.read.Load()
	n, amended := 0, false
	if r != nil {
		n, amended = len(r.m), r.amended
	}
	d := -1
	if s.m.dirty != nil {
		d = len(s.m.dirty)
	}
	return fmt.Appendf(b, "[%d,%t,%d,%d]", s.m.misses, amended, n, d)
}

// state: {"read": [[K, state], ...], "amended": bool, "dirty": null | [[K, state, shared], ...], "misses": n}
// where state is ["value", V] | ["nil"] | ["expunged"], keys sorted by their encoding.
func (s *inspector123) state(b []byte) []byte {
	r := s.m.read.Load()
	var rm map[any]*entry
	amended := false
	if r != nil {
		rm, amended = r.m, r.amended
	}
	b = append(b, `{"read":[`...)
	keys, enc := sortedKeys(rm)
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '[')
		b = append(b, enc[k]...)
		b = append(b, ',')
		b = s.appendEntry(b, rm[k])
		b = append(b, "]]"...)
	}
	b = fmt.Appendf(b, `],"amended":%t,"dirty":`, amended)
	if s.m.dirty == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		keys, enc := sortedKeys(s.m.dirty)
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			e := s.m.dirty[k]
			b = append(b, '[')
			b = append(b, enc[k]...)
			b = append(b, ',')
			b = s.appendEntry(b, e)
			b = fmt.Appendf(b, ",%t]]", rm[k] == e)
		}
		b = append(b, ']')
	}
	return fmt.Appendf(b, `,"misses":%d}`, s.m.misses)
}
