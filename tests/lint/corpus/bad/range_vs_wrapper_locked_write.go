// gomap lint corpus (hazardous): the writer uses the lock wrappers; the range in a goroutine does not.
// expect: GM002
package main

import "sync"

var table struct {
	mu sync.Mutex
	m  map[string]int
}

func lockTable()   { table.mu.Lock() }
func unlockTable() { table.mu.Unlock() }

func Put(k string) {
	lockTable()
	table.m[k] = 1
	unlockTable()
}

func Dump() {
	go func() {
		for k := range table.m { // want GM002
			_ = k
		}
	}()
}
