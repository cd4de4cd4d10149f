// gomap lint corpus (safe look-alike): sync.Once guards the one write; goroutines only read.
// expect: none
package main

import "sync"

var (
	once  sync.Once
	table map[string]int
)

func lookup(k string) int {
	once.Do(func() {
		table = map[string]int{"a": 1}
		table["b"] = 2
	})
	return table[k]
}

func Start(keys []string) {
	for _, k := range keys {
		go lookup(k)
	}
}
