// gomap lint corpus (safe look-alike): seed 001 §4.3: a sharded map of sync.Maps.
// expect: none
package main

import "sync"

type ShardedMap struct{ shards []*sync.Map }

func fnv32a(s string) uint32 {
	h := uint32(2166136261)
	for i := 0; i < len(s); i++ {
		h ^= uint32(s[i])
		h *= 16777619
	}
	return h
}

func (m *ShardedMap) shard(key string) *sync.Map {
	h := fnv32a(key)
	return m.shards[h%uint32(len(m.shards))]
}

func (m *ShardedMap) Put(k string, v int) { m.shard(k).Store(k, v) }
