// gomap lint corpus (safe look-alike): one goroutine per connection, each on its own value made in the loop (net/http/fcgi shape).
// expect: none
package main

type child struct {
	requests map[uint16]string
	in       chan uint16
}

func newChild() *child { return &child{requests: map[uint16]string{}, in: make(chan uint16)} }

func (c *child) serve() {
	for id := range c.in {
		if _, ok := c.requests[id]; ok {
			delete(c.requests, id)
			continue
		}
		c.requests[id] = "begin"
	}
}

func Serve(n int) {
	for i := 0; i < n; i++ {
		c := newChild()
		go c.serve()
	}
}
