// gomap lint corpus (hazardous): a worker pool writes results into a package map.
// expect: GM001
package main

var results = map[int]int{}

func worker(jobs <-chan int) {
	for j := range jobs {
		results[j] = j * 2 // want GM001
	}
}

func Run(n int, jobs <-chan int) {
	for i := 0; i < n; i++ {
		go worker(jobs)
	}
}
