// gomap lint corpus (hazardous): a goroutine closure in a method writes the field map; another method reads it.
// expect: GM001
package main

type Cache struct {
	data map[string][]byte
}

func (c *Cache) Prefetch(keys []string) {
	go func() {
		for _, k := range keys {
			c.data[k] = []byte(k) // want GM001
		}
	}()
}

func (c *Cache) Get(k string) []byte { return c.data[k] }
