// gomap lint corpus (hazardous): emptying a package map key by key.
// expect: GM005 GM006
package main

var pending = map[uint64]chan error{} // want GM006

func drop() {
	for id := range pending { // want GM005
		delete(pending, id)
	}
}

func add(id uint64) { pending[id] = make(chan error) }
