// gomap lint corpus (safe look-alike): a local map drained and refilled dies with the function.
// expect: none
package main

func process(batches [][]string) int {
	seen := map[string]bool{}
	n := 0
	for _, b := range batches {
		for _, k := range b {
			seen[k] = true
		}
		n += len(seen)
		for k := range seen {
			if len(k) > 1 {
				delete(seen, k)
			}
		}
	}
	return n
}
