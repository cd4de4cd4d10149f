// gomap lint corpus (safe look-alike): seed 004 §4: collect keys, then delete.
// expect: none
package main

func shouldEvict(k string) bool { return len(k) > 3 }

func evict(cache map[string]int) {
	toDelete := make([]string, 0, len(cache))
	for k := range cache {
		if shouldEvict(k) {
			toDelete = append(toDelete, k)
		}
	}
	for _, k := range toDelete {
		delete(cache, k)
	}
}
