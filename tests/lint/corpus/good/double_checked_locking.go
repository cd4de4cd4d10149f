// gomap lint corpus (safe look-alike): RLock to read, Lock and re-check before writing.
// expect: none
package main

import "sync"

type Cache struct {
	mu sync.RWMutex
	m  map[string]string
}

func (c *Cache) Get(k string) string {
	c.mu.RLock()
	v, ok := c.m[k]
	c.mu.RUnlock()
	if ok {
		return v
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if v, ok := c.m[k]; ok {
		return v
	}
	v = k + "!"
	c.m[k] = v
	return v
}
