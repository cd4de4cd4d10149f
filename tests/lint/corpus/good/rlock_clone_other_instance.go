// gomap lint corpus (safe look-alike): under t's RLock, writing the map of a new value (text/template Clone shape).
// expect: none
package main

import "sync"

type Tmpl struct {
	mu   sync.RWMutex
	defs map[string]string
}

func (t *Tmpl) copy() *Tmpl { return &Tmpl{defs: map[string]string{}} }

func (t *Tmpl) Clone() *Tmpl {
	nt := t.copy()
	t.mu.RLock()
	defer t.mu.RUnlock()
	for k, v := range t.defs {
		nt.defs[k] = v
	}
	return nt
}
