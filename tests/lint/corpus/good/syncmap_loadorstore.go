// gomap lint corpus (safe look-alike): sync.Map used right: LoadOrStore.
// expect: none
package main

import "sync"

var sessions sync.Map

func session(id string) any {
	s, _ := sessions.LoadOrStore(id, &struct{ id string }{id})
	return s
}
