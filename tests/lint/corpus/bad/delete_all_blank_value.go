// gomap lint corpus (hazardous): for k, _ := range s.m { delete(s.m, k) } on a field.
// expect: GM005
package main

type Set struct{ m map[int]struct{} }

func (s *Set) Clear() {
	for k, _ := range s.m { // want GM005
		delete(s.m, k)
	}
}
