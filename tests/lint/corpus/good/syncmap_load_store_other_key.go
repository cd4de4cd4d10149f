// gomap lint corpus (safe look-alike): Load of one key, Store of another.
// expect: none
package main

import "sync"

var m sync.Map

func alias(from, to string) {
	if v, ok := m.Load(from); ok {
		m.Store(to, v)
	}
}
