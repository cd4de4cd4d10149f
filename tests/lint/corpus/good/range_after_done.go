// gomap lint corpus (safe look-alike): the goroutine writes; main ranges after receiving done.
// expect: none
package main

func run() int {
	m := map[int]int{}
	done := make(chan struct{})
	go func() {
		m[1] = 1
		close(done)
	}()
	<-done
	t := 0
	for _, v := range m {
		t += v
	}
	return t
}
