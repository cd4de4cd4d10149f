// gomap lint corpus (safe look-alike): writing a fresh local map under RLock is not a write of the guarded map.
// expect: none
package main

import "sync"

type Config struct {
	mu   sync.RWMutex
	vals map[string]string
}

func (c *Config) Snapshot() map[string]string {
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := make(map[string]string, len(c.vals))
	for k, v := range c.vals {
		out[k] = v
	}
	return out
}
