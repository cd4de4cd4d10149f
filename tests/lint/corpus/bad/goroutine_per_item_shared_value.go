// gomap lint corpus (hazardous): goroutines started in a loop all run on one shared value.
// expect: GM001
package main

type worker struct {
	done map[int]bool
}

func (w *worker) run(id int) {
	w.done[id] = true // want GM001
}

func (w *worker) RunAll(n int) {
	for i := 0; i < n; i++ {
		go w.run(i)
	}
}
