// gomap lint corpus (hazardous): the same hub, but the HTTP handler adds the client to the map itself, through a pointer of a new value.
// expect: GM001 GM001 GM001 GM002
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
			h.clients[c] = true // want GM001
		case c := <-h.unregister:
			delete(h.clients, c) // want GM001
		case m := <-h.broadcast:
			for c := range h.clients { // want GM002
				c.send <- m
			}
		}
	}
}

func serveWs(hub *Hub, w http.ResponseWriter, r *http.Request) {
	client := &Client{hub: hub, send: make(chan []byte, 256)}
	client.hub.clients[client] = true // want GM001
}

func main() {
	hub := newHub()
	go hub.run()
	http.HandleFunc("/ws", func(w http.ResponseWriter, r *http.Request) {
		serveWs(hub, w, r)
	})
	http.ListenAndServe(":8080", nil)
}
