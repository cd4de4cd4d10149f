// gomap lint corpus (hazardous): the writer goroutine locks; the exported range does not.
// expect: GM002
package main

import "sync"

type Pool struct {
	mu    sync.Mutex
	conns map[int]string
}

func (p *Pool) Start() { go p.janitor() }

func (p *Pool) janitor() {
	p.mu.Lock()
	delete(p.conns, 0)
	p.mu.Unlock()
}

func (p *Pool) Names() []string {
	var out []string
	for _, c := range p.conns { // want GM002
		out = append(out, c)
	}
	return out
}
