// gomap lint corpus (hazardous): goroutines started in a loop write one captured map.
// expect: GM001
package main

func fill() map[int]int {
	m := map[int]int{}
	for i := 0; i < 10; i++ {
		go func() {
			m[i] = i * i // want GM001
		}()
	}
	return m
}
