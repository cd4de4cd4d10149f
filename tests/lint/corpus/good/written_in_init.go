// gomap lint corpus (safe look-alike): written in init, read by goroutines.
// expect: none
package main

var names map[int]string

func init() {
	names = map[int]string{}
	names[1] = "one"
}

func Start() {
	for i := 0; i < 3; i++ {
		go func() { _ = names[1] }()
	}
}
