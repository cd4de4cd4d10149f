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
    ItemsView,
    Iterable,
    Iterator,
    KeysView,
    MutableMapping,
    ValuesView,
)
from typing import TYPE_CHECKING, Any

from gomap._engine import Engine, MapStats
from gomap.engines import DEFAULT_ENGINE, get_engine
from gomap.events import Observer
from gomap.hashing import DefaultHasher, Hasher, Rand, default_rand
from gomap.versions import GoBehaviour, go_behaviour

if TYPE_CHECKING:
    from gomap.memory import MemoryStats

_MISSING: Any = object()


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
    ``go``: the Go release to model, ``"1.21"`` through ``"1.27"`` or an exact
    release such as ``"1.24.11"`` (default: 1.27.3 for swiss, 1.23.9 for classic);
    without ``impl`` it picks that release's default map, and ``go="1.24",
    impl="classic"`` is the ``GOEXPERIMENT=noswissmap`` build (docs/VERSIONS.md).
    ``seed``: makes hashing and every random draw (hash seed, iteration order)
    reproducible across processes. ``hint``: the size hint of ``make(map[K]V, hint)``.
    ``hasher`` ``(key, seed) -> uint64`` and ``rand`` ``() -> uint64`` replace the
    default hash and random source (the oracle uses them to replay a real run).
    ``observer`` ``(event, details)`` receives the engine's internal events.
    ``backend``: ``"native"`` (the C engine, the default where it is built and
    implements ``impl``: classic so far) or ``"python"`` (the reference engines);
    the environment variable ``GOMAP_BACKEND`` sets the default.

    ``key_type`` / ``value_type``: the Go types of ``map[K]V`` (``"int64"``,
    ``"string"``, ``"struct{a int32; b string}"``, ``"[20]int64"``, ...). They fix the
    bucket/group layout (which changes what the runtime does: overflow buckets
    pre-allocated, pointer-free buckets, indirect keys, which ``mapassign`` prunes
    tombstones) and turn on heap accounting: :meth:`memory` then returns the bytes
    the Go runtime would hold live and would have allocated, byte for byte.
    ``track_memory=False`` keeps the layout without the accounting.

    >>> m = GoMap(seed=1)
    >>> m["a"] = 1
    >>> m.delete("missing")          # Go's delete: no error when absent
    >>> for k in m:                  # deleting while iterating is allowed
    ...     del m[k]
    >>> len(m)
    0
    """

    __slots__ = ("_accounted", "_engine", "_types", "backend", "impl")

    def __init__(
        self,
        items: Iterable[tuple[Any, Any]] | MutableMapping[Any, Any] | None = None,
        *,
        impl: str | None = None,
        go: str | GoBehaviour | None = None,
        seed: int | None = None,
        hint: int = 0,
        hasher: Hasher | None = None,
        rand: Rand | None = None,
        observer: Observer | None = None,
        key_type: str | None = None,
        value_type: str | None = None,
        track_memory: bool | None = None,
        backend: str | None = None,
        **engine_options: Any,
    ) -> None:
        if not isinstance(hint, int) or isinstance(hint, bool):
            raise TypeError(f"hint must be an int, not {type(hint).__name__}")
        if hint < 0:
            raise ValueError(f"hint must be >= 0 (Go panics on make(map, {hint}))")
        if go is not None:
            # The Go release: its default map design unless impl names one, and
            # the engine's behaviour switches (gomap.versions).
            release = go_behaviour(go)
            impl = impl or release.default_impl
            engine_options["go"] = go_behaviour(release, impl)
        impl = impl or DEFAULT_ENGINE
        spec = get_engine(impl)
        from gomap.native import resolve_backend

        # Another Go release than the native engine's runs on the Python engine.
        backend = spec.backend_for(engine_options.get("go"), backend)
        self.backend = resolve_backend(spec.name, backend)
        engine_options["backend"] = self.backend
        if rand is None:
            rand = default_rand(seed)
        if hasher is None:
            hasher = DefaultHasher(rand, stable=seed is not None)
        self.impl = impl
        typed = key_type is not None or value_type is not None
        if track_memory is None:
            track_memory = typed
        self._types = (key_type, value_type)
        self._accounted: Any = None
        if not (typed or track_memory):
            self._engine = spec.new(hint, hasher=hasher, rand=rand, observer=observer,
                                    **engine_options)
        else:
            from gomap.layout.maplayout import map_layout
            from gomap.memory import AccountedEngine

            layout = map_layout(key_type or "any", value_type or "any")
            if track_memory:
                self._accounted = AccountedEngine(
                    impl, hint, layout, observer, hasher=hasher, rand=rand, **engine_options
                )
                self._engine = self._accounted
            else:
                for k, v in spec.layout_options(layout).items():
                    engine_options.setdefault(k, v)
                self._engine = spec.new(hint, hasher=hasher, rand=rand, observer=observer,
                                        **engine_options)
        if items is not None:
            self.update(items)

    # --- the engine -----------------------------------------------------------------------
    @property
    def engine(self) -> Engine:
        """The engine (``gomap.classic.HMap`` or ``gomap.swiss.SwissMap``)."""
        if self._accounted is not None:
            return self._accounted.engine
        return self._engine

    @property
    def go(self) -> GoBehaviour:
        """The Go release this map models and its behaviour switches."""
        b: GoBehaviour | None = getattr(self.engine, "go", None)
        return b if b is not None else go_behaviour(None, self.impl)  # native: the pinned one

    def memory(self) -> MemoryStats:
        """What the map costs on Go's heap: ``live_bytes`` (reachable now, what
        ``HeapAlloc`` holds for it after a GC), ``allocated_bytes`` (every allocation
        since ``make``, what ``TotalAlloc`` counts), ``peak_live_bytes`` and a
        breakdown. Needs ``key_type=``/``value_type=`` (or ``track_memory=True``)."""
        if self._accounted is None:
            raise RuntimeError(
                "memory accounting is off: create the map with key_type=/value_type= "
                "(or track_memory=True)"
            )
        return self._accounted.memory()

    def subscribe(self, fn: Observer) -> Observer:
        """Call ``fn(event, details)`` at each of the engine's internal events
        (declared in :mod:`gomap.events`); returns ``fn``."""
        return self._engine.subscribe(fn)

    def unsubscribe(self, fn: Observer) -> None:
        """Stop calling ``fn``."""
        self._engine.unsubscribe(fn)

    def stats(self, deep: bool = False) -> MapStats:
        """Capacity and occupancy: entries, slots, tombstones, overflow buckets."""
        return self._engine.stats(deep)

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
        new = GoMap(impl=self.impl, go=self.go, hint=len(self), key_type=self._types[0],
                    value_type=self._types[1], backend=self.backend)
        for k, v in self._pairs():
            new._engine.assign(k, v)
        return new

    def __repr__(self) -> str:
        pairs = list(self._pairs())
        with contextlib.suppress(TypeError):
            pairs.sort(key=lambda kv: kv[0])  # fmt prints maps sorted by key
        body = " ".join(f"{k!r}:{v!r}" for k, v in pairs)
        return f"GoMap[{self.impl}]{{map[{body}]}}"


def _install_native_fast_paths() -> None:
    """With the C backend built, GoMap's hot methods run in C on native engines (the
    Python bodies above stay as the fallback for every other engine)."""
    from gomap.native import _native

    if _native is not None:
        _native.install_gomap(GoMap, GoMap.__dict__["_engine"])


_install_native_fast_paths()
