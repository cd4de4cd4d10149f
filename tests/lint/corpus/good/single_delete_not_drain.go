// gomap lint corpus (safe look-alike): deletes one key at a time, not in a sweep.
// expect: none
package main

var conns = map[int]string{}

func Open(id int) { conns[id] = "open" }

func Close(id int) { delete(conns, id) }
