// gomap lint corpus (hazardous): a ServeHTTP method writes its handler's map: requests run in parallel.
// expect: GM001
package main

import "net/http"

type Stats struct {
	byAgent map[string]int
}

func (s *Stats) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.byAgent[r.UserAgent()]++ // want GM001
}
