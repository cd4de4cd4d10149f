// gomap lint corpus (hazardous): a package map written by a goroutine, read by an exported function.
// expect: GM001
package main

var config = map[string]string{}

func Watch(updates <-chan [2]string) {
	go func() {
		for u := range updates {
			config[u[0]] = u[1] // want GM001
		}
	}()
}

func Get(k string) string { return config[k] }
