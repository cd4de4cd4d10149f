"""Concurrency companions: maps to share between threads, with Go's ``sync.Map`` API.

* :class:`SyncMap` — Go's ``sync.Map``, state-exact: ``version="1.24"`` (the
  hash-trie of Go 1.24+, default) or ``"1.23"`` (read + dirty maps).
* :class:`ShardedMap` — N independently locked shards picked by a seeded hash.
* :class:`COWMap` — copy-on-write (RCU): lock-free reads of an immutable HAMT.
* :class:`LockedMap` — a dict behind a readers-writer lock.

All implement :class:`ConcurrentMap`: ``load``, ``store``, ``load_or_store``,
``load_and_delete``, ``delete``, ``swap``, ``compare_and_swap``,
``compare_and_delete``, ``range``, ``clear``, ``len`` and ``MutableMapping``.
See docs/CONCURRENT.md for which to use when. :mod:`gomap.companions.registry` lists
them (:data:`COMPANIONS`: what each mirrors in Go, its oracle harness, which checks
and demos run on it).
"""

from gomap.companions.base import ConcurrentMap
from gomap.companions.cow import COWMap
from gomap.companions.locked import LockedMap
from gomap.companions.registry import COMPANIONS, CompanionSpec, get_companion
from gomap.companions.sharded import ShardedMap
from gomap.companions.syncmap import SyncMap

__all__ = ["COMPANIONS", "COWMap", "CompanionSpec", "ConcurrentMap", "LockedMap", "ShardedMap",
           "SyncMap", "get_companion"]
