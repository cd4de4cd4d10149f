// gomap lint corpus (hazardous): read under RLock, write under a new Lock without re-checking.
// expect: GM004
package main

import "sync"

type Cache struct {
	mu sync.RWMutex
	m  map[string]string
}

func (c *Cache) GetOrCompute(k string) string {
	c.mu.RLock()
	v, ok := c.m[k]
	c.mu.RUnlock()
	if ok {
		return v
	}
	v = k + "!"
	c.mu.Lock()
	c.m[k] = v // want GM004
	c.mu.Unlock()
	return v
}
