// gomap lint corpus (safe look-alike): one goroutine writes; main reads after wg.Wait().
// expect: none
package main

import "sync"

func run() int {
	var wg sync.WaitGroup
	m := map[int]int{}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; i < 10; i++ {
			m[i] = i
		}
	}()
	wg.Wait()
	return m[3]
}
