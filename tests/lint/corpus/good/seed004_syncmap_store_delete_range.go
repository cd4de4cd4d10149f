// gomap lint corpus (safe look-alike): seed 004 §4.2: sync.Map Store, Delete, Range.
// expect: none
package main

import (
	"fmt"
	"sync"
)

func main() {
	m := sync.Map{}
	m.Store("a", 1)
	m.Delete("a")
	m.Range(func(k, v interface{}) bool {
		fmt.Println(k)
		return true
	})
}
