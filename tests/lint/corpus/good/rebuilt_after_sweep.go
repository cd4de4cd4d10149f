// gomap lint corpus (safe look-alike): a cache that is swept and then rebuilt at its new size.
// expect: none
package main

import "time"

type Cache struct{ at map[string]time.Time }

func (c *Cache) Put(k string) { c.at[k] = time.Now() }

func (c *Cache) Sweep() {
	for k, t := range c.at {
		if time.Since(t) > time.Minute {
			delete(c.at, k)
		}
	}
	fresh := make(map[string]time.Time, len(c.at))
	for k, t := range c.at {
		fresh[k] = t
	}
	c.at = fresh
}
