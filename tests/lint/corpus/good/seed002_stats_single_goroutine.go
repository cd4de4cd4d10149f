// gomap lint corpus (safe look-alike): seed 002 §4: safeInc without goroutines.
// expect: none
package main

const MaxKeys = 131072

var stats = make(map[string]int64, MaxKeys)

func safeInc(key string) {
	if len(stats) >= MaxKeys {
		return
	}
	stats[key]++
}

func main() {
	for _, k := range []string{"a", "b"} {
		safeInc(k)
	}
}
