// Command harness applies an op script to a real Go 1.24+ sync.Map (built with
// Go 1.27: internal/sync.HashTrieMap[any, any]) and prints, after every op, its
// results, the runtime's hash of the op's key (ht.keyHash(&key, ht.seed): the
// map type's hasher, read with unsafe) and the trie's shape. The op loop and
// formats live in ../syncshared (see script.go there).
package main

import (
	"fmt"
	"sync"
	"sync/atomic"
	"unsafe"
)

const nChildren = 16

// mutex mirrors internal/sync.Mutex.
type mutex struct {
	state int32
	sema  uint32
}

// hashTrieMap mirrors internal/sync.HashTrieMap[any, any] (Go 1.27.3).
type hashTrieMap struct {
	inited   atomic.Uint32
	initMu   mutex
	root     atomic.Pointer[indirect]
	keyHash  func(unsafe.Pointer, uintptr) uintptr
	valEqual func(unsafe.Pointer, unsafe.Pointer) bool
	seed     uintptr
}

// node mirrors internal/sync.node: the header of an indirect or an entry.
type node struct {
	isEntry bool
}

// indirect mirrors internal/sync.indirect.
type indirect struct {
	node
	dead     atomic.Bool
	mu       mutex
	parent   *indirect
	children [nChildren]atomic.Pointer[node]
}

// entry mirrors internal/sync.entry.
type entry struct {
	node
	overflow atomic.Pointer[entry]
	key      any
	value    any
}

type inspector124 struct {
	ht *hashTrieMap
}

func newInspector(m *sync.Map) (inspector, error) {
	// sync.Map is struct{ _ noCopy; m isync.HashTrieMap[any, any] }; noCopy is empty.
	if unsafe.Sizeof(*m) != unsafe.Sizeof(hashTrieMap{}) {
		return nil, fmt.Errorf("sync.Map is %d bytes, mirror %d", unsafe.Sizeof(*m), unsafe.Sizeof(hashTrieMap{}))
	}
	ht := (*hashTrieMap)(unsafe.Pointer(m))
	// Check the mirror on a private map: one Store must init it and hang one entry off the root.
	var probe sync.Map
	probe.Store(7, 7)
	p := (*hashTrieMap)(unsafe.Pointer(&probe))
	if p.inited.Load() != 1 || p.root.Load() == nil || p.keyHash == nil {
		return nil, fmt.Errorf("HashTrieMap mirror does not match (inited/root/keyHash)")
	}
	var k any = 7
	h := uint64(p.keyHash(unsafe.Pointer(&k), p.seed))
	n := p.root.Load().children[h>>60].Load()
	if n == nil || !n.isEntry || (*entry)(unsafe.Pointer(n)).key != k {
		return nil, fmt.Errorf("indirect/entry mirror does not match: key 7 not at child %d", h>>60)
	}
	return &inspector124{ht: ht}, nil
}

func (s *inspector124) hash(k any) (uint64, bool) {
	if s.ht.inited.Load() == 0 {
		return 0, false
	}
	return uint64(s.ht.keyHash(unsafe.Pointer(&k), s.ht.seed)), true
}

func (s *inspector124) summary(b []byte) []byte { return b }

// state: {"seed": S, "root": NODE}; NODE is {"c": [[index, CHILD], ...]} plus
// "dead": true when set; CHILD is a NODE or an entry chain [[K, V], ...], head first.
func (s *inspector124) state(b []byte) []byte {
	b = fmt.Appendf(b, `{"seed":%d,"root":`, uint64(s.ht.seed))
	if r := s.ht.root.Load(); r != nil {
		b = appendNode(b, r)
	} else {
		b = append(b, "null"...)
	}
	return append(b, '}')
}

func appendNode(b []byte, i *indirect) []byte {
	b = append(b, `{"c":[`...)
	first := true
	for j := range i.children {
		n := i.children[j].Load()
		if n == nil {
			continue
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = fmt.Appendf(b, "[%d,", j)
		if n.isEntry {
			b = append(b, '[')
			for e := (*entry)(unsafe.Pointer(n)); e != nil; e = e.overflow.Load() {
				if e != (*entry)(unsafe.Pointer(n)) {
					b = append(b, ',')
				}
				b = append(b, '[')
				b = appendKey(b, e.key)
				b = append(b, ',')
				b = appendValue(b, e.value)
				b = append(b, ']')
			}
			b = append(b, ']')
		} else {
			b = appendNode(b, (*indirect)(unsafe.Pointer(n)))
		}
		b = append(b, ']')
	}
	b = append(b, ']')
	if i.dead.Load() {
		b = append(b, `,"dead":true`...)
	}
	return append(b, '}')
}
