"""``ShardedMap(shards=N)``: N dicts, each behind its own lock, picked by a seeded hash.

The shard of a key is ``hasher(key, seed) % N`` with gomap's default hasher and a
seed drawn from ``rand`` (see :mod:`gomap.hashing`; pass ``seed=`` for a
reproducible layout, ``hasher=`` to choose the hash). Operations on keys in
different shards never contend; each operation locks exactly one shard and is
linearizable. ``N`` is yours to choose (default 32).

Whole-map operations and their consistency:

* ``len(m)`` sums the shards' sizes, read one after the other without locks: exact
  when no writer runs; under concurrent writes each shard's term is exact at some
  instant during the call, but the sum need not be a size the map ever had.
* ``range(f)`` and ``items()`` / ``keys()`` / ``values()`` (the default) are
  **per-shard consistent**: each shard is copied under its lock, one shard after
  the other, and ``f`` runs outside every lock (so it may write to the map). A key
  is seen at most once; a write to an already copied shard is not seen.
* ``snapshot()`` / ``items(consistent=True)`` take every shard lock (in index
  order, so two snapshots cannot deadlock) and copy the whole map at one instant:
  a consistent snapshot, at the cost of stopping all writers for the copy.
* ``clear()`` empties the shards one at a time.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, ItemsView
from typing import Any

from gomap.companions.base import ConcurrentMap
from gomap.hashing import DefaultHasher, Hasher, Rand, default_rand

_MISSING: Any = object()


class ShardedMap(ConcurrentMap):
    """N independently locked dict shards chosen by a seeded hash."""

    __slots__ = ("_dicts", "_locks", "hasher", "seed", "shards")

    def __init__(self, shards: int = 32, *, hasher: Hasher | None = None,
                 rand: Rand | None = None, seed: int | None = None) -> None:
        if not isinstance(shards, int) or isinstance(shards, bool) or shards < 1:
            raise ValueError(f"shards must be a positive int, not {shards!r}")
        r = rand if rand is not None else default_rand(seed)
        self.hasher = hasher if hasher is not None else DefaultHasher(r, stable=seed is not None)
        self.seed = r()
        self.shards = shards
        self._dicts: list[dict[Any, Any]] = [{} for _ in range(shards)]
        self._locks = [threading.Lock() for _ in range(shards)]

    def new_empty(self) -> ShardedMap:
        """An empty map with the same shard count, hasher and seed."""
        m = ShardedMap(self.shards, hasher=self.hasher, rand=lambda: self.seed)
        return m

    def shard_of(self, key: Any) -> int:
        """The index of ``key``'s shard."""
        return self.hasher(key, self.seed) % self.shards

    def load(self, key: Any) -> tuple[Any, bool]:
        """``(value, ok)`` under the key's shard lock."""
        i = self.hasher(key, self.seed) % self.shards
        with self._locks[i]:
            v = self._dicts[i].get(key, _MISSING)
        return (None, False) if v is _MISSING else (v, True)

    def store(self, key: Any, value: Any) -> None:
        """Set under the key's shard lock."""
        i = self.hasher(key, self.seed) % self.shards
        with self._locks[i]:
            self._dicts[i][key] = value

    def load_or_store(self, key: Any, value: Any) -> tuple[Any, bool]:
        """Go's ``LoadOrStore``, atomic within the shard."""
        i = self.hasher(key, self.seed) % self.shards
        with self._locks[i]:
            d = self._dicts[i]
            v = d.get(key, _MISSING)
            if v is not _MISSING:
                return v, True
            d[key] = value
            return value, False

    def load_and_delete(self, key: Any) -> tuple[Any, bool]:
        """Go's ``LoadAndDelete``."""
        i = self.hasher(key, self.seed) % self.shards
        with self._locks[i]:
            v = self._dicts[i].pop(key, _MISSING)
        return (None, False) if v is _MISSING else (v, True)

    def swap(self, key: Any, value: Any) -> tuple[Any, bool]:
        """Go's ``Swap``."""
        i = self.hasher(key, self.seed) % self.shards
        with self._locks[i]:
            d = self._dicts[i]
            v = d.get(key, _MISSING)
            d[key] = value
        return (None, False) if v is _MISSING else (v, True)

    def compare_and_swap(self, key: Any, old: Any, new: Any) -> bool:
        """Go's ``CompareAndSwap``."""
        i = self.hasher(key, self.seed) % self.shards
        with self._locks[i]:
            d = self._dicts[i]
            v = d.get(key, _MISSING)
            if v is _MISSING or v != old:
                return False
            d[key] = new
            return True

    def compare_and_delete(self, key: Any, old: Any) -> bool:
        """Go's ``CompareAndDelete``."""
        i = self.hasher(key, self.seed) % self.shards
        with self._locks[i]:
            d = self._dicts[i]
            v = d.get(key, _MISSING)
            if v is _MISSING or v != old:
                return False
            del d[key]
            return True

    def range(self, f: Callable[[Any, Any], Any]) -> None:
        """Per-shard consistent: each shard copied under its lock, ``f`` outside locks."""
        for i in range(self.shards):
            with self._locks[i]:
                items = list(self._dicts[i].items())
            for k, v in items:
                if f(k, v) is False:
                    return

    def items(self, consistent: bool = False) -> ItemsView[Any, Any]:
        """Per-shard consistent by default; ``consistent=True``: one-instant snapshot."""
        if consistent:
            return self.snapshot().items()
        return super().items()

    def snapshot(self) -> dict[Any, Any]:
        """A consistent copy: all shard locks held (in index order) while copying."""
        for lock in self._locks:
            lock.acquire()
        try:
            out: dict[Any, Any] = {}
            for d in self._dicts:
                out.update(d)
            return out
        finally:
            for lock in reversed(self._locks):
                lock.release()

    def clear(self) -> None:
        """Empty each shard under its lock, one after the other."""
        for i in range(self.shards):
            with self._locks[i]:
                self._dicts[i].clear()

    def __len__(self) -> int:
        """Exact when quiescent; a sum of per-shard sizes read at different instants otherwise."""
        return sum(len(d) for d in self._dicts)

    def check_invariants(self) -> None:
        """Every key lives in the shard its hash picks."""
        for i, d in enumerate(self._dicts):
            for k in d:
                if self.shard_of(k) != i:
                    raise AssertionError(f"invariant failed: key {k!r} in shard {i}, "
                                         f"hashes to {self.shard_of(k)}")
