// gomap lint corpus (safe look-alike): two goroutines one after the other, with a Wait between.
// expect: none
package main

import "sync"

func run() {
	var wg sync.WaitGroup
	m := map[string]int{}
	wg.Add(1)
	go func() {
		defer wg.Done()
		m["a"] = 1
	}()
	wg.Wait()
	wg.Add(1)
	go func() {
		defer wg.Done()
		m["b"] = 2
	}()
	wg.Wait()
}
