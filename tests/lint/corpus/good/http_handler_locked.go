// gomap lint corpus (safe look-alike): an HTTP hit counter behind a mutex.
// expect: none
package main

import (
	"net/http"
	"sync"
)

var (
	mu   sync.Mutex
	hits = map[string]int{}
)

func main() {
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hits[r.URL.Path]++
		mu.Unlock()
	})
	http.ListenAndServe(":8080", nil)
}
