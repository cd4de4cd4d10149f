// gomap lint corpus (safe look-alike): a server's map is configured through the server, read by per-connection goroutines through another type (net/http TLSNextProto shape).
// expect: none
package main

type Server struct {
	NextProto map[string]func()
}

type conn struct{ server *Server }

func (s *Server) Configure() {
	if s.NextProto == nil {
		s.NextProto = map[string]func(){}
	}
	s.NextProto["h2"] = func() {}
}

func (c *conn) serve() {
	if fn := c.server.NextProto["h2"]; fn != nil {
		fn()
	}
}

func (s *Server) Serve(n int) {
	for i := 0; i < n; i++ {
		c := &conn{server: s}
		go c.serve()
	}
}
