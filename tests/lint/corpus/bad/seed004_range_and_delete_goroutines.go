// gomap lint corpus (hazardous): seed 004 §3: one goroutine ranges, another deletes.
// expect: GM002
package main

func race() {
	m := make(map[int]int)
	go func() {
		for range m { // want GM002
		}
	}()
	go func() { delete(m, 1) }()
}
