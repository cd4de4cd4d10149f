// gomap lint corpus (hazardous): two critical sections of one Mutex: check in the first, act in the second.
// expect: GM004
package main

import "sync"

var (
	mu     sync.Mutex
	owners = map[string]string{}
)

func Claim(res, who string) bool {
	mu.Lock()
	_, taken := owners[res]
	mu.Unlock()
	if taken {
		return false
	}
	mu.Lock()
	owners[res] = who // want GM004
	mu.Unlock()
	return true
}
