// gomap lint corpus (safe look-alike): an unexported helper whose every caller holds the lock.
// expect: none
package main

import "sync"

var (
	mu  sync.Mutex
	ref = map[string]int{}
)

func bump(k string) { ref[k]++ }

func Acquire(k string) {
	mu.Lock()
	bump(k)
	mu.Unlock()
}

func AcquireAll(ks []string) {
	for _, k := range ks {
		go Acquire(k)
	}
}
