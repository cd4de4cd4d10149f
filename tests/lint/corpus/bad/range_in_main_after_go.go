// gomap lint corpus (hazardous): main ranges over the map the goroutine writes.
// expect: GM002
package main

func sum() int {
	m := map[int]int{}
	go func() {
		for i := 0; i < 100; i++ {
			m[i] = i
		}
	}()
	t := 0
	for _, v := range m { // want GM002
		t += v
	}
	return t
}
