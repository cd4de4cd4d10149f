// gomap lint corpus (hazardous): time.AfterFunc runs its func in its own goroutine.
// expect: GM001
package main

import "time"

type Sessions struct{ live map[string]bool }

func (s *Sessions) Open(id string) {
	s.live[id] = true
	time.AfterFunc(time.Minute, func() {
		delete(s.live, id) // want GM001
	})
}
