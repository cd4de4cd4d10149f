// gomap lint corpus (hazardous): goroutines started in a loop all get the same map as a parameter.
// expect: GM001
package main

func fill(m map[int]int, i int) {
	m[i] = i * i // want GM001
}

func squares(n int) map[int]int {
	m := map[int]int{}
	for i := 0; i < n; i++ {
		go fill(m, i)
	}
	return m
}
