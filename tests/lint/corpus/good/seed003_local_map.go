// gomap lint corpus (safe look-alike): seed 003 §3.2: a local map.
// expect: none
package main

func localMap() {
	m := make(map[string]int)
	m["key"] = 42
}
