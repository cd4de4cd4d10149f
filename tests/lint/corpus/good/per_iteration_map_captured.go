// gomap lint corpus (safe look-alike): each goroutine captures the map of its own loop iteration.
// expect: none
package main

func fanout(n int, out chan<- int) {
	for i := 0; i < n; i++ {
		m := map[int]int{}
		go func() {
			m[i] = i
			out <- len(m)
		}()
	}
}
