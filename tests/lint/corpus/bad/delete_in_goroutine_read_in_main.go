// gomap lint corpus (hazardous): a goroutine deletes while main reads.
// expect: GM001
package main

func main() {
	m := map[int]bool{1: true}
	done := make(chan bool)
	go func() {
		delete(m, 1) // want GM001
		done <- true
	}()
	_ = m[1]
	<-done
}
