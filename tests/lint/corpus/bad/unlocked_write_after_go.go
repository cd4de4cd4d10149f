// gomap lint corpus (hazardous): the goroutine reads under a lock; the caller writes after starting it, unlocked.
// expect: GM001
package main

import "sync"

func run() {
	var mu sync.Mutex
	m := map[string]int{}
	go func() {
		mu.Lock()
		_ = m["a"]
		mu.Unlock()
	}()
	m["a"] = 1 // want GM001
}
