// gomap lint corpus (hazardous): for k := range m { delete(m, k) }.
// expect: GM005
package main

func reset(m map[string]int) {
	for k := range m { // want GM005
		delete(m, k)
	}
}
