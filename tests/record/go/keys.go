// keys: maps whose key equality follows pointers (a string inside a struct, an
// interface, an array of strings) and a long string key, for gomap record's tests:
// such keys are recorded by the bytes the map call sees, so they are counted as
// approximate in the ops file's header.
package main

import (
	"os"
	"strings"
)

type named struct {
	S string
	N int
}

func main() {
	a := map[named]int{}
	b := map[any]int{}
	c := map[[2]string]bool{}
	d := map[string]int{}
	for i := 0; i < 10; i++ {
		a[named{"x", i}] = i
		b[i] = i
		c[[2]string{"p", "q"}] = true
	}
	d[strings.Repeat("k", 300)] = 1
	d["short"] = 2
	f, _ := os.Create(os.Args[1])
	f.WriteString("done\n")
	f.Close()
	_ = len(a) + len(b) + len(c) + len(d)
}
