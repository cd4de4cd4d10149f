// gomap lint corpus (safe look-alike): goroutines send results; only main writes the map.
// expect: none
package main

type result struct {
	k string
	v int
}

func gather(keys []string) map[string]int {
	ch := make(chan result)
	for _, k := range keys {
		go func() { ch <- result{k, len(k)} }()
	}
	m := map[string]int{}
	for range keys {
		r := <-ch
		m[r.k] = r.v
	}
	return m
}
