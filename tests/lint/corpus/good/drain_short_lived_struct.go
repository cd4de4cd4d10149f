// gomap lint corpus (safe look-alike): a work struct without a mutex, drained and refilled during one computation (cmd/compile poset shape): not known to be long-lived.
// expect: none
package main

type poset struct {
	values map[int]uint32
}

func (p *poset) add(id int, v uint32) { p.values[id] = v }

func (p *poset) undo(ids []int) {
	for _, id := range ids {
		delete(p.values, id)
	}
}

func solve(n int) int {
	p := &poset{values: map[int]uint32{}}
	for i := 0; i < n; i++ {
		p.add(i, uint32(i))
	}
	p.undo([]int{1, 2})
	return len(p.values)
}
