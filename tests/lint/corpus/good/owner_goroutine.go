// gomap lint corpus (safe look-alike): one goroutine owns the map and serves requests over channels.
// expect: none
package main

type req struct {
	key   string
	reply chan int
}

func serve(reqs <-chan req, sets <-chan string) {
	counts := map[string]int{}
	for {
		select {
		case r := <-reqs:
			r.reply <- counts[r.key]
		case k := <-sets:
			counts[k]++
		}
	}
}

func Start() (chan req, chan string) {
	reqs, sets := make(chan req), make(chan string)
	go serve(reqs, sets)
	return reqs, sets
}
