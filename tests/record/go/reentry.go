// reentry: map calls made exactly where the goroutine's stack runs out, so that the
// runtime's map functions re-enter through morestack, on a map that lives on the
// goroutine stack (moved by every copy) and on a heap map. Logs every op after the
// run (the recursion itself calls nothing but the map functions).
package main

import (
	"bufio"
	"fmt"
	"os"
	"sync"
)

type entry struct {
	op  byte // 's' set, 'd' delete
	key int64
}

//go:noinline
func down(stk, heap map[int64]int64, d int64, lgs, lgh *[]entry) {
	if d == 0 {
		return
	}
	// The map calls come first in each frame: when this frame is the one that
	// reaches the stack guard, they are the calls that re-enter through morestack.
	stk[d] = d
	delete(heap, d+3)
	*lgs = append(*lgs, entry{'s', d})
	*lgh = append(*lgh, entry{'d', d + 3})
	heap[d] = d
	if d%3 == 0 {
		delete(stk, d+1)
		*lgs = append(*lgs, entry{'d', d + 1})
	}
	*lgh = append(*lgh, entry{'s', d})
	down(stk, heap, d-1, lgs, lgh)
}

var heaps []map[int64]int64

func run(g int, depth int64, out [][]string, lens []string, wg *sync.WaitGroup) {
	defer wg.Done()
	stk := make(map[int64]int64) // stays on this goroutine's stack
	heap := make(map[int64]int64)
	heaps = append(heaps, heap) // escapes: a heap map
	lgs := make([]entry, 0, 4*depth)
	lgh := make([]entry, 0, 4*depth)
	down(stk, heap, depth, &lgs, &lgh)
	var lines []string
	for _, e := range lgs {
		lines = append(lines, fmt.Sprintf("g%d.stk %s %d", g, opName(e.op), e.key))
	}
	for _, e := range lgh {
		lines = append(lines, fmt.Sprintf("g%d.heap %s %d", g, opName(e.op), e.key))
	}
	lines = append(lines, fmt.Sprintf("len g%d.stk %d", g, len(stk)))
	lines = append(lines, fmt.Sprintf("len g%d.heap %d", g, len(heap)))
	out[g] = lines
}

func opName(b byte) string {
	if b == 's' {
		return "set"
	}
	return "del"
}

func main() {
	f, _ := os.Create(os.Args[1])
	w := bufio.NewWriter(f)
	const n = 4
	out := make([][]string, n)
	var wg sync.WaitGroup
	var mu sync.Mutex
	_ = &mu
	for g := 0; g < n; g++ {
		wg.Add(1)
		go run(g, 2000, out, nil, &wg)
	}
	wg.Wait()
	for _, lines := range out {
		for _, l := range lines {
			fmt.Fprintln(w, l)
		}
	}
	w.Flush()
	f.Close()
}
