// gomap lint corpus (safe look-alike): the goroutine builds its own map and hands it over a channel.
// expect: none
package main

func build(n int) map[int]int {
	ch := make(chan map[int]int)
	go func() {
		m := make(map[int]int)
		for i := 0; i < n; i++ {
			m[i] = i
		}
		ch <- m
	}()
	got := <-ch
	got[-1] = -1
	return got
}
