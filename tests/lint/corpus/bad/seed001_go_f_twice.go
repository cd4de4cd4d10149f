// gomap lint corpus (hazardous): seed 001 §2.3: two goroutines run the same delete on a package map.
// expect: GM001
package main

var m = make(map[int]int)

func f() { delete(m, 1) } // want GM001

func main() {
	go f()
	go f()
}
