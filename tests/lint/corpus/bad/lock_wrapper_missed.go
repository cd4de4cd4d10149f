// gomap lint corpus (hazardous): lock wrapper functions exist, but one writer forgets them.
// expect: GM001
package main

import "sync"

var registry struct {
	mu sync.Mutex
	m  map[string]int
}

func lockRegistry()   { registry.mu.Lock() }
func unlockRegistry() { registry.mu.Unlock() }

func Get(name string) int {
	lockRegistry()
	defer unlockRegistry()
	return registry.m[name]
}

func set(name string) {
	registry.m[name] = 1 // want GM001
}

func Start(names []string) {
	for _, n := range names {
		go set(n)
	}
}
