// gomap lint corpus (safe look-alike): seed 003 §1: pointers in a map, one goroutine.
// expect: none
package main

import "fmt"

func main() {
	m := make(map[string]*int)
	x := 42
	m["key"] = &x
	ptr := m["key"]
	for i := 0; i < 10000; i++ {
		m[fmt.Sprintf("k%d", i)] = new(int)
	}
	_ = ptr
}
