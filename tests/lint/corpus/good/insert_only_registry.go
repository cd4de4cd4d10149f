// gomap lint corpus (safe look-alike): a package map that only grows (no drain).
// expect: none
package main

var codecs = map[string]func([]byte) []byte{}

func Register(name string, f func([]byte) []byte) { codecs[name] = f }

func Lookup(name string) func([]byte) []byte { return codecs[name] }
