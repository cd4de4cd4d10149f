// gomap lint corpus (hazardous): seed 002 §4 safeInc, called from goroutines.
// expect: GM001
package main

const MaxKeys = 131072

var stats = make(map[string]int64, MaxKeys)

func safeInc(key string) {
	if len(stats) >= MaxKeys {
		return
	}
	stats[key]++ // want GM001
}

func main() {
	for _, k := range []string{"a", "b"} {
		go safeInc(k)
	}
}
