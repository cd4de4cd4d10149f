// gomap lint corpus (safe look-alike): deleting some keys during range is not a delete-all loop.
// expect: none
package main

func prune(m map[string]int) {
	for k, v := range m {
		if v < 0 {
			delete(m, k)
		}
	}
}
