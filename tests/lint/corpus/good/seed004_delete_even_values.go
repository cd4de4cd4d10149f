// gomap lint corpus (safe look-alike): seed 004 §5: the seed calls this dangerous; deleting during range is safe (GM007).
// expect: none
package main

func main() {
	m := map[string]int{"a": 1, "b": 2, "c": 3}
	for k, v := range m {
		if v%2 == 0 {
			delete(m, k)
		}
	}
}
