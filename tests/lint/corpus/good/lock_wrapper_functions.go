// gomap lint corpus (safe look-alike): a package map guarded through lock/unlock wrapper functions (runtime/pprof shape).
// expect: none
package main

import "sync"

var profiles struct {
	mu sync.Mutex
	m  map[string]int
}

func lockProfiles() {
	profiles.mu.Lock()
	if profiles.m == nil {
		profiles.m = map[string]int{}
	}
}

func unlockProfiles() { profiles.mu.Unlock() }

func Add(name string) {
	lockProfiles()
	defer unlockProfiles()
	profiles.m[name]++
}

func Lookup(name string) int {
	lockProfiles()
	defer unlockProfiles()
	return profiles.m[name]
}

func Start(names []string) {
	for _, n := range names {
		go Add(n)
	}
}
