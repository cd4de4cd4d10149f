// gomap lint corpus (safe look-alike): seed 001 §3.3: sync.Map Store and Delete from two goroutines is safe.
// expect: none
package main

import "sync"

type Rule struct{ ID string }

var cache sync.Map

func reload(newRules []Rule) {
	for _, rule := range newRules {
		cache.Store(rule.ID, rule)
	}
}

func main() {
	go reload([]Rule{{"a"}})
	go cache.Delete("stale_id")
}
