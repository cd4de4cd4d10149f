// gomap lint corpus (hazardous): writer and reader each hold a lock, but not the same one.
// expect: GM001
package main

import "sync"

var (
	muA, muB sync.Mutex
	table    = map[int]string{}
)

func writer() {
	muA.Lock()
	table[1] = "one" // want GM001
	muA.Unlock()
}

func Reader() string {
	muB.Lock()
	defer muB.Unlock()
	return table[1]
}

func Start() { go writer() }
