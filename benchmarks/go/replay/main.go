// Command replay times a real Go map replaying an ops file: the yardstick for
// gomap's simulator (benchmarks/bench_simulate.py writes the file and runs this).
//
// Input (stdin), one op per line: "s K" (m[K] = i), "g K" (_ = m[K]), "d K"
// (delete(m, K)), "c" (clear(m)), "r" (range over m); the first line may be
// "m HINT" (make(map[int64]int64, HINT)). Output: one line, the best of -repeat
// runs of the replay loop (parsing excluded) in ns per op.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"strconv"
	"syscall"
	"time"
)

type op struct {
	code byte
	key  int64
}

var sink int64

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		panic(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func replay(hint int, ops []op) time.Duration {
	t0 := cpuTime()
	m := make(map[int64]int64, hint)
	for i, o := range ops {
		switch o.code {
		case 's':
			m[o.key] = int64(i)
		case 'g':
			sink += m[o.key]
		case 'd':
			delete(m, o.key)
		case 'c':
			clear(m)
		case 'r':
			for _, v := range m {
				sink += v
			}
		}
	}
	d := cpuTime() - t0
	sink += int64(len(m))
	return d
}

func main() {
	repeat := flag.Int("repeat", 3, "runs; the best is reported")
	flag.Parse()
	sc := bufio.NewScanner(os.Stdin)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	hint := 0
	var ops []op
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			continue
		}
		o := op{code: line[0]}
		if len(line) > 2 {
			k, err := strconv.ParseInt(line[2:], 10, 64)
			if err != nil {
				fmt.Fprintf(os.Stderr, "replay: bad line %q: %v\n", line, err)
				os.Exit(2)
			}
			o.key = k
		}
		if o.code == 'm' {
			hint = int(o.key)
			continue
		}
		ops = append(ops, o)
	}
	best := time.Duration(1<<63 - 1)
	for r := 0; r < *repeat; r++ {
		if d := replay(hint, ops); d < best {
			best = d
		}
	}
	fmt.Printf("%.1f\n", float64(best.Nanoseconds())/float64(len(ops)))
}
