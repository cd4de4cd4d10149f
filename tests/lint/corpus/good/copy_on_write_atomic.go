// gomap lint corpus (safe look-alike): copy-on-write: writers publish a new map through atomic.Pointer.
// expect: none
package main

import "sync/atomic"

var current atomic.Pointer[map[string]int]

func Get(k string) int {
	m := current.Load()
	if m == nil {
		return 0
	}
	return (*m)[k]
}

func Set(k string, v int) {
	for {
		old := current.Load()
		next := map[string]int{}
		if old != nil {
			for kk, vv := range *old {
				next[kk] = vv
			}
		}
		next[k] = v
		if current.CompareAndSwap(old, &next) {
			return
		}
	}
}

func Start() { go Set("a", 1) }
