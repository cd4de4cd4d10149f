// gomap lint corpus (safe look-alike): a helper named ...Locked runs with the caller's lock held.
// expect: none
package main

import "sync"

type Pool struct {
	mu   sync.Mutex
	idle map[int]bool
}

func (p *Pool) putLocked(id int) { p.idle[id] = true }

func (p *Pool) Put(id int) {
	p.mu.Lock()
	p.putLocked(id)
	p.mu.Unlock()
}

func (p *Pool) Start(ids []int) {
	for _, id := range ids {
		go p.Put(id)
	}
}

func (p *Pool) Idle(id int) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.idle[id]
}
