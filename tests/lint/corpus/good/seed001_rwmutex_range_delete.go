// gomap lint corpus (safe look-alike): seed 001 §1: the seed calls this a hazard, but the range holds RLock and the delete holds Lock: correct.
// expect: none
package main

import (
	"sync"
	"time"
)

var m = make(map[int]string)
var mu sync.RWMutex

func main() {
	go func() {
		for range time.Tick(10 * time.Millisecond) {
			mu.RLock()
			for k := range m {
				_ = m[k]
			}
			mu.RUnlock()
		}
	}()
	go func() {
		for i := 0; i < 1000; i++ {
			mu.Lock()
			delete(m, i%100)
			mu.Unlock()
			time.Sleep(5 * time.Microsecond)
		}
	}()
}
