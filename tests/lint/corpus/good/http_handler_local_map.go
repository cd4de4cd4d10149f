// gomap lint corpus (safe look-alike): each request builds its own map.
// expect: none
package main

import (
	"encoding/json"
	"net/http"
)

func main() {
	http.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
		q := map[string]string{}
		for k, v := range r.URL.Query() {
			q[k] = v[0]
		}
		json.NewEncoder(w).Encode(q)
	})
	http.ListenAndServe(":8080", nil)
}
