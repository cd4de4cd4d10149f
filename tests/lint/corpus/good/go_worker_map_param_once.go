// gomap lint corpus (safe look-alike): one goroutine gets the map; the caller waits before reading it.
// expect: none
package main

func fill(m map[int]int, n int, done chan<- struct{}) {
	for i := 0; i < n; i++ {
		m[i] = i
	}
	close(done)
}

func build(n int) map[int]int {
	m := map[int]int{}
	done := make(chan struct{})
	go fill(m, n, done)
	<-done
	return m
}
