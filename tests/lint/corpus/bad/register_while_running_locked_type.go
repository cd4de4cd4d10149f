// gomap lint corpus (hazardous): the dispatcher locks its map in the reading goroutine,
// so handlers are meant to be registered while it runs, and one registration forgets
// the lock.
// expect: GM001
package msg

import "sync"

type Dispatcher struct {
	mu       sync.Mutex
	in       chan string
	handlers map[string]func(string)
}

func (d *Dispatcher) RegisterHandler(kind string, h func(string)) {
	d.handlers[kind] = h // want GM001
}

func (d *Dispatcher) Run() {
	go d.readLoop()
}

func (d *Dispatcher) readLoop() {
	for m := range d.in {
		d.mu.Lock()
		h, ok := d.handlers[m]
		d.mu.Unlock()
		if ok {
			h(m)
		}
	}
}
