// gomap lint corpus (safe look-alike): the loop body does more than delete.
// expect: none
package main

func drain(m map[string]int, sink func(int)) {
	for k, v := range m {
		delete(m, k)
		sink(v)
	}
}
