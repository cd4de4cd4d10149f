// gomap lint corpus (hazardous): read-modify-write with the lock dropped before the write.
// expect: GM001
package main

import "sync"

var (
	mu      sync.Mutex
	balance = map[string]int{}
)

func deposit(acct string, n int) {
	mu.Lock()
	b := balance[acct]
	mu.Unlock()
	balance[acct] = b + n // want GM001
}

func Pay(accts []string) {
	for _, a := range accts {
		go deposit(a, 1)
	}
}
