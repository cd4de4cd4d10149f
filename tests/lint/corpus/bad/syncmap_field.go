// gomap lint corpus (hazardous): sync.Map in a struct field: Load then Store.
// expect: GM004
package main

import "sync"

type Index struct{ m sync.Map }

func (x *Index) Add(k string, v int) {
	if _, ok := x.m.Load(k); !ok {
		x.m.Store(k, v) // want GM004
	}
}
