// gomap lint corpus (hazardous): a struct field map drained by a reaper loop and refilled.
// expect: GM006
package main

import (
	"sync"
	"time"
)

type Server struct {
	mu       sync.Mutex
	sessions map[string]time.Time // want GM006
}

func (s *Server) Login(id string) {
	s.mu.Lock()
	s.sessions[id] = time.Now()
	s.mu.Unlock()
}

func (s *Server) Reap(expired []string) {
	s.mu.Lock()
	for _, id := range expired {
		delete(s.sessions, id)
	}
	s.mu.Unlock()
}
