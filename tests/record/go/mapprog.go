// mapprog: a small Go program that logs every map operation it makes, for
// gomap's `record` tests. Each log line is "MAP OP [KEY]" in the ops-file
// spelling; "len MAP N" gives a map's final length. Struct keys are logged as
// the index of their first appearance in that map (the ops file's n-th value).
//
// Maps: int64 (fast64), int32 (fast32), string (faststr), a struct (generic),
// some heap, some on the goroutine stack (moved by forced stack growth), several
// goroutines, maps created and dropped in a loop, one map shared under a mutex.
package main

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"sync"
)

type logger struct {
	mu sync.Mutex
	w  *bufio.Writer
}

func (l *logger) op(m, op string, key string) {
	l.mu.Lock()
	if key == "" {
		fmt.Fprintf(l.w, "%s %s\n", m, op)
	} else {
		fmt.Fprintf(l.w, "%s %s %s\n", m, op, key)
	}
	l.mu.Unlock()
}

func (l *logger) length(m string, n int) {
	l.mu.Lock()
	fmt.Fprintf(l.w, "len %s %d\n", m, n)
	l.mu.Unlock()
}

var lg logger

type pt struct {
	A int32
	B int64
	C [2]uint16
}

var heapSink []map[int64]int64

//go:noinline
func deep(n int, f func()) int {
	var pad [64]byte
	pad[n%64] = byte(n)
	if n == 0 {
		f()
		return int(pad[0])
	}
	return deep(n-1, f) + int(pad[n%64])
}

// stackMap keeps a small map on this goroutine's stack and grows the stack
// between operations, so the map header moves.
//
//go:noinline
func stackMap(name string, seed int64) {
	m := make(map[int64]int64) // does not escape: on the stack
	for i := int64(0); i < 40; i++ {
		k := seed + i*7
		m[k] = i
		lg.op(name, "set", strconv.FormatInt(k, 10))
		if i%10 == 9 {
			growAndDelete(m, name, seed+(i-3)*7, int(i)*20)
		}
	}
	lg.length(name, len(m))
}

//go:noinline
func growAndDelete(m map[int64]int64, name string, k int64, depth int) {
	var pad [256]byte
	pad[depth%256] = 1
	if depth > 0 {
		growAndDelete(m, name, k, depth-1)
		return
	}
	delete(m, k)
	lg.op(name, "del", strconv.FormatInt(k, 10))
}

func intMaps(gid int, wg *sync.WaitGroup) {
	defer wg.Done()
	for round := 0; round < 4; round++ {
		name := fmt.Sprintf("i64.g%d.r%d", gid, round)
		m := make(map[int64]int64, 16*(round+1))
		lg.op(name, "make", strconv.Itoa(16*(round+1)))
		base := int64(gid*100000 + round*1000)
		for i := int64(0); i < 150; i++ {
			m[base+i] = i
			lg.op(name, "set", strconv.FormatInt(base+i, 10))
			if i%3 == 0 {
				delete(m, base+i/2)
				lg.op(name, "del", strconv.FormatInt(base+i/2, 10))
			}
			if i%25 == 0 {
				_ = deep(int(i)%40, func() {})
				runtime.Gosched()
			}
			if v, ok := m[base+i-1]; ok && v < 0 {
				panic("unreachable")
			}
			lg.op(name, "get", strconv.FormatInt(base+i-1, 10))
		}
		n := 0
		for range m {
			n++
		}
		lg.op(name, "iter", "")
		lg.length(name, len(m))
		if round == 2 {
			heapSink = append(heapSink, m) // escapes for good
		}
	}
	stackMap(fmt.Sprintf("stk.g%d", gid), int64(gid)*1000000)
}

func int32Map(wg *sync.WaitGroup) {
	defer wg.Done()
	m := map[int32]string{}
	lg.op("i32", "make", "0")
	for i := int32(-50); i < 120; i++ {
		m[i] = "x"
		lg.op("i32", "set", strconv.Itoa(int(i)))
		if i%4 == 0 {
			delete(m, i-8)
			lg.op("i32", "del", strconv.Itoa(int(i-8)))
		}
	}
	clear(m)
	lg.op("i32", "clear", "")
	for i := int32(0); i < 10; i++ {
		m[i*i] = "y"
		lg.op("i32", "set", strconv.Itoa(int(i*i)))
	}
	lg.length("i32", len(m))
	runtime.KeepAlive(m)
}

func stringMap(wg *sync.WaitGroup, shared map[string]int, smu *sync.Mutex) {
	defer wg.Done()
	m := make(map[string]int, 100)
	lg.op("str", "make", "100")
	for i := 0; i < 200; i++ {
		k := "key-" + strconv.Itoa(i*37%211)
		if i%17 == 0 {
			k = "" // the empty string is a key too
		}
		m[k] = i
		lg.op("str", "set", strconv.Quote(k))
		if i%5 == 0 {
			d := "key-" + strconv.Itoa(i*11%211)
			delete(m, d)
			lg.op("str", "del", strconv.Quote(d))
		}
		if i%10 == 0 {
			smu.Lock()
			sk := fmt.Sprintf("s%d", i%30)
			shared[sk]++
			lg.op("shared", "set", strconv.Quote(sk))
			smu.Unlock()
		}
	}
	lg.length("str", len(m))
}

func structMap(wg *sync.WaitGroup, shared map[string]int, smu *sync.Mutex) {
	defer wg.Done()
	m := make(map[pt]bool)
	lg.op("pt", "make", "0")
	var seen []pt // not a map: every map of package main is logged
	idx := func(p pt) string {
		for n, q := range seen {
			if q == p {
				return strconv.Itoa(n)
			}
		}
		seen = append(seen, p)
		return strconv.Itoa(len(seen) - 1)
	}
	for i := 0; i < 120; i++ {
		p := pt{A: int32(i % 13), B: int64(i % 7), C: [2]uint16{uint16(i % 3), 9}}
		m[p] = true
		lg.op("pt", "set", idx(p))
		if i%6 == 5 {
			q := pt{A: int32((i - 2) % 13), B: int64((i - 2) % 7), C: [2]uint16{uint16((i - 2) % 3), 9}}
			delete(m, q)
			lg.op("pt", "del", idx(q))
		}
		if i%20 == 0 {
			smu.Lock()
			sk := fmt.Sprintf("s%d", i%30)
			delete(shared, sk)
			lg.op("shared", "del", strconv.Quote(sk))
			smu.Unlock()
		}
	}
	lg.length("pt", len(m))
}

func main() {
	f, err := os.Create(os.Args[1])
	if err != nil {
		panic(err)
	}
	lg.w = bufio.NewWriter(f)
	if len(os.Args) > 2 {
		// wait for the recorder: read one line from stdin
		var s string
		fmt.Fscanln(os.Stdin, &s)
	}
	shared := make(map[string]int)
	lg.op("shared", "make", "0")
	var smu sync.Mutex
	var wg sync.WaitGroup
	for g := 0; g < 3; g++ {
		wg.Add(1)
		go intMaps(g, &wg)
	}
	wg.Add(3)
	go int32Map(&wg)
	go stringMap(&wg, shared, &smu)
	go structMap(&wg, shared, &smu)
	wg.Wait()
	lg.length("shared", len(shared))
	lg.w.Flush()
	f.Close()
}
