// gomap lint corpus (safe look-alike): Load and Store of a sync.Map inside one critical section (mime shape: the mutex guards stores).
// expect: none
package main

import "sync"

var (
	extMu      sync.Mutex
	extensions sync.Map
)

func addExtension(typ, ext string) {
	extMu.Lock()
	defer extMu.Unlock()
	var exts []string
	if ei, ok := extensions.Load(typ); ok {
		exts = ei.([]string)
	}
	extensions.Store(typ, append(exts, ext))
}
