// gomap lint corpus (hazardous): a package cache with an expiry sweep and inserts, never rebuilt.
// expect: GM006
package main

import "time"

var cache = map[string]time.Time{} // want GM006

func Put(k string) { cache[k] = time.Now() }

func Sweep() {
	for k, t := range cache {
		if time.Since(t) > time.Minute {
			delete(cache, k)
		}
	}
}
