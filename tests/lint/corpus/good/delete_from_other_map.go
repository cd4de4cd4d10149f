// gomap lint corpus (safe look-alike): ranging over one map, deleting from another.
// expect: none
package main

func subtract(a, b map[string]bool) {
	for k := range a {
		delete(b, k)
	}
}
