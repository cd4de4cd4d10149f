"""``GoMap``: a Python mapping with Go's map semantics, over either engine.

* Deleting or inserting while iterating is allowed and follows the Go spec: no
  entry is produced twice, an entry deleted before it is reached is not produced,
  every entry present for the whole iteration is produced exactly once, and an
  entry added during the iteration may or may not be produced.
* Iteration order is randomised per iteration (reproducible with ``seed=``).
* Keys compare with ``==`` only: a NaN key never matches anything, so every NaN
  insert adds an entry that no lookup or delete can reach (``clear`` removes them).
* Concurrent misuse is detected where Go detects it and raised as a
  :class:`gomap.errors.MapFatalError` subclass.
"""

from __future__ import annotations

import contextlib
from collections.abc import (
    Callable,
    ItemsView,
    Iterable,
    Iterator,
    KeysView,
    MutableMapping,
    ValuesView,
)
from typing import Any

from gomap._engine import Engine, Observer
from gomap.hashing import DefaultHasher, Hasher, Rand, default_rand

_MISSING: Any = object()


def _engine_factory(impl: str) -> Callable[..., Engine]:
    if impl == "classic":
        from gomap.classic import HMap

        return HMap
    if impl == "swiss":
        from gomap.swiss import SwissMap

        return SwissMap  # type: ignore[no-any-return,unused-ignore]
    raise ValueError(f"unknown map implementation {impl!r}: use 'swiss' (Go ≥ 1.24) or 'classic'")


class _GoItemsView(ItemsView[Any, Any]):
    _mapping: GoMap

    def __iter__(self) -> Iterator[tuple[Any, Any]]:
        return self._mapping._pairs()


class _GoValuesView(ValuesView[Any]):
    _mapping: GoMap

    def __iter__(self) -> Iterator[Any]:
        for _, v in self._mapping._pairs():
            yield v


class GoMap(MutableMapping[Any, Any]):
    """A mutable mapping that behaves like a Go map, backed by a verified model of
    Go's runtime map.

    ``impl``: ``"swiss"`` (Go ≥ 1.24, the default) or ``"classic"`` (Go ≤ 1.23).
    ``seed``: makes hashing and every random draw (hash seed, iteration order)
    reproducible across processes. ``hint``: the size hint of ``make(map[K]V, hint)``.
    ``hasher`` ``(key, seed) -> uint64`` and ``rand`` ``() -> uint64`` replace the
    default hash and random source (the oracle uses them to replay a real run).
    ``observer`` ``(event, details)`` receives the engine's internal events.

    >>> m = GoMap(seed=1)
    >>> m["a"] = 1
    >>> m.delete("missing")          # Go's delete: no error when absent
    >>> for k in m:                  # deleting while iterating is allowed
    ...     del m[k]
    >>> len(m)
    0
    """

    __slots__ = ("_engine", "impl")

    def __init__(
        self,
        items: Iterable[tuple[Any, Any]] | MutableMapping[Any, Any] | None = None,
        *,
        impl: str = "swiss",
        seed: int | None = None,
        hint: int = 0,
        hasher: Hasher | None = None,
        rand: Rand | None = None,
        observer: Observer | None = None,
        **engine_options: Any,
    ) -> None:
        if not isinstance(hint, int) or isinstance(hint, bool):
            raise TypeError(f"hint must be an int, not {type(hint).__name__}")
        if hint < 0:
            raise ValueError(f"hint must be >= 0 (Go panics on make(map, {hint}))")
        factory = _engine_factory(impl)
        if rand is None:
            rand = default_rand(seed)
        if hasher is None:
            hasher = DefaultHasher(rand, stable=seed is not None)
        self.impl = impl
        self._engine: Engine = factory(
            hint, hasher=hasher, rand=rand, observer=observer, **engine_options
        )
        if items is not None:
            self.update(items)

    # --- the engine -----------------------------------------------------------------------
    @property
    def engine(self) -> Engine:
        """The engine (``gomap.classic.HMap`` or ``gomap.swiss.SwissMap``)."""
        return self._engine

    def snapshot(self) -> dict[str, Any]:
        """The engine's whole internal state as a JSON-serialisable dict."""
        return self._engine.snapshot()

    def check_invariants(self) -> None:
        """Raise ``InvariantError("invariant failed: ...")`` if the state is inconsistent."""
        self._engine.check_invariants()

    # --- Go operations --------------------------------------------------------------------
    def delete(self, key: Any) -> None:
        """Go's ``delete(m, key)``: removes ``key`` if present; no error when absent."""
        self._engine.delete(key)

    def lookup(self, key: Any) -> tuple[Any, bool]:
        """Go's ``v, ok := m[key]``: ``(elem, True)`` or ``(None, False)``."""
        ok, v = self._engine.lookup(key)
        return v, ok

    def clear(self) -> None:
        """Go's ``clear(m)``: removes every entry (NaN keys too); keeps the capacity."""
        self._engine.clear()

    # --- the MutableMapping contract ------------------------------------------------------
    def __getitem__(self, key: Any) -> Any:
        ok, v = self._engine.lookup(key)
        if not ok:
            raise KeyError(key)
        return v

    def get(self, key: Any, default: Any = None) -> Any:
        ok, v = self._engine.lookup(key)
        return v if ok else default

    def __contains__(self, key: object) -> bool:
        return self._engine.lookup(key)[0]

    def __setitem__(self, key: Any, value: Any) -> None:
        self._engine.assign(key, value)

    def __delitem__(self, key: Any) -> None:
        engine = self._engine
        if not engine.lookup(key)[0]:
            raise KeyError(key)
        engine.delete(key)

    def pop(self, key: Any, default: Any = _MISSING) -> Any:
        engine = self._engine
        ok, v = engine.lookup(key)
        if not ok:
            if default is _MISSING:
                raise KeyError(key)
            return default
        engine.delete(key)
        return v

    def __len__(self) -> int:
        return len(self._engine)

    def __iter__(self) -> Iterator[Any]:
        it = self._engine.iterator()
        step = it.next
        while (kv := step()) is not None:
            yield kv[0]

    def _pairs(self) -> Iterator[tuple[Any, Any]]:
        it = self._engine.iterator()
        step = it.next
        while (kv := step()) is not None:
            yield kv

    def keys(self) -> KeysView[Any]:
        return KeysView(self)

    def items(self) -> ItemsView[Any, Any]:
        return _GoItemsView(self)

    def values(self) -> ValuesView[Any]:
        return _GoValuesView(self)

    def copy(self) -> GoMap:
        """A new map of the same engine with the same entries (``maps.Clone``-like:
        sized by ``len(m)``, fresh seed; NaN keys are copied too)."""
        new = GoMap(impl=self.impl, hint=len(self))
        for k, v in self._pairs():
            new._engine.assign(k, v)
        return new

    def __repr__(self) -> str:
        pairs = list(self._pairs())
        with contextlib.suppress(TypeError):
            pairs.sort(key=lambda kv: kv[0])  # fmt prints maps sorted by key
        body = " ".join(f"{k!r}:{v!r}" for k, v in pairs)
        return f"GoMap[{self.impl}]{{map[{body}]}}"
