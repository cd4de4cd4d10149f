// gomap lint corpus (safe look-alike): clear(m) is the recommended form (GM005's fix).
// expect: none
package main

func reset(m map[string]int) {
	clear(m)
}
