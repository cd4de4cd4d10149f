// gomap lint corpus (hazardous): sync.Map read-modify-write without a lock: appending to a loaded slice.
// expect: GM004
package main

import "sync"

var index sync.Map

func add(word string, doc int) {
	var docs []int
	if v, ok := index.Load(word); ok {
		docs = v.([]int)
	}
	index.Store(word, append(docs, doc)) // want GM004
}
