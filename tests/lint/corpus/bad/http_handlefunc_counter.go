// gomap lint corpus (hazardous): HTTP handlers run one goroutine per request: a hit counter map without a lock.
// expect: GM001
package main

import "net/http"

var hits = map[string]int{}

func main() {
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		hits[r.URL.Path]++ // want GM001
	})
	http.ListenAndServe(":8080", nil)
}
