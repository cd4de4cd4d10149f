// gomap lint corpus (hazardous): a background loop writes a field map that an exported getter reads unlocked.
// expect: GM001
package main

import "time"

type Registry struct {
	seen map[string]time.Time
	in   chan string
}

func (r *Registry) Start() { go r.loop() }

func (r *Registry) loop() {
	for name := range r.in {
		r.seen[name] = time.Now() // want GM001
	}
}

func (r *Registry) LastSeen(name string) time.Time {
	return r.seen[name]
}
