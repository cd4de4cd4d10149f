// gomap lint corpus (safe look-alike): a chat hub: one goroutine owns the clients map, HTTP handlers talk to it over channels (gorilla/websocket example shape).
// expect: none
package main

import "net/http"

type Client struct {
	hub  *Hub
	send chan []byte
}

type Hub struct {
	clients    map[*Client]bool
	register   chan *Client
	unregister chan *Client
	broadcast  chan []byte
}

func newHub() *Hub {
	return &Hub{clients: map[*Client]bool{}, register: make(chan *Client),
		unregister: make(chan *Client), broadcast: make(chan []byte)}
}

func (h *Hub) run() {
	for {
		select {
		case c := <-h.register:
			h.clients[c] = true
		case c := <-h.unregister:
			delete(h.clients, c)
		case m := <-h.broadcast:
			for c := range h.clients {
				c.send <- m
			}
		}
	}
}

func serveWs(hub *Hub, w http.ResponseWriter, r *http.Request) {
	client := &Client{hub: hub, send: make(chan []byte, 256)}
	client.hub.register <- client
}

func main() {
	hub := newHub()
	go hub.run()
	http.HandleFunc("/ws", func(w http.ResponseWriter, r *http.Request) {
		serveWs(hub, w, r)
	})
	http.ListenAndServe(":8080", nil)
}
