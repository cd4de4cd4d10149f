// gomap lint corpus (safe look-alike): seed 001 §3.1: delete and write under one Lock, with defer Unlock.
// expect: none
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

func (s *StateMachine) Run(ids []string) {
	for _, id := range ids {
		go s.transition(id, 1)
	}
}
