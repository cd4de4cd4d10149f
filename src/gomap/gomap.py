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
* With ``key_type=``, every key is checked against the Go type and stored the way
  Go compares it (:mod:`gomap.gokeys`): ``GoMap(key_type="any")`` holds ``1``,
  ``1.0``, ``True`` and ``"1"`` as four keys; ``key_type="int8"`` refuses ``300``.
* ``m.clone()`` and ``copy.copy(m)`` are Go's ``maps.Clone`` on the modelled release
  (its internal layout and, for typed maps, its allocations). Other copies
  (``m.copy()``, ``copy.deepcopy``, ``pickle``) keep the engine, the Go types,
  memory tracking, the seed and every entry (NaN keys too), not the internal layout:
  each is a fresh ``make(map, len(m))`` refilled in ``m``'s iteration order (the
  "rebuild" of docs/SIMULATE.md), without a custom ``hasher``/``rand``/``observer``.
"""

from __future__ import annotations

import math
import os
import reprlib
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
from gomap.gokeys import IfaceKey
from gomap.hashing import DefaultHasher, Hasher, Rand, default_rand
from gomap.versions import GoBehaviour, go_behaviour

if TYPE_CHECKING:
    from gomap.memory import MemoryStats

_MISSING: Any = object()


_ENGINE_OPTIONS: dict[str, frozenset[str]] = {}
"""The keyword arguments each engine takes beyond GoMap's own (by engine name)."""


def _engine_options(spec: Any) -> frozenset[str]:
    opts = _ENGINE_OPTIONS.get(spec.name)
    if opts is None:
        from gomap.layout.maplayout import map_layout

        opts = _ENGINE_OPTIONS[spec.name] = frozenset(
            spec.layout_options(map_layout("any", "any")))
    return opts


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
    ``backend``: ``"native"`` (the C engines, the default where the extension is
    built; another Go release than the engine's pinned one and hints above
    ``gomap.engines.HUGE_HINT`` run on Python unless native is asked for) or
    ``"python"`` (the reference engines); the environment variable
    ``GOMAP_BACKEND`` sets the default.

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

    __slots__ = ("_accounted", "_engine", "_seed", "_track", "_types", "backend", "impl")

    def __new__(cls, *args: Any, key_type: str | None = None,
                value_type: str | None = None, **kwargs: Any) -> GoMap:
        if (key_type is not None or value_type is not None) and cls is GoMap:
            cls = _TypedGoMap
        return super().__new__(cls)

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
            raise ValueError(
                f"hint must be >= 0 (make(map, {hint}) with a constant does not compile)"
            )
        if hint > (1 << 63) - 1:
            raise ValueError(f"hint {hint} overflows int (Go's make takes at most math.MaxInt)")
        if go is not None:
            # The Go release: its default map design unless impl names one, and
            # the engine's behaviour switches (gomap.versions).
            release = go_behaviour(go)
            impl = impl or release.default_impl
            go = go_behaviour(release, impl)
        impl = impl or DEFAULT_ENGINE
        spec = get_engine(impl)
        unknown = sorted(set(engine_options) - _engine_options(spec))
        if unknown:
            raise TypeError(
                f"GoMap() got an unexpected keyword argument {unknown[0]!r} (GoMap takes its "
                f"entries as a mapping or pairs, e.g. GoMap({{{unknown[0]!r}: ...}}), not as "
                f"keyword arguments)"
            )
        if go is not None:
            engine_options["go"] = go
        from gomap.engines import HUGE_HINT
        from gomap.native import resolve_backend

        # Another Go release than the native engine's runs on the Python engine.
        backend = spec.backend_for(engine_options.get("go"), backend)
        if backend is None and hint > HUGE_HINT and "GOMAP_BACKEND" not in os.environ:
            backend = "python"  # its bucket arrays / directories stay sparse (see engines)
        self.backend = resolve_backend(spec.name, backend)
        engine_options["backend"] = self.backend
        if rand is None:
            rand = default_rand(seed)
        if hasher is None:
            hasher = DefaultHasher(rand, stable=seed is not None)
        self.impl = impl
        self._seed = seed
        typed = key_type is not None or value_type is not None
        if track_memory is None:
            track_memory = typed
        self._track = track_memory
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
                # A native engine accounts its own operations: GoMap then talks to it
                # directly (and its C fast paths apply).
                self._engine = (self._accounted.engine if self._accounted.native
                                else self._accounted)
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

    def subscribe(self, fn: Observer, events: Iterable[str] | None = None) -> Observer:
        """Call ``fn(event, details)`` at each of the engine's internal events
        (declared in :mod:`gomap.events`), or only at those named in ``events``
        (``ValueError`` for a name the engine does not declare); returns ``fn``."""
        return self._engine.subscribe(fn, events)

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
        """``m[key]``: the elem, or ``KeyError`` when absent (Go would return the zero
        value; use :meth:`lookup` for ``v, ok := m[key]``). Raises
        :class:`~gomap.errors.ConcurrentMapReadWriteError` during a write."""
        ok, v = self._engine.lookup(key)
        if not ok:
            raise KeyError(key)
        return v

    def get(self, key: Any, default: Any = None) -> Any:
        """The elem for ``key``, or ``default`` when absent."""
        ok, v = self._engine.lookup(key)
        return v if ok else default

    def __contains__(self, key: object) -> bool:
        """``_, ok := m[key]``: whether ``key`` is present (never true for NaN)."""
        return self._engine.lookup(key)[0]

    def __setitem__(self, key: Any, value: Any) -> None:
        """``m[key] = value`` (mapassign). Raises ``TypeError`` for an unhashable key
        and :class:`~gomap.errors.ConcurrentMapWriteError` when another write is under
        way; with ``key_type=``, ``TypeError``/``ValueError`` for a key Go's type
        cannot hold."""
        self._engine.assign(key, value)

    def __delitem__(self, key: Any) -> None:
        """``del m[key]``: like :meth:`delete`, but ``KeyError`` when absent."""
        engine = self._engine
        if not engine.lookup(key)[0]:
            raise KeyError(key)
        engine.delete(key)

    def pop(self, key: Any, default: Any = _MISSING) -> Any:
        """Remove ``key`` and return its elem; ``default`` (or ``KeyError``) if absent."""
        engine = self._engine
        ok, v = engine.lookup(key)
        if not ok:
            if default is _MISSING:
                raise KeyError(key)
            return default
        engine.delete(key)
        return v

    def popitem(self) -> tuple[Any, Any]:
        """Remove and return some ``(key, elem)`` pair; ``KeyError`` when empty.

        NaN keys can be neither looked up nor deleted (as in Go), so a key that equals
        itself is preferred; when only NaN keys remain, one of them is removed by
        clearing the map and re-inserting the others (O(len(m)))."""
        seen: list[tuple[Any, Any]] = []
        for k, v in self._pairs():
            if k == k:
                del self[k]
                return k, v
            seen.append((k, v))
        if not seen:
            raise KeyError("popitem(): map is empty")
        self.clear()
        for k, v in seen[1:]:
            self[k] = v
        return seen[0]

    def __len__(self) -> int:
        """The number of entries (``len(m)``), NaN keys included."""
        return len(self._engine)

    def __iter__(self) -> Iterator[Any]:
        """``for k := range m``: every key once, in a random order; inserting and
        deleting during the loop is allowed (Go's rules). Raises
        :class:`~gomap.errors.ConcurrentMapIterationWriteError` when stepped during
        a write."""
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
        """A view of the keys (iterates like the map itself)."""
        return KeysView(self)

    def items(self) -> ItemsView[Any, Any]:
        """A view of the ``(key, elem)`` pairs (``for k, v := range m``)."""
        return _GoItemsView(self)

    def values(self) -> ValuesView[Any]:
        """A view of the elems."""
        return _GoValuesView(self)

    def _options(self) -> dict[str, Any]:
        return {"impl": self.impl, "seed": self._seed, "key_type": self._types[0],
                "value_type": self._types[1], "track_memory": self._track,
                "backend": self.backend, "go": self.go}

    def copy(self) -> GoMap:
        """A new map of the same engine, Go types, seed and backend with the same
        entries (NaN keys too): ``make(map[K]V, len(m))`` filled in ``m``'s iteration
        order. The internal layout is not copied."""
        new = GoMap(hint=len(self), **self._options())
        for k, v in self._pairs():
            new[k] = v
        return new

    def clone(self) -> GoMap:
        """Go's ``maps.Clone(m)`` on the modelled release: the same engine, Go types,
        seed and backend, and the internal layout ``maps.Clone`` gives. Classic:
        ``mapclone2`` (a map sized for ``len(m)``, same hash seed, filled bucket by
        bucket: it drops the tombstones and the excess capacity). Swiss, Go 1.25+:
        ``Map.Clone`` (the same directory, tables, tombstones and seed: as big as
        ``m``); Go 1.24: ``make(map, len(m))`` plus an insert per entry. With
        ``key_type=``/``value_type=``, ``clone().memory()`` counts what
        ``maps.Clone`` allocated (and the indirect keys it shares with ``m``, live
        through it). ``copy.copy(m)`` is ``m.clone()``; observers are not copied."""
        cls = type(self)
        new = cls.__new__(cls)
        new.impl, new.backend, new._seed = self.impl, self.backend, self._seed
        new._track, new._types = self._track, self._types
        if isinstance(self, _TypedGoMap):
            new._check = self._check  # type: ignore[attr-defined]
            new._check_value = self._check_value  # type: ignore[attr-defined]
        if self._accounted is not None:
            acc = self._accounted.clone()
            new._accounted = acc
            new._engine = acc.engine if acc.native else acc
        else:
            new._accounted = None
            e: Any = self._engine
            new._engine = e.clone(prepare=_no_subscribers)
        return new

    def __copy__(self) -> GoMap:
        """``copy.copy(m)``: :meth:`clone` (``maps.Clone``)."""
        return self.clone()

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickle / ``deepcopy`` support: what :meth:`copy` keeps."""
        return (_restore, (self._options(), len(self)), list(self._pairs()))

    def __setstate__(self, state: list[tuple[Any, Any]]) -> None:
        for k, v in state:
            self[k] = v

    @reprlib.recursive_repr("map[...]")
    def __repr__(self) -> str:
        """``GoMap[impl]{map[k:v ...]}``, keys sorted the way Go's ``fmt`` sorts them
        (``internal/fmtsort``: numbers by value, NaN first, ``false`` before ``true``,
        strings bytewise, arrays/structs item by item; mixed dynamic types grouped
        by type), so two prints of one map agree."""
        pairs = sorted(self._pairs(), key=lambda kv: fmt_sort_key(kv[0]))
        body = " ".join(f"{k!r}:{v!r}" for k, v in pairs)
        return f"GoMap[{self.impl}]{{map[{body}]}}"


def fmt_sort_key(v: Any) -> tuple[Any, ...]:
    """A sort key ordering map keys as Go's ``fmt`` does (``internal/fmtsort``)."""
    if type(v) is IfaceKey:
        v = v.value
    t = type(v)
    if t is bool:
        return ("bool", int(v))
    if t is int:
        return ("int", v)
    if t is float:
        return ("float64", (0, 0.0) if math.isnan(v) else (1, v))
    if t is str:
        return ("string", v.encode("utf-8", "surrogatepass"))
    if t is complex:
        return ("complex128", fmt_sort_key(v.real)[1], fmt_sort_key(v.imag)[1])
    if v is None:
        return ("", 0)
    if t is tuple:
        return ("tuple", tuple(fmt_sort_key(x) for x in v))
    return (t.__qualname__, repr(v))


def _no_subscribers(engine: Any) -> None:
    """``clone``'s ``prepare`` hook for an unobserved copy."""


def _restore(options: dict[str, Any], n: int) -> GoMap:
    return GoMap(hint=n, **options)


class _TypedGoMap(GoMap):
    """A :class:`GoMap` whose keys and values are checked against (and stored as)
    values of its Go key and value types (:func:`gomap.gokeys.key_checker`,
    :func:`gomap.gokeys.value_checker`); an omitted type checks nothing."""

    __slots__ = ("_check", "_check_value")

    def __init__(self, items: Any = None, *, key_type: str | None = None,
                 value_type: str | None = None, **kwargs: Any) -> None:
        from gomap.gokeys import key_checker, value_checker
        from gomap.layout.types import parse_go_type, parse_key_type

        self._check = (key_checker(parse_key_type(key_type)) if key_type is not None
                       else _unchecked)
        self._check_value = (value_checker(parse_go_type(value_type))
                             if value_type is not None else _unchecked)
        super().__init__(items, key_type=key_type, value_type=value_type, **kwargs)

    def __getitem__(self, key: Any) -> Any:
        """``m[key]``; ``KeyError`` when absent (see :meth:`GoMap.__getitem__`)."""
        ok, v = self._engine.lookup(self._check(key))
        if not ok:
            raise KeyError(key)
        return v

    def get(self, key: Any, default: Any = None) -> Any:
        """The elem for ``key``, or ``default`` when absent."""
        ok, v = self._engine.lookup(self._check(key))
        return v if ok else default

    def __contains__(self, key: object) -> bool:
        """Whether ``key`` is present; a value outside the key type never is."""
        try:
            k = self._check(key)
        except (TypeError, ValueError):
            return False
        return self._engine.lookup(k)[0]

    def __setitem__(self, key: Any, value: Any) -> None:
        """``m[key] = value``; ``TypeError``/``ValueError`` naming the Go key type for
        a key it cannot hold, or a value of another type than the map's value type
        (see :meth:`GoMap.__setitem__`)."""
        k = self._check(key)
        self._engine.assign(k, self._check_value(value))

    def __delitem__(self, key: Any) -> None:
        """``del m[key]``; ``KeyError`` when absent."""
        k = self._check(key)
        if not self._engine.lookup(k)[0]:
            raise KeyError(key)
        self._engine.delete(k)

    def pop(self, key: Any, default: Any = _MISSING) -> Any:
        """Remove ``key`` and return its elem; ``default`` (or ``KeyError``) if absent."""
        k = self._check(key)
        ok, v = self._engine.lookup(k)
        if not ok:
            if default is _MISSING:
                raise KeyError(key)
            return default
        self._engine.delete(k)
        return v

    def delete(self, key: Any) -> None:
        """Go's ``delete(m, key)``; no error when absent."""
        self._engine.delete(self._check(key))

    def lookup(self, key: Any) -> tuple[Any, bool]:
        """Go's ``v, ok := m[key]``."""
        ok, v = self._engine.lookup(self._check(key))
        return v, ok

    def __iter__(self) -> Iterator[Any]:
        """``for k := range m`` (see :meth:`GoMap.__iter__`); interface keys come back
        as the Python values they hold."""
        it = self._engine.iterator()
        step = it.next
        while (kv := step()) is not None:
            k = kv[0]
            yield k.value if type(k) is IfaceKey else k

    def _pairs(self) -> Iterator[tuple[Any, Any]]:
        it = self._engine.iterator()
        step = it.next
        while (kv := step()) is not None:
            k = kv[0]
            yield (k.value if type(k) is IfaceKey else k), kv[1]


def _unchecked(v: Any) -> Any:
    return v


def _install_native_fast_paths() -> None:
    """With the C backend built, GoMap's hot methods run in C on native engines (the
    Python bodies above stay as the fallback for every other engine)."""
    from gomap.native import _native

    if _native is not None:
        _native.install_gomap(GoMap, GoMap.__dict__["_engine"])


_install_native_fast_paths()
