// gomap lint corpus (hazardous): seed 001 §3.1: the state map is locked for writes, but a reporter goroutine ranges it unlocked.
// expect: GM002
package main

import "sync"

type State int

type StateMachine struct {
	mu       sync.Mutex
	stateMap map[string]State
}

func (s *StateMachine) transition(orderID string, newState State) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.stateMap, orderID)
	s.stateMap[orderID] = newState
}

func (s *StateMachine) report() int {
	n := 0
	for range s.stateMap { // want GM002
		n++
	}
	return n
}

func (s *StateMachine) Run(ids []string) {
	go s.report()
	for _, id := range ids {
		s.transition(id, 1)
	}
}
