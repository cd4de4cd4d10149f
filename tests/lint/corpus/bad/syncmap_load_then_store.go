// gomap lint corpus (hazardous): sync.Map: Load, and Store when absent.
// expect: GM004
package main

import "sync"

var sessions sync.Map

func session(id string) any {
	if s, ok := sessions.Load(id); ok {
		return s
	}
	s := &struct{ id string }{id}
	sessions.Store(id, s) // want GM004
	return s
}
