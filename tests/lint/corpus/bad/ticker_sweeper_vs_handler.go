// gomap lint corpus (hazardous): a ticker goroutine sweeps the cache while request handlers fill it.
// expect: GM001 GM001 GM002 GM006
package main

import (
	"net/http"
	"time"
)

var cache = map[string]time.Time{} // want GM006

func main() {
	go func() {
		for range time.Tick(time.Minute) {
			for k, t := range cache { // want GM002
				if time.Since(t) > time.Hour {
					delete(cache, k) // want GM001
				}
			}
		}
	}()
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		cache[r.URL.Path] = time.Now() // want GM001
	})
	http.ListenAndServe(":8080", nil)
}
