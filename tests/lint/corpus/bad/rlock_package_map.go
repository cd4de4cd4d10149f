// gomap lint corpus (hazardous): package-level RWMutex held in read mode while writing the package map.
// expect: GM003
package main

import "sync"

var (
	mu    sync.RWMutex
	cache = map[string][]byte{}
)

func Put(k string, v []byte) {
	mu.RLock()
	cache[k] = v // want GM003
	mu.RUnlock()
}
