// gomap lint corpus (hazardous): delete under RLock with defer RUnlock.
// expect: GM003
package main

import "sync"

type Store struct {
	mu    sync.RWMutex
	items map[string]int
}

func (s *Store) Remove(k string) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	delete(s.items, k) // want GM003
}
