// gomap lint corpus (hazardous): errgroup.Go closures write one map (errgroup not resolvable here: tolerated).
// expect: GM001
package main

import "golang.org/x/sync/errgroup"

func fetch(urls []string) (map[string]int, error) {
	var g errgroup.Group
	sizes := map[string]int{}
	for _, u := range urls {
		g.Go(func() error {
			sizes[u] = len(u) // want GM001
			return nil
		})
	}
	return sizes, g.Wait()
}
