"""Go 1.23's ``sync.Map`` (``src/sync/map.go``), state-exact, thread-safe in Python.

The design (Go's own words, shortened): the map keeps two Go maps. ``read`` is a
``readOnly{m, amended}`` published through an atomic pointer; loads, and stores to
keys already in it, need no lock. ``dirty`` holds the keys added since ``read``
was last replaced, plus every non-expunged key of ``read``; it is guarded by
``mu``. Both maps point to the *same* ``entry`` objects, so an update through
``read`` is an update of ``dirty`` too.

An entry's ``p`` is in one of three states:

* a value (Go: a non-nil ``*any``) — the key is present;
* ``nil`` — deleted; the entry still sits in ``read.m`` (and in ``dirty`` if
  ``dirty != nil``) and can be revived by a lock-free store;
* ``expunged`` — deleted, *and* ``dirty != nil`` and the key is not in ``dirty``.
  ``dirtyLocked`` turns every ``nil`` entry into ``expunged`` when it copies
  ``read`` into a fresh ``dirty``; a store to an expunged key must take ``mu``,
  ``unexpungeLocked`` it and put it back into ``dirty``.

Every lookup that misses ``read`` but has to look in ``dirty`` (``amended``)
counts a *miss*; ``missLocked`` promotes ``dirty`` to ``read`` (``dirty`` becomes
``nil``) once ``misses >= len(dirty)``. ``Range`` promotes an amended ``dirty``
first so that it can iterate one map lock-free.

Modelling Go's primitives in Python:

* ``mu`` is a ``threading.Lock``.
* An atomic pointer load or store (``read.Load()``, ``read.Store()``, reading
  ``e.p``) is a plain attribute access, which is atomic in CPython.
* ``CompareAndSwap`` and ``Swap`` on ``e.p`` run under ``_atomic``, one lock per
  map standing for the hardware's atomicity. The length counter changes inside
  the same critical section, so :meth:`SyncMap123.__len__` is exact at a
  linearization point.
* Boxes (:class:`_Box`) play Go's ``*any``: ``CompareAndSwap(p, ...)`` compares
  pointers, so the model compares boxes by identity.

Python names follow Go's: ``load_read_only``, ``miss_locked``, ``dirty_locked``,
``try_expunge_locked``, ``unexpunge_locked``, ``try_load_or_store``, ``try_swap``…
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from gomap.companions.syncmap import SyncMap
from gomap.versions import pinned_release

GO_VERSION = pinned_release("syncmap123")
"""The Go release whose ``src/sync/map.go`` this follows (and whose toolchain builds
its oracle harness)."""


class _Box:
    """Go's ``*any``: a pointer to one stored value; compared by identity."""

    __slots__ = ("v",)

    def __init__(self, v: Any) -> None:
        self.v = v


expunged: Any = _Box(None)
"""``var expunged = new(any)``: marks entries deleted from the dirty map."""


class _Counter:
    """The live-entry count of one generation of the map (``Clear`` starts a new one,
    so stores racing a ``Clear`` into detached entries cannot skew ``len``)."""

    __slots__ = ("n",)

    def __init__(self) -> None:
        self.n = 0


class entry:
    """``type entry struct { p atomic.Pointer[any] }``: one slot of the map."""

    __slots__ = ("count", "p")

    def __init__(self, p: Any, count: _Counter) -> None:
        self.p = p  # a _Box (present), None (nil: deleted) or expunged
        self.count = count

    def load(self) -> tuple[Any, bool]:
        p = self.p
        if p is None or p is expunged:
            return None, False
        return p.v, True


class readOnly:
    """``type readOnly struct { m map[any]*entry; amended bool }`` — immutable once published."""

    __slots__ = ("amended", "m")

    def __init__(self, m: dict[Any, entry] | None = None, amended: bool = False) -> None:
        self.m: dict[Any, entry] = m if m is not None else {}
        self.amended = amended  # true if the dirty map contains some key not in m


def _live(p: Any) -> int:
    return 0 if p is None or p is expunged else 1


class SyncMap123(SyncMap):
    """Go 1.23's ``sync.Map``: read-only map + dirty map + misses + expunged entries.

    ``len(m)`` is exact at a linearization point and O(1): a counter updated in
    the same atomic step as every change of an entry's presence.
    """

    __slots__ = ("_atomic", "_count", "dirty", "misses", "mu", "read")

    version = "1.23"

    def __init__(self) -> None:
        self.mu = threading.Lock()
        self._atomic = threading.Lock()
        self.read: readOnly | None = None  # atomic.Pointer[readOnly]; nil until first write
        self.dirty: dict[Any, entry] | None = None
        self.misses = 0
        self._count = _Counter()

    # --- atomics on entry.p ------------------------------------------------------
    def _cas(self, e: entry, old: Any, new: Any) -> bool:
        with self._atomic:
            if e.p is not old:
                return False
            e.p = new
            e.count.n += _live(new) - _live(old)
            return True

    def _swap(self, e: entry, new: Any) -> Any:
        with self._atomic:
            old = e.p
            e.p = new
            e.count.n += _live(new) - _live(old)
            return old

    def _new_entry_locked(self, key: Any, value: Any) -> None:
        """``m.dirty[key] = newEntry(value)`` (under ``mu``), counted atomically."""
        assert self.dirty is not None
        with self._atomic:
            self.dirty[key] = entry(_Box(value), self._count)
            self._count.n += 1

    def load_read_only(self) -> readOnly:
        p = self.read
        return p if p is not None else readOnly()

    # --- the API -------------------------------------------------------------------
    def load(self, key: Any) -> tuple[Any, bool]:
        """Go's ``Load``. Lock-free when ``key`` is in ``read`` or nothing is amended."""
        read = self.load_read_only()
        e = read.m.get(key)
        if e is None and read.amended:
            with self.mu:
                read = self.load_read_only()
                e = read.m.get(key)
                if e is None and read.amended:
                    assert self.dirty is not None
                    e = self.dirty.get(key)
                    # Regardless of whether the entry was present, record a miss.
                    self.miss_locked()
        if e is None:
            return None, False
        return e.load()

    def store(self, key: Any, value: Any) -> None:
        """Go's ``Store`` (``Swap`` with the result dropped)."""
        self.swap(key, value)

    def clear(self) -> None:
        """Go's ``Clear``: publish an empty ``read``, ``clear(m.dirty)``, ``misses = 0``."""
        read = self.load_read_only()
        if len(read.m) == 0 and not read.amended:
            return
        with self.mu:
            read = self.load_read_only()
            if len(read.m) > 0 or read.amended:
                self.read = readOnly()
            with self._atomic:
                if self.dirty is not None:
                    self.dirty.clear()  # Go's clear(m.dirty): the map stays non-nil
                self._count = _Counter()
            self.misses = 0

    def try_compare_and_swap(self, e: entry, old: Any, new: Any) -> bool:
        """``tryCompareAndSwap``: CAS ``e``'s value from ``old`` to ``new`` unless it is
        nil or expunged."""
        p = e.p
        if p is None or p is expunged or p.v != old:
            return False
        nc = _Box(new)
        while True:
            if self._cas(e, p, nc):
                return True
            p = e.p
            if p is None or p is expunged or p.v != old:
                return False

    def unexpunge_locked(self, e: entry) -> bool:
        """``unexpungeLocked``: expunged -> nil; true if it was expunged."""
        return self._cas(e, expunged, None)

    def _unexpunge_into_dirty_locked(self, key: Any, e: entry) -> None:
        """Go's ``if e.unexpungeLocked() { m.dirty[key] = e }``, in the other order.

        Only holders of ``mu`` change an entry from or to expunged, and ``dirty`` is
        read only under ``mu``, so inserting first is unobservable — and if the key's
        ``__hash__``/``__eq__`` raise during the insert, nothing has changed yet."""
        if e.p is expunged:
            assert self.dirty is not None
            self.dirty[key] = e
            if not self.unexpunge_locked(e):
                raise AssertionError("invariant failed: expunged entry changed without mu")

    def load_or_store(self, key: Any, value: Any) -> tuple[Any, bool]:
        """Go's ``LoadOrStore``."""
        read = self.load_read_only()
        e = read.m.get(key)
        if e is not None:
            actual, loaded, ok = self.try_load_or_store(e, value)
            if ok:
                return actual, loaded
        with self.mu:
            read = self.load_read_only()
            e = read.m.get(key)
            if e is not None:
                self._unexpunge_into_dirty_locked(key, e)
                actual, loaded, _ = self.try_load_or_store(e, value)
            elif self.dirty is not None and key in self.dirty:
                actual, loaded, _ = self.try_load_or_store(self.dirty[key], value)
                self.miss_locked()
            else:
                if not read.amended:
                    # We're adding the first new key to the dirty map.
                    self.dirty_locked()
                    self.read = readOnly(read.m, True)
                self._new_entry_locked(key, value)
                actual, loaded = value, False
        return actual, loaded

    def try_load_or_store(self, e: entry, i: Any) -> tuple[Any, bool, bool]:
        """``tryLoadOrStore``: ``(actual, loaded, ok)``; not ok if ``e`` is expunged."""
        p = e.p
        if p is expunged:
            return None, False, False
        if p is not None:
            return p.v, True, True
        ic = _Box(i)
        while True:
            if self._cas(e, None, ic):
                return i, False, True
            p = e.p
            if p is expunged:
                return None, False, False
            if p is not None:
                return p.v, True, True

    def load_and_delete(self, key: Any) -> tuple[Any, bool]:
        """Go's ``LoadAndDelete`` (atomic: the returned value is the one deleted)."""
        read = self.load_read_only()
        e = read.m.get(key)
        if e is None and read.amended:
            with self.mu:
                read = self.load_read_only()
                e = read.m.get(key)
                if e is None and read.amended:
                    assert self.dirty is not None
                    e = self.dirty.pop(key, None)
                    # Regardless of whether the entry was present, record a miss.
                    self.miss_locked()
        if e is not None:
            return self.entry_delete(e)
        return None, False

    def entry_delete(self, e: entry) -> tuple[Any, bool]:
        """``entry.delete``: value -> nil."""
        while True:
            p = e.p
            if p is None or p is expunged:
                return None, False
            if self._cas(e, p, None):
                return p.v, True

    def try_swap(self, e: entry, i: _Box) -> tuple[Any, bool]:
        """``trySwap``: swap unless expunged; ``(old pointer, ok)``."""
        while True:
            p = e.p
            if p is expunged:
                return None, False
            if self._cas(e, p, i):
                return p, True

    def swap(self, key: Any, value: Any) -> tuple[Any, bool]:
        """Go's ``Swap``."""
        box = _Box(value)
        read = self.load_read_only()
        e = read.m.get(key)
        if e is not None:
            v, ok = self.try_swap(e, box)
            if ok:
                if v is None:
                    return None, False
                return v.v, True
        previous: Any = None
        loaded = False
        with self.mu:
            read = self.load_read_only()
            e = read.m.get(key)
            if e is not None:
                # If the entry was expunged, there is a non-nil dirty map and this entry
                # is not in it: put it back.
                self._unexpunge_into_dirty_locked(key, e)
                v = self._swap(e, box)
                if v is not None:
                    loaded, previous = True, v.v
            elif self.dirty is not None and key in self.dirty:
                v = self._swap(self.dirty[key], box)
                if v is not None:
                    loaded, previous = True, v.v
            else:
                if not read.amended:
                    self.dirty_locked()
                    self.read = readOnly(read.m, True)
                self._new_entry_locked(key, value)
        return previous, loaded

    def compare_and_swap(self, key: Any, old: Any, new: Any) -> bool:
        """Go's ``CompareAndSwap``."""
        read = self.load_read_only()
        e = read.m.get(key)
        if e is not None:
            return self.try_compare_and_swap(e, old, new)
        if not read.amended:
            return False  # No existing value for key.
        with self.mu:
            read = self.load_read_only()
            swapped = False
            e = read.m.get(key)
            if e is not None:
                swapped = self.try_compare_and_swap(e, old, new)
            elif self.dirty is not None and key in self.dirty:
                swapped = self.try_compare_and_swap(self.dirty[key], old, new)
                # We needed to lock mu in order to load the entry for key, and the
                # operation didn't change the set of keys in the map (so it would be
                # made more efficient by promoting the dirty map to read-only).
                self.miss_locked()
        return swapped

    def compare_and_delete(self, key: Any, old: Any) -> bool:
        """Go's ``CompareAndDelete``."""
        read = self.load_read_only()
        e = read.m.get(key)
        if e is None and read.amended:
            with self.mu:
                read = self.load_read_only()
                e = read.m.get(key)
                if e is None and read.amended:
                    assert self.dirty is not None
                    e = self.dirty.get(key)
                    self.miss_locked()
        while e is not None:
            p = e.p
            if p is None or p is expunged or p.v != old:
                return False
            if self._cas(e, p, None):
                return True
        return False

    def range(self, f: Callable[[Any, Any], Any]) -> None:
        """Go's ``Range``: promote an amended dirty map, then walk ``read.m`` lock-free."""
        read = self.load_read_only()
        if read.amended:
            with self.mu:
                read = self.load_read_only()
                if read.amended:
                    assert self.dirty is not None
                    read = readOnly(self.dirty)
                    self.read = read
                    self.dirty = None
                    self.misses = 0
        for k, e in list(read.m.items()):
            v, ok = e.load()
            if not ok:
                continue
            if f(k, v) is False:
                break

    def miss_locked(self) -> None:
        """``missLocked``: count a miss; promote ``dirty`` once misses >= len(dirty)."""
        self.misses += 1
        if self.dirty is not None and self.misses < len(self.dirty):
            return
        self.read = readOnly(self.dirty)
        self.dirty = None
        self.misses = 0

    def dirty_locked(self) -> None:
        """``dirtyLocked``: copy ``read.m`` into a new ``dirty``, expunging nil entries."""
        if self.dirty is not None:
            return
        read = self.load_read_only()
        dirty: dict[Any, entry] = {}
        done: list[entry] = []
        try:
            for k, e in read.m.items():
                if self.try_expunge_locked(e):
                    done.append(e)  # (dirty is nil, so nothing in read was expunged yet)
                else:
                    dirty[k] = e  # a key's __eq__ may raise here (colliding hashes)
        except BaseException:
            # Not in Go (its keys cannot fail): undo the expunges, leave dirty nil.
            for e in done:
                self._cas(e, expunged, None)
            raise
        self.dirty = dirty

    def try_expunge_locked(self, e: entry) -> bool:
        """``tryExpungeLocked``: nil -> expunged; true if the entry is (now) expunged."""
        p = e.p
        while p is None:
            if self._cas(e, None, expunged):
                return True
            p = e.p
        return p is expunged

    def __len__(self) -> int:
        """Exact at a linearization point (an O(1) counter, see the module docstring)."""
        return self._count.n

    def new_empty(self) -> SyncMap123:
        """An empty map of the same version."""
        return SyncMap123()

    # --- introspection ------------------------------------------------------------
    def snapshot(self) -> dict[str, Any]:
        """The state Go's harness reads with unsafe: ``read`` (key -> state),
        ``amended``, ``dirty`` (``None`` for a nil map, else key -> state, with
        ``shared`` true when the entry is the same object as in ``read``), ``misses``.
        A state is ``["value", v]``, ``["nil"]`` or ``["expunged"]``."""
        with self.mu:
            read = self.load_read_only()

            def state(e: entry) -> list[Any]:
                p = e.p
                if p is None:
                    return ["nil"]
                if p is expunged:
                    return ["expunged"]
                return ["value", p.v]

            dirty = None
            if self.dirty is not None:
                dirty = {
                    k: [*state(e), read.m.get(k) is e] for k, e in self.dirty.items()
                }
            return {
                "version": "1.23",
                "read": {k: state(e) for k, e in read.m.items()},
                "amended": read.amended,
                "dirty": dirty,
                "misses": self.misses,
            }

    def check_invariants(self) -> None:
        """Go's invariants of map.go (call while no other thread mutates the map)."""
        def fail(msg: str) -> None:
            raise AssertionError(f"invariant failed: {msg}")

        read = self.load_read_only()
        dirty = self.dirty
        if dirty is None:
            if read.amended:
                fail("amended but dirty is nil")
            if self.misses != 0:
                fail(f"misses={self.misses} with a nil dirty map")
        else:
            if self.misses != 0 and self.misses >= len(dirty):
                fail(f"misses={self.misses} >= len(dirty)={len(dirty)} without promotion")
            if not read.amended and not set(dirty) <= set(read.m):
                fail("dirty has keys not in read but amended is false")
        for k, e in read.m.items():
            if e.p is expunged:
                if dirty is None:
                    fail(f"key {k!r} expunged while dirty is nil")
                elif k in dirty:
                    fail(f"expunged key {k!r} is in dirty")
            elif dirty is not None and dirty.get(k) is not e:
                fail(f"non-expunged key {k!r} of read is not the same entry in dirty")
        live: dict[Any, entry] = {k: e for k, e in read.m.items() if _live(e.p)}
        for k, e in (dirty or {}).items():
            if e.p is expunged:
                fail(f"dirty holds an expunged entry for {k!r}")
            if _live(e.p):
                live[k] = e
        for e in live.values():
            if e.count is not self._count:
                fail("a reachable entry counts into a stale generation")
        if len(live) != self._count.n:
            fail(f"len counter {self._count.n} but {len(live)} live entries")
