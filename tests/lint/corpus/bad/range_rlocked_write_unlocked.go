// gomap lint corpus (hazardous): the range holds RLock, the writer holds nothing.
// expect: GM002
package main

import "sync"

var (
	mu     sync.RWMutex
	routes = map[string]string{}
)

func dump() []string {
	mu.RLock()
	defer mu.RUnlock()
	var out []string
	for k := range routes { // want GM002
		out = append(out, k)
	}
	return out
}

func Serve() {
	go dump()
	routes["/"] = "index"
}
