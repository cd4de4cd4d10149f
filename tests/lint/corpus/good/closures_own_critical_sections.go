// gomap lint corpus (safe look-alike): two closures, each with its own critical section (database/sql test shape).
// expect: none
package main

import "sync"

func hooks() (func(int) string, func(int, string)) {
	var mu sync.Mutex
	freed := map[int]string{}
	get := func(c int) string {
		mu.Lock()
		defer mu.Unlock()
		return freed[c]
	}
	set := func(c int, s string) {
		mu.Lock()
		defer mu.Unlock()
		freed[c] = s
	}
	return get, set
}
