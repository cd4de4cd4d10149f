// gomap lint corpus (safe look-alike): each goroutine of the loop makes and fills its own map.
// expect: none
package main

func work(n int, out chan<- int) {
	for i := 0; i < n; i++ {
		go func() {
			m := map[int]int{}
			m[i] = i
			out <- len(m)
		}()
	}
}
