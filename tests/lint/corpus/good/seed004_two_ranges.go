// gomap lint corpus (safe look-alike): seed 004 §3.2: ranging twice over one map.
// expect: none
package main

func main() {
	m := map[int]string{1: "a", 2: "b"}
	for k := range m {
		_ = k
	}
	for k := range m {
		_ = k
	}
}
