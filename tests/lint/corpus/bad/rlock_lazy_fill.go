// gomap lint corpus (hazardous): the classic upgrade mistake: read under RLock, fill under the same RLock.
// expect: GM003
package main

import "sync"

type Memo struct {
	mu  sync.RWMutex
	val map[int]int
}

func (m *Memo) Get(k int) int {
	m.mu.RLock()
	defer m.mu.RUnlock()
	v, ok := m.val[k]
	if !ok {
		v = k * k
		m.val[k] = v // want GM003
	}
	return v
}
