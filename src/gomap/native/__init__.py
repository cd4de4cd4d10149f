"""The native backend: the engines' state and operations in C (``gomap._native``).

The C code mirrors the Python reference engines statement by statement, with Go's
layout: bucket arrays of 8-cell buckets with ``tophash`` bytes and overflow pointers,
the ``hmap`` fields as C integers, 64-bit hashes as ``uint64_t``, keys and elems as
references to the Python objects. It is proven state-exact with the reference by the
differential tests (``tests/native/test_classic.py``) and by the Go oracle run against it.

The Swiss engine is done the same way: groups of one ``uint64`` control word and 8
(key, elem) slots matched with bit tricks, tables (``used``, ``capacity``,
``growth_left``, ``local_depth``, ``index``, the group array) as Python objects so
that iterators and the debug tools can hold stale ones, the directory of table
references with shared entries, the small map's single group, tombstones,
``pruneTombstones``, grow / split / directory growth and Go's randomised iterator
(``tests/native/test_swiss.py``). Both native engines mirror the Go release
:mod:`gomap.engines` pins for them (and the releases whose switches are the same);
other releases run on the Python engines (:meth:`gomap.engines.EngineSpec.backend_for`).

The sources, one concern per file:

- ``classic_map.c``: the classic algorithm beside Go's ``runtime/map.go``, in its order
  and with its names; ``classic_acct.c`` its heap accountant; ``classic_type.c`` the
  CPython glue (types, getters, views, ``snapshot()``, init); ``classic.h`` what they
  share and the naming rule of the entry points.
- ``swiss_table.c`` / ``swiss_map.c``: the Swiss algorithm beside Go's
  ``internal/runtime/maps/table.go`` / ``map.go``; ``swiss_acct.c``, ``swiss_type.c``,
  ``swiss.h`` likewise.
- ``module.c``: the module, the hooks and the emit path both engines share, the
  simulator's loop; ``fastpath.c``: GoMap's dunders in C for every native engine;
  ``native.h``: what all of them share; ``opsread.c`` / ``patterns.c``: the ops-file
  reader and the workload patterns in C.
- ``events_gen.h``: generated at build time from :data:`gomap.events.EVENTS` by
  ``gen_events.py`` (the event ids, names, bits and one emit macro per event).

:func:`resolve_backend` decides which backend a map gets: an explicit
``backend=`` wins, then ``GOMAP_BACKEND`` (``native`` or ``python``), then native
when it is built.
"""

from __future__ import annotations

import importlib
import os
import warnings
from collections.abc import Iterator
from typing import Any, overload

from gomap.events import EventSource

_native: Any
try:
    _native = importlib.import_module("gomap._native")
except ImportError as exc:  # not compiled: the Python reference engines serve
    _native = None
    IMPORT_ERROR: ImportError | None = exc
else:
    IMPORT_ERROR = None

AVAILABLE = _native is not None
"""Whether the C extension is built and importable."""

BACKENDS = ("native", "python")
NATIVE_IMPLS = ("classic", "swiss")
"""The engines the C extension implements."""

_warned = False


def resolve_backend(impl: str, backend: str | None = None) -> str:
    """The backend (``"native"`` or ``"python"``) a map of ``impl`` runs on.

    ``backend`` given: that one, or ``ValueError`` when it is unknown or native is
    not available for ``impl``. Else ``GOMAP_BACKEND`` if set, else ``"native"``
    when the extension is built and implements ``impl``, else ``"python"`` (with
    one ``RuntimeWarning`` per process when the extension failed to build).
    """
    explicit = backend is not None
    if backend is None:
        backend = os.environ.get("GOMAP_BACKEND") or None
        if backend is not None:
            backend = backend.strip().lower()
            if backend not in BACKENDS:
                raise ValueError(
                    f"GOMAP_BACKEND={backend!r}: use 'native' or 'python'"
                )
    if backend is None:
        if impl not in NATIVE_IMPLS:
            return "python"
        if not AVAILABLE:
            _warn_once()
            return "python"
        return "native"
    if backend not in BACKENDS:
        raise ValueError(f"unknown backend {backend!r}: use 'native' or 'python'")
    if backend == "native":
        if impl not in NATIVE_IMPLS:
            if not explicit:
                return "python"  # GOMAP_BACKEND=native: engines without C code use Python
            raise ValueError(
                f"the native backend implements {', '.join(NATIVE_IMPLS)} only, not {impl!r}: "
                "use backend='python'"
            )
        if not AVAILABLE:
            raise ValueError(
                f"the native backend is not built ({IMPORT_ERROR}): reinstall with a C "
                "compiler and the Python headers (pip install -e .), or use backend='python'"
            )
    return backend


def _warn_once() -> None:
    global _warned
    if not _warned:
        _warned = True
        warnings.warn(
            f"gomap: the C backend is not built ({IMPORT_ERROR}); using the Python "
            "reference engines (slower). Reinstall with gcc and the Python headers to build it.",
            RuntimeWarning,
            stacklevel=3,
        )


class BucketView:
    """A read-only copy of one native bucket, shaped like ``gomap.classic.hmap.Bucket``
    (``tophash``, ``keys``, ``elems``, ``overflow``) for the Python debug tools."""

    __slots__ = ("elems", "ident", "keys", "overflow", "separate", "tophash")

    def __init__(self, d: dict[str, Any], overflow: BucketView | None) -> None:
        self.tophash: list[int] = d["tophash"]
        self.keys: list[Any] = d["keys"]
        self.elems: list[Any] = d["elems"]
        self.separate: bool = d["separate"]  # allocated on its own (newobject)
        self.ident: int = d["ident"]  # the C bucket's address: the same bucket, the same ident
        self.overflow = overflow


class ArrayView:
    """A native bucket array seen as a sequence of :class:`BucketView` chains
    (``len`` counts the pre-allocated overflow buckets too, as ``BucketArray``)."""

    __slots__ = ("_h", "_which")

    def __init__(self, h: Any, which: int) -> None:
        self._h = h
        self._which = which

    def __len__(self) -> int:
        n = self._h._nallocated(self._which)
        return 0 if n is None else int(n)

    @overload
    def __getitem__(self, index: int) -> BucketView: ...

    @overload
    def __getitem__(self, index: slice) -> list[BucketView]: ...

    def __getitem__(self, index: int | slice) -> BucketView | list[BucketView]:
        n = len(self)
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(n))]
        if index < 0:
            index += n
        chain = self._h._chain(self._which, index, True)
        if not chain:
            raise IndexError("bucket array is gone")
        view: BucketView | None = None
        for d in reversed(chain):
            view = BucketView(d, view)
        assert view is not None
        return view

    def __iter__(self) -> Iterator[BucketView]:
        for i in range(len(self)):
            yield self[i]


def _release_of(m: Any) -> Any:
    """The Go release a native map models and its switches: the release it was made
    for (:meth:`gomap.engines.EngineSpec.new` sets it when that is not the pinned
    one, and the native engine runs it only when its switches are the pinned
    release's), else the release the C map was made for (``go=``; by default the
    engine's pin, :func:`gomap.versions.pinned_release`)."""
    b = getattr(m, "_go", None)
    if b is None:
        from gomap.versions import go_behaviour

        b = go_behaviour(m.go_release, m.impl)  # the C map's go= (default: the pin)
    return b


def _with_release(m: Any, snap: dict[str, Any]) -> dict[str, Any]:
    """``snap`` with ``go`` set to the release ``m`` models (the C snapshot need not
    know it)."""
    snap["go"] = _release_of(m).release
    return snap


def _same_release(m: Any, new: Any) -> Any:
    b = getattr(m, "_go", None)
    if b is not None:
        new._go = b
    return new


if _native is not None:

    class NativeHMap(_native.HMap, EventSource):
        """The classic engine in C: the contract of :class:`gomap.classic.HMap`
        (same constructor, operations, events, ``snapshot()``), state-exact with it.
        ``subscribers`` is the C engine's own list: ``subscribe`` appends to it."""

        __slots__ = ("_go",)
        impl = "classic"
        backend = "native"

        @property
        def go(self) -> Any:
            """The Go release this map models (:func:`_release_of`)."""
            return _release_of(self)

        def snapshot(self) -> dict[str, Any]:
            """See :meth:`gomap.classic.HMap.snapshot` (``go``: the release modelled)."""
            return _with_release(self, super().snapshot())

        def clone(self, *args: Any, **kw: Any) -> Any:
            """See :meth:`gomap.classic.HMap.clone` (the clone models the same release)."""
            return _same_release(self, super().clone(*args, **kw))

        @property
        def buckets(self) -> ArrayView | None:
            """The current bucket array (a read-only view), or None before the first insert."""
            return None if self._nallocated(0) is None else ArrayView(self, 0)

        @property
        def oldbuckets(self) -> ArrayView | None:
            """The array being evacuated (a read-only view), or None when not growing."""
            return None if self._nallocated(1) is None else ArrayView(self, 1)

        def growing(self) -> bool:
            """Whether the map is growing (to the same size or bigger)."""
            return bool(self.growing_)

        def is_same_size_grow(self) -> bool:
            """Whether the current growth is to a map of the same size."""
            return self.flags & 8 != 0

        def oldbucketmask(self) -> int:
            """noldbuckets() - 1."""
            return int(self.noldbuckets()) - 1

        def stats(self, deep: bool = False) -> Any:
            """Capacity and occupancy, as :func:`gomap.classic.debug.stats` computes
            them (the ``deep`` cell count is done in C)."""
            from gomap._engine import MapStats

            return MapStats(entries=self.count,
                            capacity=0 if self._nallocated(0) is None else 8 << self.B,
                            overflow_buckets=self.overflow_used,
                            tombstones=self._tombstones() if deep else None,
                            growing=bool(self.growing_),
                            shape={"B": self.B, "noverflow": self.noverflow})

        def check_invariants(self) -> None:
            """Raise InvariantError("invariant failed: ...") if the state is inconsistent
            (the reference's checks, run over views of the native state)."""
            from gomap.classic.debug import check_invariants

            check_invariants(self)

    class NativeSwissMap(_native.SwissMap, EventSource):
        """The Swiss engine in C: the contract of :class:`gomap.swiss.SwissMap`
        (same constructor, operations, events, ``snapshot()``), state-exact with it
        for the pinned release (:mod:`gomap.engines`) and the releases whose switches
        equal its (``go=``: ``snapshot()["go"]`` reports the release asked for). ``directory`` and
        ``small`` are the C tables themselves (read-only from Python: ``ctrl``,
        ``keys``, ``elems`` are copies); ``subscribers`` is the C engine's own list."""

        __slots__ = ("_go",)
        impl = "swiss"
        backend = "native"

        @property
        def go(self) -> Any:
            """The Go release this map models (:func:`_release_of`)."""
            return _release_of(self)

        def snapshot(self) -> dict[str, Any]:
            """See :meth:`gomap.swiss.SwissMap.snapshot` (``go``: the release modelled)."""
            return _with_release(self, super().snapshot())

        def clone(self, *args: Any, **kw: Any) -> Any:
            """See :meth:`gomap.swiss.SwissMap.clone` (the clone models the same release)."""
            return _same_release(self, super().clone(*args, **kw))

        def stats(self, deep: bool = False) -> Any:
            """Capacity and occupancy, as :func:`gomap.swiss.debug.stats` computes
            them (:func:`gomap._engine.directory_stats`, which needs no Python engine;
            ``deep`` changes nothing)."""
            from gomap._engine import directory_stats

            return directory_stats(self)

        def check_invariants(self) -> None:
            """Raise InvariantError if the state is inconsistent (the reference's
            checks, run over one read-only copy of the native state)."""
            from gomap.swiss.debug import check_invariants

            check_invariants(_SwissView(self))  # type: ignore[arg-type]

        def __repr__(self) -> str:
            shape = "small" if self.dir_len == 0 else f"dir_len={self.dir_len}"
            return f"<NativeSwissMap used={self.used} {shape} key_kind={self.key_kind}>"

    class _TableView:
        """One native table copied once (the C getters copy at every access)."""

        __slots__ = ("_t", "capacity", "ctrl", "elems", "growth_left", "index", "keys",
                     "length_mask", "local_depth", "used")

        def __init__(self, t: Any) -> None:
            self._t = t
            for f in self.__slots__[1:]:
                setattr(self, f, getattr(t, f))

        def tombstones(self) -> int:
            return int(self._t.tombstones())

        def max_growth_left(self) -> int:
            return int(self._t.max_growth_left())

        def get_with_key(self, hash: int, key: Any) -> tuple[bool, Any, Any]:
            return self._t.get_with_key(hash, key)

    class _SwissView:
        """A native Swiss map's fields and tables, copied for the Python checks."""

        def __init__(self, m: Any) -> None:
            views: dict[int, _TableView] = {}
            self.directory = [views.setdefault(id(t), _TableView(t)) for t in m.directory]
            self.small = None if m.small is None else _TableView(m.small)
            for f in ("used", "seed", "dir_len", "global_depth", "global_shift", "clear_seq",
                      "hasher", "key_kind", "tombstone_possible", "_tomb", "go", "writing"):
                setattr(self, f, getattr(m, f))

else:  # pragma: no cover - exercised where the extension is not built
    NativeHMap = None  # type: ignore[assignment,misc]
    NativeSwissMap = None  # type: ignore[assignment,misc]
