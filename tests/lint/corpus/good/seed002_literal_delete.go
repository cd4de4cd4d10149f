// gomap lint corpus (safe look-alike): seed 002 §1: a literal and a delete.
// expect: none
package main

func main() {
	m := map[string]int{"a": 1, "b": 2, "c": 3}
	delete(m, "b")
	_ = m
}
