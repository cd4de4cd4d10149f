// gomap lint corpus (hazardous): a field map used as a work queue: batch-deleted and refilled.
// expect: GM006
package main

type Queue struct {
	jobs map[int64][64]byte // want GM006
	next int64
}

func (q *Queue) Push(b [64]byte) {
	q.next++
	q.jobs[q.next] = b
}

func (q *Queue) Ack(ids []int64) {
	for i := 0; i < len(ids); i++ {
		delete(q.jobs, ids[i])
	}
}
