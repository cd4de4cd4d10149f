// gomap lint corpus (safe look-alike): seed 000 §1: delete in a single goroutine.
// expect: none
package main

import "fmt"

func main() {
	m := make(map[string]int)
	m["a"] = 1
	m["b"] = 2
	fmt.Println(m)
	delete(m, "a")
	fmt.Println(m)
}
