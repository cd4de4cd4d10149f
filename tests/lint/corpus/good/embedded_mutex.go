// gomap lint corpus (safe look-alike): an embedded Mutex guards the map.
// expect: none
package main

import "sync"

type Set struct {
	sync.Mutex
	m map[string]bool
}

func (s *Set) Add(k string) {
	s.Lock()
	s.m[k] = true
	s.Unlock()
}

func (s *Set) Has(k string) bool {
	s.Lock()
	defer s.Unlock()
	return s.m[k]
}

func (s *Set) AddAll(ks []string) {
	for _, k := range ks {
		go s.Add(k)
	}
}
