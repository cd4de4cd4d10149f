// gomap lint corpus (safe look-alike): every access of the shared map holds one Mutex.
// expect: none
package main

import "sync"

var (
	mu    sync.Mutex
	users = map[int]string{}
)

func add(id int, name string) {
	mu.Lock()
	users[id] = name
	mu.Unlock()
}

func Name(id int) string {
	mu.Lock()
	defer mu.Unlock()
	return users[id]
}

func Load(ids []int) {
	for _, id := range ids {
		go add(id, "x")
	}
}
