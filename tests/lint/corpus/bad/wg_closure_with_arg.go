// gomap lint corpus (hazardous): goroutines get the index as an argument but share the map.
// expect: GM001
package main

import "sync"

func squares(n int) map[int]int {
	out := map[int]int{}
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			out[i] = i * i // want GM001
		}(i)
	}
	wg.Wait()
	return out
}
