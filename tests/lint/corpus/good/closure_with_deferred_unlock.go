// gomap lint corpus (safe look-alike): a locked closure, called in place, inside goroutines.
// expect: none
package main

import "sync"

type Stats struct {
	mu sync.Mutex
	n  map[string]int
}

func (s *Stats) Record(keys []string) {
	for _, k := range keys {
		go func() {
			func() {
				s.mu.Lock()
				defer s.mu.Unlock()
				s.n[k]++
			}()
		}()
	}
}

func (s *Stats) Get(k string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.n[k]
}
