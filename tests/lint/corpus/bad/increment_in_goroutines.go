// gomap lint corpus (hazardous): m[k]++ from goroutines started in a loop.
// expect: GM001
package main

var hits = map[string]int{}

func record(paths []string) {
	for _, p := range paths {
		go func() {
			hits[p]++ // want GM001
		}()
	}
}
