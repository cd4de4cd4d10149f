"""Safe deletion: ``delete_where`` (collect-then-delete, or delete during the range where
Go allows it) and ``VersionedMap`` (seed 001's read-only snapshot + compare-and-delete).

Deleting from a Python ``dict`` while iterating it raises ``RuntimeError``; deleting
from a Go map during ``range`` is allowed (the spec: an entry removed before it is
reached is not produced). :func:`delete_where` does what each map allows:

- ``GoMap``: one ``range``, deleting as it goes (Go's own idiom);
- a companion (``SyncMap``, ``ShardedMap``, ``COWMap``, ``LockedMap``): one ``range``
  collects ``(key, value)``, then ``compare_and_delete(key, value)`` removes each entry
  only if no other thread changed it meanwhile;
- ``VersionedMap``: a snapshot, then ``compare_and_delete(key, version)``;
- anything else: the matching keys are collected first, then deleted.

Through :func:`gomap.audit.audited` each removal is one audit record
(``op: "delete_where"``).
"""

from __future__ import annotations

import threading
import types
from collections.abc import Callable, Iterator, Mapping, MutableMapping
from typing import Any

_MISSING: Any = object()


def delete_where(mapping: MutableMapping[Any, Any], pred: Callable[[Any, Any], bool]) -> int:
    """Delete every entry for which ``pred(key, value)`` is true; return how many were
    deleted. An exception from ``pred`` stops the sweep (what was deleted stays deleted).

    >>> d = {i: i for i in range(10)}
    >>> delete_where(d, lambda k, v: v % 2 == 0)
    5
    >>> sorted(d)
    [1, 3, 5, 7, 9]
    """
    from gomap.audit.wrap import AuditedMap

    if not callable(pred):
        raise TypeError(f"delete_where needs a predicate pred(key, value) -> bool, "
                        f"not {type(pred).__name__}")
    if isinstance(mapping, AuditedMap):
        inner = mapping.wrapped
        remove: Callable[..., bool] = mapping._remove_for_delete_where
    else:
        inner = mapping
        remove = _plain_remover(mapping)
    return _sweep(inner, pred, remove)


def _sweep(inner: Any, pred: Callable[[Any, Any], bool], remove: Callable[..., bool]) -> int:
    from gomap.companions.base import ConcurrentMap
    from gomap.gomap import GoMap

    n = 0
    if isinstance(inner, GoMap):
        for k, v in inner.items():  # Go: deleting during range is allowed
            if pred(k, v) and remove(k):
                n += 1
    elif isinstance(inner, VersionedMap):
        for k, (v, ver) in inner.snapshot().items():
            if pred(k, v) and remove(k, version=ver):
                n += 1
    elif isinstance(inner, ConcurrentMap):
        for k, v in inner.items_list():
            if pred(k, v) and remove(k, value=v):
                n += 1
    else:
        for k in [k for k, v in list(inner.items()) if pred(k, v)]:
            if remove(k):
                n += 1
    return n


def _plain_remover(m: Any) -> Callable[..., bool]:
    from gomap.companions.base import ConcurrentMap
    from gomap.gomap import GoMap

    def remove(key: Any, *, value: Any = _MISSING, version: int | None = None) -> bool:
        if version is not None:
            return bool(m.compare_and_delete(key, version))
        if value is not _MISSING and isinstance(m, ConcurrentMap):
            return bool(m.compare_and_delete(key, value))
        if isinstance(m, GoMap):
            n = len(m)
            m.delete(key)
            return len(m) < n
        return m.pop(key, _MISSING) is not _MISSING

    return remove


class VersionedMap(MutableMapping[Any, Any]):
    """A thread-safe map whose every write gives the entry a new version.

    Versions come from one counter per map, so a key deleted and stored again never
    gets back a version it had (no ABA). Seed 001's protocol: take a read-only
    :meth:`snapshot` ``{key: (value, version)}``, decide outside any lock, then
    :meth:`compare_and_delete` ``(key, version)``: the entry goes only if nobody wrote
    it since the snapshot. Every method is one critical section (linearizable).

    >>> m = VersionedMap({"a": 1})
    >>> snap = m.snapshot()
    >>> v = snap["a"][1]
    >>> m["a"] = 2                       # a concurrent write...
    >>> m.compare_and_delete("a", v)     # ...so the stale delete is refused
    False
    >>> m.compare_and_delete("a", m.version("a"))
    True
    """

    def __init__(self, items: Mapping[Any, Any] | None = None) -> None:
        self._lock = threading.Lock()
        self._data: dict[Any, tuple[Any, int]] = {}
        self._clock = 0
        if items:
            for k, v in items.items():
                self.store(k, v)

    # --- versioned API ---------------------------------------------------------------------
    def store(self, key: Any, value: Any) -> int:
        """Set ``key``; returns its new version."""
        with self._lock:
            self._clock += 1
            self._data[key] = (value, self._clock)
            return self._clock

    def get_versioned(self, key: Any) -> tuple[Any, int] | None:
        """``(value, version)``, or ``None`` when absent."""
        with self._lock:
            return self._data.get(key)

    def version(self, key: Any) -> int:
        """The entry's version, 0 when absent (no entry ever has version 0)."""
        with self._lock:
            e = self._data.get(key)
            return 0 if e is None else e[1]

    def snapshot(self) -> Mapping[Any, tuple[Any, int]]:
        """A read-only copy ``{key: (value, version)}`` taken at one instant."""
        with self._lock:
            return types.MappingProxyType(dict(self._data))

    def compare_and_delete(self, key: Any, version: int) -> bool:
        """Delete ``key`` only if its version is still ``version``; report whether."""
        with self._lock:
            e = self._data.get(key)
            if e is None or e[1] != version:
                return False
            del self._data[key]
            return True

    def compare_and_store(self, key: Any, version: int, value: Any) -> int:
        """Set ``key`` only if its version is still ``version`` (0: only if absent);
        returns the new version, or 0 when refused."""
        with self._lock:
            e = self._data.get(key)
            if (e[1] if e is not None else 0) != version:
                return 0
            self._clock += 1
            self._data[key] = (value, self._clock)
            return self._clock

    def load_and_delete(self, key: Any) -> tuple[Any, bool]:
        """Delete ``key``; ``(value, True)`` if it was present, else ``(None, False)``."""
        with self._lock:
            e = self._data.pop(key, None)
            return (None, False) if e is None else (e[0], True)

    def delete(self, key: Any) -> None:
        """Delete ``key`` if present (no error when absent)."""
        self.load_and_delete(key)

    # --- MutableMapping ------------------------------------------------------------------------
    def __getitem__(self, key: Any) -> Any:
        with self._lock:
            return self._data[key][0]

    def __setitem__(self, key: Any, value: Any) -> None:
        self.store(key, value)

    def __delitem__(self, key: Any) -> None:
        with self._lock:
            del self._data[key]

    def __contains__(self, key: object) -> bool:
        with self._lock:
            return key in self._data

    def __len__(self) -> int:
        return len(self._data)

    def __iter__(self) -> Iterator[Any]:
        return iter(list(self.snapshot()))

    def pop(self, key: Any, default: Any = _MISSING) -> Any:
        """Atomic: remove ``key`` and return its value (``default`` or ``KeyError``)."""
        with self._lock:
            e = self._data.pop(key, None)
        if e is not None:
            return e[0]
        if default is _MISSING:
            raise KeyError(key)
        return default

    def popitem(self) -> tuple[Any, Any]:
        """Atomic: remove and return some ``(key, value)``."""
        with self._lock:
            if not self._data:
                raise KeyError("popitem(): map is empty")
            k, (v, _) = self._data.popitem()
            return k, v

    def clear(self) -> None:
        with self._lock:
            self._data.clear()

    def __repr__(self) -> str:
        body = {k: v for k, (v, _) in self.snapshot().items()}
        return f"VersionedMap({body!r})"
