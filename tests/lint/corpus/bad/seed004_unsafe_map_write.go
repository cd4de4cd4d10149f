// gomap lint corpus (hazardous): seed 004 §1: two goroutines write one local map.
// expect: GM001 GM001
package main

func unsafeMapWrite() {
	m := make(map[int]int)
	go func() { m[1] = 1 }() // want GM001
	go func() { m[2] = 2 }() // want GM001
}
