// gomap lint corpus (safe look-alike): an early return releases the lock; the fall-through path still holds it.
// expect: none
package main

import "sync"

var (
	mu   sync.Mutex
	seen = map[string]bool{}
)

func mark(k string) bool {
	mu.Lock()
	if seen[k] {
		mu.Unlock()
		return false
	}
	seen[k] = true
	mu.Unlock()
	return true
}

func MarkAll(ks []string) {
	for _, k := range ks {
		go mark(k)
	}
}
