// gomap lint corpus (hazardous): a timer callback ranges while the caller writes.
// expect: GM002
package main

import "time"

func schedule(m map[string]int) {
	time.AfterFunc(time.Second, func() {
		for k := range m { // want GM002
			_ = k
		}
	})
	m["late"] = 1
}
