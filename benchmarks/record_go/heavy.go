// heavy: a map-heavy Go program for benchmarks/bench_record.py. Two goroutines
// churn an int64-keyed and a string-keyed map: per round, set, look up and delete.
package main

import (
	"fmt"
	"os"
	"strconv"
	"sync"
)

func ints(n int, wg *sync.WaitGroup, out *int) {
	defer wg.Done()
	m := make(map[int64]int64)
	s := 0
	for i := 0; i < n; i++ {
		k := int64(i % 5000)
		m[k] = int64(i)
		if v, ok := m[k/2]; ok {
			s += int(v & 1)
		}
		if i%2 == 1 {
			delete(m, int64((i*7)%5000))
		}
	}
	*out = s + len(m)
}

func strs(n int, wg *sync.WaitGroup, out *int) {
	defer wg.Done()
	keys := make([]string, 2000)
	for i := range keys {
		keys[i] = "k" + strconv.Itoa(i)
	}
	m := make(map[string]int)
	s := 0
	for i := 0; i < n; i++ {
		m[keys[i%2000]] = i
		s += m[keys[(i*3)%2000]]
		if i%2 == 1 {
			delete(m, keys[(i*11)%2000])
		}
	}
	*out = s + len(m)
}

func main() {
	n, _ := strconv.Atoi(os.Args[1])
	var wg sync.WaitGroup
	var a, b int
	wg.Add(2)
	go ints(n, &wg, &a)
	go strs(n, &wg, &b)
	wg.Wait()
	fmt.Println(a, b)
}
