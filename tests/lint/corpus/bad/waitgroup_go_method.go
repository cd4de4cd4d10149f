// gomap lint corpus (hazardous): sync.WaitGroup.Go (Go 1.25) closures write one map.
// expect: GM001
package main

import "sync"

func tally(xs []int) map[int]int {
	var wg sync.WaitGroup
	m := map[int]int{}
	for _, x := range xs {
		wg.Go(func() {
			m[x%10]++ // want GM001
		})
	}
	wg.Wait()
	return m
}
