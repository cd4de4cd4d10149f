// gomap lint corpus (hazardous): the lock is released on one branch and the write happens after the release.
// expect: GM001
package main

import "sync"

var (
	mu   sync.Mutex
	seen = map[string]bool{}
)

func mark(k string) {
	mu.Lock()
	if seen[k] {
		mu.Unlock()
		return
	}
	mu.Unlock()
	seen[k] = true // want GM001
}

func MarkAll(ks []string) {
	for _, k := range ks {
		go mark(k)
	}
}
