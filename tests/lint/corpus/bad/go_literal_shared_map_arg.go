// gomap lint corpus (hazardous): a goroutine literal takes the map as its argument, the same map each time.
// expect: GM001
package main

func tally(words []string) map[string]int {
	counts := map[string]int{}
	for _, w := range words {
		go func(m map[string]int, w string) {
			m[w]++ // want GM001
		}(counts, w)
	}
	return counts
}
