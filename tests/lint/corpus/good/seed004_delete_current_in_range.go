// gomap lint corpus (safe look-alike): seed 004 §2: delete inside range is safe (spec guarantee, GM007).
// expect: none
package main

import "fmt"

func main() {
	m := map[int]string{0: "a", 1: "b", 2: "c"}
	for k := range m {
		if k == 1 {
			delete(m, 1)
		}
		fmt.Printf("k=%d\n", k)
	}
}
