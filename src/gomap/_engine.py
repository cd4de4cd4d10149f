"""The contract every engine meets, so that :class:`gomap.GoMap`, the oracle drivers,
the simulator and the tracer drive the classic and the Swiss engine alike.

An engine is one Go map: it stores Python objects as keys and elems, compares keys
with ``==`` only (never identity, so a NaN key never matches), and mirrors the Go
runtime's state exactly given the same hashes and random draws. Which engines
exist, and which Go release each follows, is the registry's business
(:mod:`gomap.engines`); nothing above this contract asks an engine for its name.

Events: every engine is an :class:`gomap.events.EventSource`; the events and their
fields are declared in :data:`gomap.events.EVENTS`.

``snapshot()``: one JSON-serialisable dict. Every engine's snapshot starts with the
common part (:data:`SNAPSHOT_COMMON`) and adds its own (classic: ``count``,
``flags``, ``B``, ``noverflow``, ``hash0``, ``nevacuate``, ``buckets``,
``oldbuckets``, ...; Swiss: ``used``, ``global_depth``, ``directory``, ``tables``,
... — see docs/ARCHITECTURE.md and docs/SWISS.md).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from gomap.events import Observer

SNAPSHOT_COMMON = ("impl", "go", "entries", "seed", "writing")
"""The keys every snapshot has: the engine's registry name, the Go release it
mirrors, the number of entries (``len(m)``), the hash seed (classic ``hash0``,
Swiss ``seed``) and Go's writing flag."""


@dataclass
class MapStats:
    """Capacity and occupancy, one definition per engine (``Engine.stats``)."""

    entries: int
    """``len(m)``."""
    capacity: int
    """Slots of the main storage: classic ``8 * 2^B`` (0 before the first bucket),
    Swiss the slots of every table, or the small map's 8."""
    overflow_buckets: int | None
    """Classic: overflow buckets chained into the current array (pre-allocated or
    not). Swiss: ``None`` (it has none)."""
    tombstones: int | None
    """Deleted slots still holding their place: classic ``emptyOne`` cells of the
    current array (``None`` unless ``deep``: it walks every chain), Swiss
    ``ctrlDeleted`` slots (from the tables' counters)."""
    growing: bool
    """Classic: an incremental growth is in progress. Swiss: always ``False``."""
    shape: dict[str, int] = field(default_factory=dict)
    """The engine's own size figures: classic ``B``, ``noverflow``; Swiss
    ``dir_len``, ``tables``."""


def directory_stats(m: Any) -> MapStats:
    """A Swiss map's :class:`MapStats`, from what both Swiss engines (the Python one
    and the native one) expose: ``used``, ``dir_len``, ``small`` and ``directory``, a
    sequence of tables (a table spans consecutive entries) with ``capacity`` and
    ``tombstones()``. Tombstones come from each table's counters, so the figures cost
    one pass over the directory."""
    capacity = tombstones = tables = 0
    last = None
    for t in m.directory:
        if t is not last:
            capacity += t.capacity
            tombstones += t.tombstones()
            tables += 1
            last = t
    if m.dir_len == 0 and m.small is not None:
        capacity = 8  # the small map's one group of 8 slots
    return MapStats(entries=m.used, capacity=capacity, overflow_buckets=None,
                    tombstones=tombstones, growing=False,
                    shape={"dir_len": m.dir_len, "tables": tables})


class EngineIter(Protocol):
    """One Go iterator (``hiter`` / ``maps.Iter``), stepped by :meth:`next`."""

    def next(self) -> tuple[Any, Any] | None:
        """The next (key, elem) pair, or ``None`` once the iteration is over."""
        ...


class Engine(Protocol):
    """What :class:`gomap.GoMap` and the layers above need of an engine."""

    impl: str

    def __len__(self) -> int: ...

    def lookup(self, key: Any) -> tuple[bool, Any]:
        """``v, ok := m[key]`` (mapaccess2): ``(ok, v)``; ``(False, None)`` if absent."""
        ...

    def assign(self, key: Any, elem: Any) -> None:
        """``m[key] = elem`` (mapassign)."""
        ...

    def delete(self, key: Any) -> None:
        """``delete(m, key)`` (mapdelete): no error when absent."""
        ...

    def clear(self) -> None:
        """``clear(m)`` (mapclear / Map.Clear)."""
        ...

    def iterator(self) -> EngineIter:
        """``for k, v := range m``: mapiterinit / Iter.Init."""
        ...

    def subscribe(self, fn: Observer, events: Iterable[str] | None = None) -> Observer:
        """Call ``fn(event, details)`` at every internal event (or at those named in
        ``events`` only); returns ``fn``."""
        ...

    def unsubscribe(self, fn: Observer) -> None:
        """Stop calling ``fn``."""
        ...

    def stats(self, deep: bool = False) -> MapStats:
        """Capacity and occupancy; ``deep`` adds the figures that need a full walk."""
        ...

    def snapshot(self) -> dict[str, Any]:
        """The whole internal state as a JSON-serialisable dict."""
        ...

    def check_invariants(self) -> None:
        """Raise :class:`gomap.errors.InvariantError` when the state is inconsistent."""
        ...
