// gomap lint corpus (safe look-alike): a ServeHTTP method with its mutex.
// expect: none
package main

import (
	"net/http"
	"sync"
)

type Stats struct {
	mu      sync.Mutex
	byAgent map[string]int
}

func (s *Stats) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.byAgent[r.UserAgent()]++
}
