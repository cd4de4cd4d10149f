"""``LockedMap``: a ``dict`` behind a readers-writer lock.

Reads (``load``, ``get``, ``in``, ``range``'s copy) share the lock; writes take it
exclusively. The lock is ``readerwriterlock``'s (``RWLockFair`` by default:
neither readers nor writers starve; ``priority="read"`` or ``"write"`` pick the
other two classic solutions). Why a library and not ``threading``: the standard
library has no readers-writer lock, and a correct fair one built from
``threading.Condition`` is exactly what the library ships, tested. Its price,
measured by ``benchmarks/bench_concurrent.py``: a read-lock acquire costs a few
plain ``Lock`` acquires in pure Python (and a lock object per acquisition: the
library's lock handles keep their holder's state, so one shared handle breaks as
soon as two readers overlap), and under the GIL readers cannot run in
parallel anyway — the lock pays off only on a free-threaded interpreter with long
reads. Every method is linearizable (its critical section is its linearization
point). ``range`` copies the entries under the read lock and calls ``f`` outside
it, so ``f`` may write to the map; it sees a consistent snapshot.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from readerwriterlock import rwlock

from gomap.companions.base import ConcurrentMap

_PRIORITIES = {"fair": rwlock.RWLockFair, "read": rwlock.RWLockRead, "write": rwlock.RWLockWrite}
_MISSING: Any = object()


class LockedMap(ConcurrentMap):
    """A dict behind a readers-writer lock; ``len`` is exact (linearizable)."""

    __slots__ = ("_d", "_lock", "priority")

    def __init__(self, *, priority: str = "fair") -> None:
        if priority not in _PRIORITIES:
            raise ValueError(f"priority must be one of {sorted(_PRIORITIES)}, not {priority!r}")
        # readerwriterlock's gen_rlock()/gen_wlock() objects carry their holder's
        # state (``v_locked``): each acquisition needs its own, never a shared one.
        self._lock = _PRIORITIES[priority]()
        self.priority = priority
        self._d: dict[Any, Any] = {}

    def load(self, key: Any) -> tuple[Any, bool]:
        """``(value, ok)`` under the read lock."""
        with self._lock.gen_rlock():
            v = self._d.get(key, _MISSING)
        return (None, False) if v is _MISSING else (v, True)

    def store(self, key: Any, value: Any) -> None:
        """Set under the write lock."""
        with self._lock.gen_wlock():
            self._d[key] = value

    def load_or_store(self, key: Any, value: Any) -> tuple[Any, bool]:
        """Go's ``LoadOrStore`` under the write lock."""
        with self._lock.gen_wlock():
            v = self._d.get(key, _MISSING)
            if v is not _MISSING:
                return v, True
            self._d[key] = value
            return value, False

    def load_and_delete(self, key: Any) -> tuple[Any, bool]:
        """Go's ``LoadAndDelete`` under the write lock."""
        with self._lock.gen_wlock():
            v = self._d.pop(key, _MISSING)
        return (None, False) if v is _MISSING else (v, True)

    def swap(self, key: Any, value: Any) -> tuple[Any, bool]:
        """Go's ``Swap`` under the write lock."""
        with self._lock.gen_wlock():
            v = self._d.get(key, _MISSING)
            self._d[key] = value
        return (None, False) if v is _MISSING else (v, True)

    def compare_and_swap(self, key: Any, old: Any, new: Any) -> bool:
        """Go's ``CompareAndSwap`` under the write lock."""
        with self._lock.gen_wlock():
            v = self._d.get(key, _MISSING)
            if v is _MISSING or v != old:
                return False
            self._d[key] = new
            return True

    def compare_and_delete(self, key: Any, old: Any) -> bool:
        """Go's ``CompareAndDelete`` under the write lock."""
        with self._lock.gen_wlock():
            v = self._d.get(key, _MISSING)
            if v is _MISSING or v != old:
                return False
            del self._d[key]
            return True

    def range(self, f: Callable[[Any, Any], Any]) -> None:
        """Call ``f`` on a snapshot copied under the read lock."""
        with self._lock.gen_rlock():
            items = list(self._d.items())
        for k, v in items:
            if f(k, v) is False:
                break

    def clear(self) -> None:
        """Empty the map under the write lock."""
        with self._lock.gen_wlock():
            self._d.clear()

    def __len__(self) -> int:
        """Exact: read under the read lock."""
        with self._lock.gen_rlock():
            return len(self._d)

    def snapshot(self) -> dict[Any, Any]:
        """A consistent copy of the contents."""
        with self._lock.gen_rlock():
            return dict(self._d)

    def new_empty(self) -> LockedMap:
        """An empty LockedMap with the same lock priority."""
        return LockedMap(priority=self.priority)

    def check_invariants(self) -> None:
        """Nothing can break a dict; checks the lock is free."""
        with self._lock.gen_wlock():
            pass
