// gomap lint corpus (safe look-alike): a select waits for the writer before the read.
// expect: none
package main

import "time"

func run() int {
	m := map[int]int{}
	done := make(chan bool)
	go func() {
		m[1] = 1
		done <- true
	}()
	select {
	case <-done:
	case <-time.After(time.Second):
		return 0
	}
	return m[1]
}
