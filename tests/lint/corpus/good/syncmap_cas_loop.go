// gomap lint corpus (safe look-alike): sync.Map read-modify-write with CompareAndSwap.
// expect: none
package main

import "sync"

var counts sync.Map

func inc(k string) {
	for {
		v, loaded := counts.LoadOrStore(k, 1)
		if !loaded {
			return
		}
		if counts.CompareAndSwap(k, v, v.(int)+1) {
			return
		}
	}
}
