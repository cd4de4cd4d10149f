// gomap lint corpus (safe look-alike): main hands the map to one goroutine and never touches it again.
// expect: none
package main

func consume(m map[string]int, done chan<- int) {
	m["x"] = 1
	done <- len(m)
}

func run() int {
	m := map[string]int{"a": 1}
	done := make(chan int)
	go consume(m, done)
	return <-done
}
