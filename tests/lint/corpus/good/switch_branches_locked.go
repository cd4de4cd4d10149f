// gomap lint corpus (safe look-alike): every branch of a switch locks around its own write.
// expect: none
package main

import "sync"

var (
	mu   sync.Mutex
	kind = map[string]int{}
)

func classify(k string, n int) {
	switch {
	case n < 0:
		mu.Lock()
		kind[k] = -1
		mu.Unlock()
	default:
		mu.Lock()
		kind[k] = 1
		mu.Unlock()
	}
}

func Run(ks []string) {
	for i, k := range ks {
		go classify(k, i)
	}
}

func Kind(k string) int {
	mu.Lock()
	defer mu.Unlock()
	return kind[k]
}
