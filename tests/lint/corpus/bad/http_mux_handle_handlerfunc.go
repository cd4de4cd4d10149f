// gomap lint corpus (hazardous): mux.Handle(pattern, http.HandlerFunc(func ...)) writing a captured map.
// expect: GM001
package main

import "net/http"

func routes() *http.ServeMux {
	mux := http.NewServeMux()
	seen := map[string]bool{}
	mux.Handle("/seen", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen[r.RemoteAddr] = true // want GM001
	}))
	return mux
}
