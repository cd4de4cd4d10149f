// gomap lint corpus (hazardous): the goroutine locks its write; the reader forgets the lock.
// expect: GM001
package main

import "sync"

var (
	mu    sync.Mutex
	users = map[int]string{}
)

func add(id int, name string) {
	mu.Lock()
	users[id] = name // want GM001
	mu.Unlock()
}

func Name(id int) string { return users[id] }

func Load(ids []int) {
	for _, id := range ids {
		go add(id, "x")
	}
}
