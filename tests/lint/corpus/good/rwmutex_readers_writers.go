// gomap lint corpus (safe look-alike): reads and ranges under RLock, writes under Lock.
// expect: none
package main

import "sync"

type Registry struct {
	mu   sync.RWMutex
	byID map[int]string
}

func (r *Registry) Start(ids []int) {
	for _, id := range ids {
		go r.put(id)
	}
}

func (r *Registry) put(id int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.byID[id] = "x"
}

func (r *Registry) Get(id int) string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.byID[id]
}

func (r *Registry) All() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	var out []string
	for _, v := range r.byID {
		out = append(out, v)
	}
	return out
}
