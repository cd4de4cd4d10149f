// gomap lint corpus (hazardous): writing a field map while holding only RLock.
// expect: GM003
package main

import "sync"

type Counter struct {
	mu sync.RWMutex
	n  map[string]int
}

func (c *Counter) Inc(k string) {
	c.mu.RLock()
	c.n[k]++ // want GM003
	c.mu.RUnlock()
}
