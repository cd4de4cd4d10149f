// gomap lint corpus (hazardous): clear(m) in a goroutine races with writes after go.
// expect: GM001 GM001
package main

func reset(m map[string]int) {
	go func() {
		clear(m) // want GM001
	}()
	m["x"] = 1 // want GM001
}
