// gomap lint corpus (safe look-alike): check and act inside one critical section.
// expect: none
package main

import "sync"

var (
	mu     sync.Mutex
	owners = map[string]string{}
)

func Claim(res, who string) bool {
	mu.Lock()
	defer mu.Unlock()
	if _, taken := owners[res]; taken {
		return false
	}
	owners[res] = who
	return true
}
