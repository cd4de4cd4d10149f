// gomap lint corpus (safe look-alike): Load, then LoadOrStore claims the key with a placeholder, then Store replaces it (cmd/internal/script shape).
// expect: none
package main

import "sync"

type cache struct{ m sync.Map }

func (c *cache) get(k string, eval func(string) bool) bool {
	v, loaded := c.m.Load(k)
	if !loaded {
		ready := make(chan struct{})
		v, loaded = c.m.LoadOrStore(k, (<-chan struct{})(ready))
		if !loaded {
			b := eval(k)
			c.m.Store(k, b)
			close(ready)
			return b
		}
	}
	b, _ := v.(bool)
	return b
}
