// gomap lint corpus (safe look-alike): the constructor fills a just-allocated value before any goroutine sees it.
// expect: none
package main

type Server struct {
	routes map[string]int
	quit   chan bool
}

func NewServer() *Server {
	s := &Server{routes: map[string]int{}, quit: make(chan bool)}
	s.routes["/"] = 1
	return s
}
