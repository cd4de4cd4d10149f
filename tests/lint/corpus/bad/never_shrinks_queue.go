// gomap lint corpus (hazardous): a field map of a mutex-guarded queue: batch-deleted and refilled.
// expect: GM006
package main

import "sync"

type Queue struct {
	mu   sync.Mutex
	jobs map[int64][64]byte // want GM006
	next int64
}

func (q *Queue) Push(b [64]byte) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.next++
	q.jobs[q.next] = b
}

func (q *Queue) Ack(ids []int64) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for i := 0; i < len(ids); i++ {
		delete(q.jobs, ids[i])
	}
}
