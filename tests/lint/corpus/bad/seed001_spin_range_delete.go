// gomap lint corpus (hazardous): seed 001 §2.4: a goroutine ranges while the caller deletes.
// expect: GM002
package main

func spinOnMapDelete() {
	m := make(map[int]int)
	go func() {
		for range m { // want GM002
		}
	}()
	for i := 0; i < 1000; i++ {
		delete(m, i)
	}
}
