// gomap lint corpus (hazardous): sync.Map: a counter incremented with Load + Store.
// expect: GM004
package main

import "sync"

var counts sync.Map

func inc(k string) {
	v, _ := counts.Load(k)
	n, _ := v.(int)
	counts.Store(k, n+1) // want GM004
}
