"""What every concurrency companion shares: Go's ``sync.Map`` vocabulary and the
``MutableMapping`` protocol built on it.

A companion implements nine atomic primitives, named after ``sync.Map``'s methods
in Python style::

    load(k) -> (value, ok)              store(k, v) -> None
    load_or_store(k, v) -> (actual, loaded)
    load_and_delete(k) -> (value, loaded)   delete(k) -> None
    swap(k, v) -> (previous, loaded)    compare_and_swap(k, old, new) -> bool
    compare_and_delete(k, old) -> bool  range(f) -> None   clear() -> None

and ``__len__``. :class:`ConcurrentMap` derives ``m[k]``, ``m[k] = v``, ``del m[k]``,
``in``, iteration, ``get``, ``pop``, ``setdefault``, ``update`` … from them, so the
Python protocol has exactly the thread-safety of the primitives underneath: every
single call is atomic (linearizable), a sequence of calls is not.

Two derived methods are *atomic* rather than check-then-act, because they map to
one primitive: ``setdefault`` is ``load_or_store`` and ``pop`` is
``load_and_delete``. ``__iter__`` collects the keys with one ``range`` first, so
mutating the map while iterating never raises.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Callable, ItemsView, Iterator, MutableMapping, ValuesView
from typing import Any

_MISSING: Any = object()


class ConcurrentMap(MutableMapping[Any, Any]):
    """Abstract base: Go's ``sync.Map`` methods plus the ``MutableMapping`` protocol."""

    __slots__ = ()

    # --- the primitives, each linearizable -------------------------------------
    @abstractmethod
    def load(self, key: Any) -> tuple[Any, bool]:
        """``(value, True)`` if ``key`` is present, else ``(None, False)``."""

    @abstractmethod
    def store(self, key: Any, value: Any) -> None:
        """Set ``key`` to ``value``."""

    @abstractmethod
    def load_or_store(self, key: Any, value: Any) -> tuple[Any, bool]:
        """``(existing, True)`` if present, else store ``value`` and return ``(value, False)``."""

    @abstractmethod
    def load_and_delete(self, key: Any) -> tuple[Any, bool]:
        """Delete ``key``; ``(previous, True)`` if it was present, else ``(None, False)``."""

    def delete(self, key: Any) -> None:
        """Delete ``key`` if present (Go's ``Delete``: no error for an absent key)."""
        self.load_and_delete(key)

    @abstractmethod
    def swap(self, key: Any, value: Any) -> tuple[Any, bool]:
        """Set ``key`` to ``value``; ``(previous, True)`` if it was present, else
        ``(None, False)``."""

    @abstractmethod
    def compare_and_swap(self, key: Any, old: Any, new: Any) -> bool:
        """Set ``key`` to ``new`` if it is present with a value ``== old``; report whether."""

    @abstractmethod
    def compare_and_delete(self, key: Any, old: Any) -> bool:
        """Delete ``key`` if it is present with a value ``== old``; report whether."""

    @abstractmethod
    def range(self, f: Callable[[Any, Any], Any]) -> None:
        """Call ``f(key, value)`` for each entry until ``f`` returns ``False``.

        Like Go's ``Range``: each key is visited at most once; a key stored or deleted
        concurrently may or may not be seen. ``f`` may call any method of the map.
        """

    @abstractmethod
    def clear(self) -> None:
        """Delete every entry."""

    @abstractmethod
    def __len__(self) -> int:
        """The number of entries; each companion documents its consistency."""

    @abstractmethod
    def new_empty(self) -> ConcurrentMap:
        """An empty map of the same kind and configuration."""

    def copy(self) -> ConcurrentMap:
        """A new map of the same kind and configuration with the entries one ``range``
        sees (a consistent copy only where ``range`` is a snapshot)."""
        new = self.new_empty()
        for k, v in self.items_list():
            new.store(k, v)
        return new

    @abstractmethod
    def check_invariants(self) -> None:
        """Raise ``AssertionError("invariant failed: ...")`` if the structure is broken.

        Meaningful only while no other thread mutates the map.
        """

    # --- the MutableMapping protocol, on the primitives -------------------------
    def __getitem__(self, key: Any) -> Any:
        value, ok = self.load(key)
        if not ok:
            raise KeyError(key)
        return value

    def __setitem__(self, key: Any, value: Any) -> None:
        self.store(key, value)

    def __delitem__(self, key: Any) -> None:
        _, loaded = self.load_and_delete(key)
        if not loaded:
            raise KeyError(key)

    def __contains__(self, key: object) -> bool:
        return self.load(key)[1]

    def get(self, key: Any, default: Any = None) -> Any:
        """``m[key]`` if present, else ``default`` (one ``load``)."""
        value, ok = self.load(key)
        return value if ok else default

    def setdefault(self, key: Any, default: Any = None) -> Any:
        """Atomic: one ``load_or_store``."""
        return self.load_or_store(key, default)[0]

    def pop(self, key: Any, default: Any = _MISSING) -> Any:
        """Atomic: one ``load_and_delete``; ``KeyError`` if absent and no default."""
        value, loaded = self.load_and_delete(key)
        if loaded:
            return value
        if default is _MISSING:
            raise KeyError(key)
        return default

    def popitem(self) -> tuple[Any, Any]:
        """Remove and return some ``(key, value)``; ``KeyError`` if empty.

        Atomic per key: a key some other thread deletes first is skipped."""
        while True:
            keys = list(self)
            if not keys:
                raise KeyError("popitem(): map is empty")
            for k in keys:
                value, loaded = self.load_and_delete(k)
                if loaded:
                    return k, value

    def items_list(self) -> list[tuple[Any, Any]]:
        """The ``(key, value)`` pairs one ``range`` saw."""
        out: list[tuple[Any, Any]] = []

        def f(k: Any, v: Any) -> bool:
            out.append((k, v))
            return True

        self.range(f)
        return out

    def __iter__(self) -> Iterator[Any]:
        return iter([k for k, _ in self.items_list()])

    def items(self) -> ItemsView[Any, Any]:
        """A view whose iteration is one ``range`` (never a ``KeyError`` under races)."""
        return _ItemsView(self)

    def values(self) -> ValuesView[Any]:
        """A view whose iteration is one ``range``."""
        return _ValuesView(self)

    def __repr__(self) -> str:
        body = " ".join(f"{k!r}:{v!r}" for k, v in self.items_list())
        return f"{type(self).__name__}[{body}]"


class _ItemsView(ItemsView[Any, Any]):
    _mapping: ConcurrentMap

    def __iter__(self) -> Iterator[tuple[Any, Any]]:
        return iter(self._mapping.items_list())

    def __contains__(self, item: object) -> bool:
        if not isinstance(item, tuple) or len(item) != 2:
            return False
        value, ok = self._mapping.load(item[0])
        return ok and (value is item[1] or value == item[1])


class _ValuesView(ValuesView[Any]):
    _mapping: ConcurrentMap

    def __iter__(self) -> Iterator[Any]:
        return iter([v for _, v in self._mapping.items_list()])
