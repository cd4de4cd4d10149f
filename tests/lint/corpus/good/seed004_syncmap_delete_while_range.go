// gomap lint corpus (safe look-alike): seed 004 §2.5: sync.Map Delete in a goroutine while Range runs: safe.
// expect: none
package main

import (
	"fmt"
	"sync"
)

func main() {
	var m sync.Map
	m.Store("key1", 1)
	go func() { m.Delete("key1") }()
	m.Range(func(k, v interface{}) bool {
		fmt.Println(k)
		return true
	})
}
