// gomap lint corpus (hazardous): the constructor starts a background loop that writes; the getter reads unlocked.
// expect: GM001
package main

import "time"

type Tracker struct {
	last map[string]time.Time
	ch   chan string
}

func NewTracker() *Tracker {
	t := &Tracker{last: map[string]time.Time{}, ch: make(chan string)}
	go t.loop()
	return t
}

func (t *Tracker) loop() {
	for k := range t.ch {
		t.last[k] = time.Now() // want GM001
	}
}

func (t *Tracker) Last(k string) time.Time { return t.last[k] }
