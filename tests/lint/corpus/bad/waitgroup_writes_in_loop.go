// gomap lint corpus (hazardous): WaitGroup pattern: the Wait comes after the loop, the writes race with each other.
// expect: GM001
package main

import "sync"

func count(words []string) map[string]int {
	var wg sync.WaitGroup
	m := map[string]int{}
	for _, w := range words {
		wg.Add(1)
		go func() {
			defer wg.Done()
			m[w]++ // want GM001
		}()
	}
	wg.Wait()
	return m
}
