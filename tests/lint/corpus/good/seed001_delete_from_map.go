// gomap lint corpus (safe look-alike): seed 001 §2.2: read then delete in one goroutine.
// expect: none
package main

type Node struct{ next *Node }

func deleteFromMap(m map[string]*Node, key string) {
	node := m[key]
	if node != nil {
		node.next = nil
	}
	delete(m, key)
}
