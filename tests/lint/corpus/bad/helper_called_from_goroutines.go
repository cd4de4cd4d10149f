// gomap lint corpus (hazardous): a helper writes a package map; it is called from two goroutines.
// expect: GM001
package main

var index = map[string]int{}

func put(k string, v int) { index[k] = v } // want GM001

func worker(ks []string) {
	for i, k := range ks {
		put(k, i)
	}
}

func Build(a, b []string) {
	go worker(a)
	go worker(b)
}
