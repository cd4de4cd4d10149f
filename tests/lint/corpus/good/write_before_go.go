// gomap lint corpus (safe look-alike): filled before the goroutine starts, only read afterwards.
// expect: none
package main

func run() {
	m := map[string]int{}
	m["a"] = 1
	m["b"] = 2
	done := make(chan struct{})
	go func() {
		_ = m["a"]
		close(done)
	}()
	<-done
}
