// gomap lint corpus (hazardous): embedded RWMutex: RLock, then write.
// expect: GM003
package main

import "sync"

type Table struct {
	sync.RWMutex
	rows map[int]string
}

func (t *Table) Set(k int, v string) {
	t.RLock()
	t.rows[k] = v // want GM003
	t.RUnlock()
}
