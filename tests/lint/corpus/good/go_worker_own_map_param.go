// gomap lint corpus (safe look-alike): each goroutine of the loop gets a map made in that iteration.
// expect: none
package main

func fill(m map[int]int, i int, out chan<- map[int]int) {
	m[i] = i * i
	out <- m
}

func squares(n int, out chan<- map[int]int) {
	for i := 0; i < n; i++ {
		m := map[int]int{}
		go fill(m, i, out)
	}
}
