"""What a Go map costs in heap bytes: every allocation the runtime makes for it,
with the allocator's rounding, split into live bytes and cumulative allocated bytes.

An *accounted engine* wraps a classic or Swiss engine and keeps two running totals,
updated at the engine's allocation points (its observer events: ``hashGrow``,
``newoverflow``, ``evacuate``, ``growDone``, ``clear``, ``iterInit``; ``smallToTable``,
``tableGrow``, ``split``, ``directoryGrow``) and at the changes of entry count it sees
around each operation (indirect keys and elems):

* ``allocated_bytes`` — every ``mallocgc`` since ``make``, in the bytes the allocator
  really took (size class, 8-byte malloc header for pointerful objects over 512
  bytes, whole pages over 32 KiB): Go's ``MemStats.TotalAlloc`` delta;
* ``live_bytes`` — the map's objects still reachable: what ``MemStats.HeapAlloc``
  says the map holds right after a ``runtime.GC()``.

The wrapper costs nothing when not used: plain engines have no accounting in their
hot paths. Both totals were checked byte for byte against the real runtimes (see
``gomap.oracle.memory_driver`` and docs/SIMULATE.md).

Classic (Go 1.23) allocations: ``hmap`` (48 B) at ``make``; the first bucket
(``newobject``) at the first insert of a ``B == 0`` map; ``makeBucketArray`` at
``make(map, hint)`` and at every ``hashGrow`` (``2^B`` buckets, plus ``2^(B-4)``
pre-allocated overflow buckets from ``B == 4``, plus whatever else fits the size
class); ``mapextra`` (24 B) once, when the array has pre-allocated overflow buckets
or an overflow list is needed; an overflow bucket per ``newoverflow`` once the
pre-allocated ones are used up; for buckets without pointers, the overflow list
(``new([]*bmap)``, 24 B, created by ``newoverflow`` or by ``range`` over a
non-empty map) and its backing array, grown by ``append``; a key and/or elem object
per new entry when they are over 128 bytes. Frees: old overflow chains when an
evacuated old bucket is cleared (pointerful buckets, no iterator since the growth
began); the old array, its remaining overflow buckets and the old overflow list
when the growth ends; every overflow bucket and list on ``clear``; indirect objects
on delete — unless an old bucket still points at them (then at growth end).

Swiss (Go 1.27) allocations: ``maps.Map`` (48 B); one group at the first insert;
at the 9th entry a 16-slot table (``maps.table`` 32 B + its groups) and a one-entry
directory; a new table (or two, on split) at every rehash, freeing the old one; a
directory twice as long when a split needs one; indirect keys/elems per new entry.

Assumption: no iterator is open between operations (an open Go iterator keeps the
arrays it started on alive); ``range`` loops that run to the end are fine.
"""

from __future__ import annotations

import itertools
import operator
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from gomap._engine import EngineIter, MapStats
from gomap.events import Observer
from gomap.layout.maplayout import (
    HMAP_CLEARSEQ_SCAN,
    HMAP_CLEARSEQ_SIZE,
    HMAP_SCAN,
    HMAP_SIZE,
    MAPEXTRA_SCAN,
    MAPEXTRA_SIZE,
    SLICE_HEADER_SCAN,
    SLICE_HEADER_SIZE,
    SWISS_MAP_SCAN,
    SWISS_MAP_SIZE,
    SWISS_TABLE_SCAN,
    SWISS_TABLE_SIZE,
    MapLayout,
)
from gomap.layout.sizeclasses import growslice_ptrs, malloc_size
from gomap.layout.types import parse_go_type, pointer_to
from gomap.versions import go_behaviour

if TYPE_CHECKING:
    from gomap.classic.hmap import SparseBucketArray

# The Python engines' modules (gomap.classic, gomap.swiss) are imported where a Python
# engine is accounted, not here: a native run never loads them (start-up). A sparse
# bucket array or directory exists only once its module is loaded (_loaded_type).


def _loaded_type(module: str, name: str) -> Any:
    """The class ``name`` of ``module`` if that module is loaded, else None (then
    no object of it exists)."""
    mod = sys.modules.get(module)
    return None if mod is None else getattr(mod, name)


def _sparse_directory(d: Any) -> bool:
    """Whether ``d`` is a :class:`gomap.swiss.sparse.SparseDirectory`."""
    sparse = _loaded_type("gomap.swiss.sparse", "SparseDirectory")
    return sparse is not None and isinstance(d, sparse)


class _SparsePrealloc:
    """The ids of the pre-allocated overflow buckets of a sparse bucket array: those
    built so far at index ``2^B`` and beyond (the others are untouched, so in no
    chain)."""

    __slots__ = ("arr", "base")

    def __init__(self, arr: SparseBucketArray, base: int) -> None:
        self.arr = arr
        self.base = base

    def __contains__(self, bid: object) -> bool:
        return any(_ident(b) == bid for i, b in dict.items(self.arr) if i >= self.base)


@dataclass
class MemoryStats:
    """The memory figures of one map at one moment."""

    impl: str
    live_bytes: int
    """Bytes of the map's reachable heap objects (HeapAlloc after a GC)."""
    allocated_bytes: int
    """Bytes allocated for the map since it was made (TotalAlloc)."""
    peak_live_bytes: int
    """The most ``live_bytes`` after any operation so far."""
    allocations: int
    """Number of heap objects allocated since the map was made (Mallocs)."""
    live: dict[str, int] = field(default_factory=dict)
    """``live_bytes`` by kind of object."""
    scan_bytes: int = 0
    """The GC's scan work for the map's live objects in each cycle: for every
    pointerful object, the offset of its last pointer word + 8 (the runtime's
    ``/gc/scan/heap:bytes``); 0 for noscan buckets, groups and key/elem objects.
    It depends on what is allocated, not on how many entries are left: deleting
    entries does not lower it, only a smaller map (clone, rebuild) does."""

    def as_dict(self) -> dict[str, Any]:
        return {
            "impl": self.impl,
            "live_bytes": self.live_bytes,
            "allocated_bytes": self.allocated_bytes,
            "peak_live_bytes": self.peak_live_bytes,
            "allocations": self.allocations,
            "scan_bytes": self.scan_bytes,
            "live": dict(self.live),
        }


class _Accountant:
    """Running totals shared by both engines. :meth:`on_event` is subscribed to the
    engine's events (:mod:`gomap.events`) and turns the facts they report into bytes."""

    impl = ""

    def __init__(self, layout: MapLayout) -> None:
        self.layout = layout
        self.live = 0
        self.allocated = 0
        self.allocations = 0
        self.peak = 0
        self.entry_bytes = layout.entry_object_bytes
        self.entries = 0
        self._handlers: dict[str, Any] = {}

    def _alloc(self, nbytes: int) -> None:
        self.allocated += nbytes
        self.allocations += 1
        self.live += nbytes

    def on_event(self, event: str, details: dict[str, Any]) -> None:
        """The engine's subscriber: account for ``event``."""
        h = self._handlers.get(event)
        if h is not None:
            h(details)

    def attach(self, engine: Any) -> None:
        """The engine is built: account for what ``make`` allocated."""
        raise NotImplementedError

    # --- entries (indirect keys and elems) ------------------------------------------
    def inserted(self) -> None:
        self.entries += 1
        if self.entry_bytes:
            if self.layout.indirect_key:
                self._alloc(self.layout.key_object_bytes)
            if self.layout.indirect_elem:
                self._alloc(self.layout.elem_object_bytes)

    def deleted(self, key: Any) -> None:
        self.entries -= 1
        self.live -= self.entry_bytes

    def cleared(self, n: int) -> None:
        self.entries -= n
        self.live -= n * self.entry_bytes

    def _clone(self, d: dict[str, Any]) -> None:
        """``maps.Clone`` filled this map: its entries, and the indirect key/elem
        objects it allocated; keys it shares with the source are live but were not
        allocated here."""
        n = d["count"]
        self.entries += n
        lay = self.layout
        if lay.indirect_key:
            kb = lay.key_object_bytes
            for _ in range(d["key_allocs"]):
                self._alloc(kb)
            self.live += (n - d["key_allocs"]) * kb
        if lay.indirect_elem:
            eb = lay.elem_object_bytes
            for _ in range(d["elem_allocs"]):
                self._alloc(eb)
            self.live += (n - d["elem_allocs"]) * eb
        self.settle()

    def settle(self) -> None:
        """After an operation: record the peak."""
        if self.live > self.peak:
            self.peak = self.live

    def breakdown(self) -> dict[str, int]:
        raise NotImplementedError

    def stats(self) -> MemoryStats:
        return MemoryStats(self.impl, self.live, self.allocated, max(self.peak, self.live),
                           self.allocations, self.breakdown(), self.scan_bytes())

    def scan_bytes(self) -> int:
        raise NotImplementedError


_PTR = pointer_to(parse_go_type("uint8"))


def classic_scan(layout: MapLayout, h: Any, extra: bool, heap_ovf: int,
                 lists: Iterable[int | None], indirect: int, clear_seq: bool = False) -> int:
    """The GC's scan work of a classic map's live objects: the hmap, mapextra, the
    bucket arrays (new and, during a growth, old), the overflow buckets allocated on
    their own, the overflow lists of pointer-free maps (slice header + backing
    array, ``lists``: each list's capacity, None for no list) and ``indirect`` live
    key/elem objects. ``clear_seq``: the hmap of Go 1.24/1.25 (``extra`` at 48)."""
    n = (HMAP_CLEARSEQ_SCAN if clear_seq else HMAP_SCAN) + (MAPEXTRA_SCAN if extra else 0)
    arrays = [a for a in (h.buckets, h.oldbuckets) if a is not None]
    for arr in arrays:
        n += layout.bucket_array_scan(len(arr))
    n += heap_ovf * layout.bucket_array_scan(1)
    for cap in lists:
        if cap is not None:
            n += SLICE_HEADER_SCAN + layout.scan_of(_PTR, cap)
    return n + indirect * (layout.key_object_scan + layout.elem_object_scan)


def swiss_scan(layout: MapLayout, m: Any, small: bool, entries: int) -> int:
    """The GC's scan work of a Swiss map's live objects: the Map, the small group or
    the directory and each table (header and group array), and the indirect
    key/elem objects of ``entries`` entries."""
    n = SWISS_MAP_SCAN
    if small:
        n += layout.group_array_scan(1)
    if m.dir_len:
        n += layout.scan_of(_PTR, m.dir_len)
        d = m.directory
        if _sparse_directory(d):
            n += d.untouched() * (SWISS_TABLE_SCAN + layout.group_array_scan(
                d.table_capacity() // 8))
            tables = list(d.tables())
        else:
            tables = list(d)
        last = None
        for t in tables:
            if t is not last:
                n += SWISS_TABLE_SCAN + layout.group_array_scan(t.capacity // 8)
                last = t
    return n + entries * (layout.key_object_scan + layout.elem_object_scan)


def _ident(b: Any) -> int:
    """A bucket's identity: the Python object's, or the native bucket's address
    (``gomap.native.BucketView.ident``: a view is a fresh object per access)."""
    ident = getattr(b, "ident", None)
    return id(b) if ident is None else int(ident)


class ClassicAccountant(_Accountant):
    """Heap accounting for the classic engine (Go 1.23 ``runtime/map.go``)."""

    impl = "classic"

    def __init__(self, layout: MapLayout) -> None:
        super().__init__(layout)
        self.h: Any = None
        self.pointers = layout.bucket_pointers
        self.ovf_bytes = malloc_size(layout.bucket_size, not layout.bucket_pointers)
        self.extra = False
        self.hmap_size = HMAP_SIZE
        self.array_bytes = 0
        self.old_array_bytes = 0
        self.heap_ovf = 0  # individually allocated overflow buckets chained to buckets
        self.old_heap_ovf = 0  # ... still reachable from oldbuckets
        self.prealloc_used = 0  # pre-allocated overflow buckets handed out since makeBucketArray
        # overflow lists (pointer-free buckets): [len, cap, backing bytes] or None
        self.ovf_list: list[int] | None = None
        self.old_ovf_list: list[int] | None = None
        self.retained: set[Any] = set()  # keys whose indirect objects old cells hold
        self.orphans = 0  # deleted entries whose objects old cells still hold
        self.grow_events = 0
        # Which overflow buckets were pre-allocated inside the current / old array
        # (by identity): an old chain stays reachable from its first one on.
        self.prealloc_ids: set[int] = set()
        self.old_prealloc_ids: set[int] = set()
        self.unlinked = 0  # overflow buckets freed by clearing evacuated old buckets
        self._handlers = {
            "firstBucket": self._first_bucket,
            "hashGrow": self._hash_grow,
            "newoverflow": self._newoverflow,
            "evacuate": self._evacuate,
            "growDone": self._grow_done,
            "clear": self._clear,
            "iterInit": self._iter_init,
            "clone": self._clone,
        }

    def attach(self, h: Any) -> None:
        """The engine is built: account for ``makemap`` as the engine's Go release
        does it (``h.go``: the hmap's size, the malloc header)."""
        self.h = h
        # The native engine has no behaviour record: it is the pinned release.
        self._adopt_release(getattr(h, "go", None) or go_behaviour(None, "classic"))
        self._alloc(malloc_size(self.hmap_size, False))
        if h.buckets is not None:
            self.array_bytes = self.layout.bucket_array_bytes(len(h.buckets))
            self._alloc(self.array_bytes)
            self.prealloc_ids = self._prealloc_ids()
            if h.next_overflow is not None:
                self._alloc(MAPEXTRA_SIZE)
                self.extra = True
        self.settle()

    def _adopt_release(self, go: Any) -> None:
        if go.hmap_clear_seq:
            self.hmap_size = HMAP_CLEARSEQ_SIZE
        if self.layout.malloc_header != go.malloc_header:
            from dataclasses import replace

            self.layout = replace(self.layout, malloc_header=go.malloc_header)
            self.ovf_bytes = malloc_size(self.layout.bucket_size, not self.layout.bucket_pointers,
                                         go.malloc_header)
            self.entry_bytes = self.layout.entry_object_bytes

    def _prealloc_ids(self) -> Any:
        h = self.h
        arr: Any = h.buckets
        sparse = _loaded_type("gomap.classic.hmap", "SparseBucketArray")
        if sparse is not None and isinstance(arr, sparse):
            return _SparsePrealloc(arr, 1 << h.B)
        return {_ident(b) for b in arr[1 << h.B:]}

    def _first_bucket(self, d: dict[str, Any]) -> None:
        """``h.buckets = newobject(t.Bucket)``: the first insert into a B=0 map."""
        self.array_bytes = self.layout.bucket_array_bytes(1)
        self._alloc(self.array_bytes)

    def deleted(self, key: Any) -> None:
        self.entries -= 1
        if self.entry_bytes:
            if self.retained and key in self.retained:
                # An old bucket still points at the key/elem objects.
                self.retained.discard(key)
                self.orphans += 1
            else:
                self.live -= self.entry_bytes

    # --- events ---------------------------------------------------------------------
    def _create_overflow(self) -> None:
        if not self.extra:
            self._alloc(MAPEXTRA_SIZE)
            self.extra = True
        if self.ovf_list is None:
            self._alloc(SLICE_HEADER_SIZE)
            self.ovf_list = [0, 0, 0]

    def _newoverflow(self, d: dict[str, Any]) -> None:
        if d["prealloc"]:
            self.prealloc_used += 1
        else:
            self._alloc(self.ovf_bytes)
            self.heap_ovf += 1
        if not self.pointers:
            self._create_overflow()
            lst = self.ovf_list
            assert lst is not None
            n, cap, nbytes = lst
            if n == cap:
                cap, new_bytes = growslice_ptrs(n + 1, cap, self.layout.malloc_header)
                self._alloc(new_bytes)
                self.live -= nbytes
                lst[1], lst[2] = cap, new_bytes
            lst[0] = n + 1

    def _hash_grow(self, d: dict[str, Any]) -> None:
        h = self.h
        self.grow_events += 1
        self.old_array_bytes = self.array_bytes
        self.array_bytes = self.layout.bucket_array_bytes(len(h.buckets))
        self._alloc(self.array_bytes)
        self.old_heap_ovf = self.heap_ovf
        self.heap_ovf = 0
        self.prealloc_used = 0
        self.old_prealloc_ids = self.prealloc_ids
        self.prealloc_ids = self._prealloc_ids()
        if self.ovf_list is not None:
            self.old_ovf_list = self.ovf_list
            self.ovf_list = None
        if h.next_overflow is not None and not self.extra:
            self._alloc(MAPEXTRA_SIZE)
            self.extra = True

    def _evacuate(self, d: dict[str, Any]) -> None:
        """An old bucket was evacuated (the event comes before it is cleared).

        Clearing unlinks the bucket's overflow chain, but the chain stays reachable
        from its first pre-allocated overflow bucket on (that one lives inside the
        old array until the growth ends): the individually allocated buckets before
        it are freed. With indirect keys/elems, the objects that old cells still
        point to stay live until the growth ends: every moved cell's if the bucket
        is not cleared, else those from the first pre-allocated bucket on."""
        cleared = d["cleared"]
        want_keys = self.entry_bytes != 0
        if not cleared and not want_keys:
            return
        from gomap.classic.hmap import EVACUATED_X, EVACUATED_Y  # (a Python engine's event)

        b: Any = self.h.oldbuckets[d["oldbucket"]]
        unlinked = 0
        reachable = not cleared
        retained = self.retained
        prealloc = self.old_prealloc_ids
        first = True
        while b is not None:
            if not first and _ident(b) in prealloc:
                reachable = True
            if not reachable and not first:
                unlinked += 1
            if reachable and want_keys:
                th = b.tophash
                retained.update(
                    b.keys[i] for i in range(8) if EVACUATED_X <= th[i] <= EVACUATED_Y
                )
            first = False
            b = b.overflow
        if unlinked:
            self.unlinked += unlinked
            self.old_heap_ovf -= unlinked
            self.live -= unlinked * self.ovf_bytes

    def _free_old(self) -> None:
        self.live -= self.old_array_bytes + self.old_heap_ovf * self.ovf_bytes
        self.old_array_bytes = 0
        self.old_heap_ovf = 0
        self.old_prealloc_ids = set()
        if self.old_ovf_list is not None:
            self.live -= SLICE_HEADER_SIZE + self.old_ovf_list[2]
            self.old_ovf_list = None
        self.live -= self.orphans * self.entry_bytes
        self.orphans = 0
        self.retained.clear()

    def _grow_done(self, d: dict[str, Any]) -> None:
        self._free_old()

    def _clear(self, d: dict[str, Any]) -> None:
        # mapclear: the old array goes, the main array is zeroed in place (its
        # pre-allocated overflow buckets recovered), the overflow lists dropped.
        self._free_old()
        self.live -= self.heap_ovf * self.ovf_bytes
        self.heap_ovf = 0
        self.prealloc_used = 0
        if self.ovf_list is not None:
            self.live -= SLICE_HEADER_SIZE + self.ovf_list[2]
            self.ovf_list = None

    def _iter_init(self, d: dict[str, Any]) -> None:
        # mapiterinit keeps the overflow buckets of a pointer-free map alive
        # through the overflow lists, creating them if needed.
        if not self.pointers:
            self._create_overflow()

    # --- figures --------------------------------------------------------------------
    def overflow_buckets(self) -> int:
        """Overflow buckets chained in the current array (pre-allocated or not)."""
        return self.heap_ovf + self.prealloc_used

    def scan_bytes(self) -> int:
        return classic_scan(self.layout, self.h, self.extra, self.heap_ovf + self.old_heap_ovf,
                            [None if lst is None else lst[1]
                             for lst in (self.ovf_list, self.old_ovf_list)],
                            self.entries + self.orphans, self.hmap_size == HMAP_CLEARSEQ_SIZE)

    def breakdown(self) -> dict[str, int]:
        lists = 0
        for lst in (self.ovf_list, self.old_ovf_list):
            if lst is not None:
                lists += SLICE_HEADER_SIZE + lst[2]
        return {
            "header": malloc_size(self.hmap_size, False) + (MAPEXTRA_SIZE if self.extra else 0),
            "buckets": self.array_bytes,
            "old_buckets": self.old_array_bytes,
            "overflow_buckets": (self.heap_ovf + self.old_heap_ovf) * self.ovf_bytes,
            "overflow_lists": lists,
            "indirect": (self.entries + self.orphans) * self.entry_bytes,
        }


class _NativeAccountant:
    """The figures an accountant gives, read off a native engine that keeps them
    itself, in C, at the points the Python accountant would (``_account``): nothing
    crosses into Python per operation. Subclasses hand the constants over at
    :meth:`attach` and say how the totals break down."""

    impl = ""
    native = True

    def __init__(self, layout: MapLayout) -> None:
        self.layout = layout
        self.engine: Any = None

    def attach(self, engine: Any) -> None:
        raise NotImplementedError

    def _state(self, name: str) -> int:
        return int(self.engine._acct_state()[name])

    @property
    def live(self) -> int:
        return int(self.engine.acct_live)

    @property
    def allocated(self) -> int:
        return int(self.engine.acct_allocated)

    @property
    def allocations(self) -> int:
        return int(self.engine.acct_allocations)

    @property
    def peak(self) -> int:
        return int(self.engine.acct_peak)

    @property
    def entries(self) -> int:
        return int(self.engine.acct_entries)

    @property
    def grow_events(self) -> int:
        return self._state("grow_events")

    def settle(self) -> None:
        """The C operations record the peak themselves."""

    def breakdown(self) -> dict[str, int]:
        raise NotImplementedError

    def scan_bytes(self) -> int:
        raise NotImplementedError

    def stats(self) -> MemoryStats:
        live = self.live
        return MemoryStats(self.impl, live, self.allocated, max(self.peak, live),
                           self.allocations, self.breakdown(), self.scan_bytes())


class NativeClassicAccountant(_NativeAccountant):
    """:class:`ClassicAccountant`'s figures for the native classic engine
    (``HMap._account``). The constants (sizes, the release's rules) are computed by
    a :class:`ClassicAccountant` and handed over at :meth:`attach`."""

    impl = "classic"

    def __init__(self, layout: MapLayout) -> None:
        super().__init__(layout)
        self._ref = ClassicAccountant(layout)

    def attach(self, h: Any) -> None:
        """Start the C accountant on ``h`` (it counts ``makemap``'s allocations)."""
        ref = self._ref
        ref._adopt_release(go_behaviour(None, "classic"))  # the native engine's release
        lay = ref.layout
        self.engine = h
        h._account(entry_bytes=ref.entry_bytes, key_bytes=lay.key_object_bytes,
                   elem_bytes=lay.elem_object_bytes, indirect_key=lay.indirect_key,
                   indirect_elem=lay.indirect_elem, ovf_bytes=ref.ovf_bytes,
                   hmap_bytes=malloc_size(ref.hmap_size, False), mapextra_size=MAPEXTRA_SIZE,
                   slice_header_size=SLICE_HEADER_SIZE, array_bytes=lay.bucket_array_bytes,
                   growslice=lambda n, cap: growslice_ptrs(n, cap, lay.malloc_header))

    @property
    def unlinked(self) -> int:
        return int(self.engine.acct_unlinked)

    @property
    def orphans(self) -> int:
        """Deleted entries whose indirect objects old cells still hold."""
        return self._state("orphans")

    def overflow_buckets(self) -> int:
        """Overflow buckets chained in the current array (pre-allocated or not)."""
        return int(self.engine.acct_overflow_buckets)

    def scan_bytes(self) -> int:
        s = self.engine._acct_state()
        lay = self._ref.layout

        def cap(nbytes: int) -> int | None:  # a list's capacity from its bytes
            if not nbytes:
                return None
            backing = nbytes - SLICE_HEADER_SIZE
            if lay.malloc_header and backing > 512:
                backing -= 8
            return backing // 8

        return classic_scan(lay, self.engine, bool(s["extra"]), s["heap_ovf"] + s["old_heap_ovf"],
                            [cap(s["ovf_list_bytes"]), cap(s["old_ovf_list_bytes"])],
                            s["entries"] + s["orphans"])

    def breakdown(self) -> dict[str, int]:
        s = self.engine._acct_state()
        return {
            "header": s["hmap_bytes"] + (MAPEXTRA_SIZE if s["extra"] else 0),
            "buckets": s["array_bytes"],
            "old_buckets": s["old_array_bytes"],
            "overflow_buckets": (s["heap_ovf"] + s["old_heap_ovf"]) * self._ref.ovf_bytes,
            "overflow_lists": s["ovf_list_bytes"] + s["old_ovf_list_bytes"],
            "indirect": (s["entries"] + s["orphans"]) * self._ref.entry_bytes,
        }


class SwissAccountant(_Accountant):
    """Heap accounting for the Swiss engine (Go 1.27 ``internal/runtime/maps``)."""

    impl = "swiss"

    def __init__(self, layout: MapLayout) -> None:
        super().__init__(layout)
        self.m: Any = None
        self.small_bytes = 0
        self.dir_bytes = 0
        self.tables = 0
        self.table_bytes = 0  # table headers + their group arrays
        self.capacity = 0  # slots in all tables (or the small group)
        self.grow_events = 0
        self._handlers = {
            "growToSmall": self._grow_to_small,
            "smallToTable": self._small_to_table,
            "tableGrow": self._table_grow,
            "split": self._split,
            "directoryGrow": self._directory_grow,
            "clone": self._clone,
        }

    def _table(self, capacity: int) -> int:
        return SWISS_TABLE_SIZE + self.layout.group_array_bytes(capacity // 8)

    def _new_table(self, capacity: int) -> None:
        # newTable: the table header, then its groups.
        self._alloc(SWISS_TABLE_SIZE)
        self._alloc(self.layout.group_array_bytes(capacity // 8))
        self.tables += 1
        self.table_bytes += self._table(capacity)
        self.capacity += capacity

    def _drop_table(self, capacity: int) -> None:
        nbytes = self._table(capacity)
        self.live -= nbytes
        self.table_bytes -= nbytes
        self.tables -= 1
        self.capacity -= capacity

    def _new_directory(self, n: int) -> None:
        self.dir_bytes = malloc_size(8 * n, False, self.layout.malloc_header)
        self._alloc(self.dir_bytes)

    def attach(self, m: Any) -> None:
        """The engine is built: account for ``NewMap`` (or for ``Map.Clone``'s copy of
        the structure: the map, the small group, the directory, the tables)."""
        self.m = m
        self._alloc(SWISS_MAP_SIZE)
        if m.dir_len == 0 and m.small is not None:
            self._grow_to_small({})
        if m.dir_len:
            self._new_directory(m.dir_len)
            d = m.directory
            if _sparse_directory(d):
                # NewMap's tables, counted without being built: each is a table
                # header and its groups, two allocations.
                n, cap = d.untouched(), d.table_capacity()
                each = self._table(cap)
                self.allocated += n * each
                self.allocations += 2 * n
                self.live += n * each
                self.tables += n
                self.table_bytes += n * each
                self.capacity += n * cap
            seen: set[int] = set()
            for t in d.tables() if _sparse_directory(d) else d:
                if id(t) not in seen:
                    seen.add(id(t))
                    self._new_table(t.capacity)
        self.settle()

    def _grow_to_small(self, d: dict[str, Any]) -> None:
        """``growToSmall``: the single group of a small map."""
        self.small_bytes = self.layout.group_array_bytes(1)
        self._alloc(self.small_bytes)
        self.capacity = 8

    def _small_to_table(self, d: dict[str, Any]) -> None:
        self.grow_events += 1
        self.capacity = 0
        self._new_table(d["capacity"])
        self._new_directory(1)
        self.live -= self.small_bytes
        self.small_bytes = 0

    def _table_grow(self, d: dict[str, Any]) -> None:
        self.grow_events += 1
        self._new_table(d["new_capacity"])
        self._drop_table(d["old_capacity"])

    def _split(self, d: dict[str, Any]) -> None:
        self.grow_events += 1
        # Both halves were allocated before the directory (if it grew) and the
        # events come after; the totals do not depend on the order.
        self._new_table(1024)
        self._new_table(1024)
        self._drop_table(1024)

    def _directory_grow(self, d: dict[str, Any]) -> None:
        old = self.dir_bytes
        self._new_directory(d["new_dir_len"])
        self.live -= old

    def tombstones(self) -> int:
        m = self.m
        total = 0
        last = None
        d = m.directory
        for t in d.tables() if _sparse_directory(d) else d:
            if t is not last:
                total += t.tombstones()
                last = t
        return total

    def breakdown(self) -> dict[str, int]:
        return {
            "header": SWISS_MAP_SIZE,
            "small_group": self.small_bytes,
            "directory": self.dir_bytes,
            "tables": self.table_bytes,
            "indirect": self.entries * self.entry_bytes,
        }

    def scan_bytes(self) -> int:
        return swiss_scan(self.layout, self.m, bool(self.small_bytes), self.entries)


class NativeSwissAccountant(_NativeAccountant):
    """:class:`SwissAccountant`'s figures for the native Swiss engine
    (``SwissMap._account``). The sizes are the layout's, handed over at
    :meth:`attach`."""

    impl = "swiss"

    def __init__(self, layout: MapLayout) -> None:
        super().__init__(layout)
        self.entry_bytes = layout.entry_object_bytes

    def attach(self, m: Any, cloned: bool = False) -> None:
        """Start the C accountant on ``m`` (it counts ``NewMap``'s allocations, or
        with ``cloned`` those of ``Map.Clone`` that made ``m``)."""
        lay = self.layout
        self.engine = m
        m._account(entry_bytes=self.entry_bytes, key_bytes=lay.key_object_bytes,
                   elem_bytes=lay.elem_object_bytes, indirect_key=lay.indirect_key,
                   indirect_elem=lay.indirect_elem, table_size=SWISS_TABLE_SIZE,
                   map_size=SWISS_MAP_SIZE, group_array_bytes=lay.group_array_bytes,
                   dir_bytes=lambda n: malloc_size(8 * n, False, lay.malloc_header),
                   cloned=cloned)

    def attach_clone(self, m: Any) -> None:
        """Start the C accountant on ``m``, the result of ``Map.Clone``."""
        self.attach(m, cloned=True)

    @property
    def tables(self) -> int:
        return self._state("tables")

    @property
    def capacity(self) -> int:
        return self._state("capacity")

    def tombstones(self) -> int:
        return int(self.engine.stats().tombstones)

    def scan_bytes(self) -> int:
        s = self.engine._acct_state()
        return swiss_scan(self.layout, self.engine, bool(s["small_bytes"]), s["entries"])

    def breakdown(self) -> dict[str, int]:
        s = self.engine._acct_state()
        return {
            "header": SWISS_MAP_SIZE,
            "small_group": s["small_bytes"],
            "directory": s["dir_bytes"],
            "tables": s["table_bytes"],
            "indirect": s["entries"] * self.entry_bytes,
        }


# --- the accounted engine ------------------------------------------------------------
def int64_keys(layout: MapLayout) -> bool:
    """Whether every key of ``layout``'s key type is an int64 value (Go's signed
    integers, and the unsigned ones narrower than 64 bits)."""
    k = layout.key
    return k.kind == "int" or (k.kind == "uint" and k.size < 8)


class AccountedEngine:
    """An engine with its heap accounted (implements the Engine contract).

    The accountant listens to the engine's events (the allocations and frees they
    report); this wrapper adds what no event reports: entries added and removed,
    seen as changes of ``len(engine)`` around each operation (indirect keys and
    elems), and the peak after each operation.
    """

    def __init__(self, impl: str, hint: int, layout: MapLayout,
                 observer: Observer | None = None, *, unbox_int_keys: bool = False,
                 **options: Any) -> None:
        from gomap.engines import get_engine

        spec = get_engine(impl)
        self.impl = spec.name
        self.layout = layout
        self._options = dict(options)  # what rebuild() makes its new map with
        for k, v in spec.layout_options(layout).items():
            options.setdefault(k, v)
        subscribers: list[Observer] = [] if observer is None else [observer]
        self.engine: Any = spec.new(hint, subscribers=subscribers, **options)
        self.native = getattr(self.engine, "backend", "python") == "native"
        # unbox_int_keys: the keys are Go integers of the layout's key type (the
        # simulator's maps), which a native engine can keep as int64 in its buckets.
        self.unbox_int_keys = unbox_int_keys
        self._unbox()
        self.acct: Any = spec.accountant(layout, native=self.native)
        if getattr(self.acct, "native", False):
            # The C engine accounts its own operations: nothing to wrap.
            self.acct.attach(self.engine)
            e = self.engine
            self.assign, self.delete, self.clear, self.lookup = (e.assign, e.delete, e.clear,
                                                                 e.lookup)
            return
        self.native = False
        # First in line, as if subscribed at make: no event before this one needs it.
        engine: Any = self.engine
        engine.subscribers.insert(0, self.acct.on_event)
        self.acct.attach(self.engine)
        self._bind(self.engine, self.acct, spec.count_attr)

    # The operations are closures over the engine, its accountant and the name of its
    # count field: this wrapper sits on the simulator's hot path.
    assign: Callable[[Any, Any], None]
    delete: Callable[[Any], None]
    clear: Callable[[], None]
    lookup: Callable[[Any], tuple[bool, Any]]

    def _bind(self, e: Any, acct: Any, cnt: str) -> None:
        e_assign, e_delete, e_clear = e.assign, e.delete, e.clear

        def assign(key: Any, elem: Any) -> None:
            n = getattr(e, cnt)
            try:
                e_assign(key, elem)
            finally:
                if getattr(e, cnt) != n:
                    acct.inserted()
                if acct.live > acct.peak:
                    acct.peak = acct.live

        def delete(key: Any) -> None:
            n = getattr(e, cnt)
            try:
                e_delete(key)
            finally:
                if getattr(e, cnt) != n:
                    acct.deleted(key)

        def clear() -> None:
            n = getattr(e, cnt)
            try:
                e_clear()
            finally:
                now = getattr(e, cnt)
                if now != n:
                    acct.cleared(n - now)

        self.assign, self.delete, self.clear, self.lookup = assign, delete, clear, e.lookup

    def __len__(self) -> int:
        return len(self.engine)

    # --- the ways to get a smaller map ------------------------------------------------
    def clone(self) -> AccountedEngine:
        """``maps.Clone(m)`` of the engine's release, accounted on its own: the new
        engine's figures are the clone's allocations (and the key objects it shares
        with this map, which stay live through it)."""
        from gomap.engines import get_engine

        spec = get_engine(self.impl)
        new = AccountedEngine.__new__(AccountedEngine)
        new.impl, new.layout, new._options = self.impl, self.layout, dict(self._options)
        new.unbox_int_keys = self.unbox_int_keys
        new.native = self.native
        acct: Any = spec.accountant(self.layout, native=self.native)
        new.acct = acct
        if self.native:
            # Swiss: the copy is accounted once built (attach_clone); classic: from
            # makemap on, as the Python engines are.
            c = self.engine.clone(prepare=getattr(acct, "attach_clone", acct.attach))
            new.engine = c
            new.assign, new.delete, new.clear, new.lookup = c.assign, c.delete, c.clear, c.lookup
            return new

        def prepare(dst: Any) -> None:
            dst.subscribers.insert(0, acct.on_event)
            acct.attach(dst)

        new.engine = self.engine.clone(prepare=prepare)
        new._bind(new.engine, acct, spec.count_attr)
        acct.settle()
        return new

    def rebuild(self, order: Iterable[Any] | None = None) -> AccountedEngine:
        """What the "never shrinks" advice says: ``m2 := make(map[K]V, len(m))``,
        ``for k, v := range m { m2[k] = v }``, ``m = m2``. The new engine is made with
        this one's hasher and random source (the seed draw first, then the loop's),
        and accounted on its own; this map's accountant sees the ``range``. ``order``:
        the keys in the order the loop produces them (default: this map's iterator)."""
        new = self._rebuild_target()
        self._copy_into(new, self.iterator(), order)
        return new

    def rebuilt_memory(self) -> tuple[MemoryStats, int]:
        """What :meth:`rebuild` would give — the new map's :meth:`memory` and its
        capacity — without building the copy where the native engine can count it:
        the new map is made (its seed drawn) and the loop runs, but each key is only
        hashed and counted into its bucket or table (``_rebuild_census``). When the
        counts show the inserts cannot grow the map, the new map is accounted as the
        inserts would account it; otherwise the keys are copied. A classic map sized by
        the hint ``len(m)`` never grows during the copy; a Swiss map does when a table
        gets more keys than its ``growthLeft``, which happens to about half the tables
        of a map just under 7/8 of a power-of-two capacity (those are copied). Proven
        equal to :meth:`rebuild` by tests/test_rebuilt_memory.py."""
        # Not made unboxed: a classic census never writes its buckets, so their
        # pages stay untouched (unboxing writes every bucket's mode).
        new = self._rebuild_target(unbox=False)
        it = self.iterator()
        census = getattr(new.engine, "_rebuild_census", None) \
            if getattr(new.acct, "native", False) else None
        if census is None or census(it) is None:
            if census is not None:  # the census ran the loop: copy from a new one
                it = self.iterator()
            new.unbox_int_keys = self.unbox_int_keys
            new._unbox()
            self._copy_into(new, it, None)
        return new.memory(), new.stats().capacity

    def _unbox(self) -> None:
        """Make the (empty) engine keep its keys as int64 when ``unbox_int_keys`` asks
        it to and the layout's keys are Go integers (a native engine only)."""
        unbox = getattr(self.engine, "_unbox_int_keys", None)
        if self.unbox_int_keys and unbox is not None and int64_keys(self.layout):
            unbox()

    def _rebuild_target(self, unbox: bool = True) -> AccountedEngine:
        """``make(map[K]V, len(m))`` with this map's hasher and random source."""
        e = self.engine
        opts = dict(self._options)
        if self.native:  # every bucket of the new map is written: no sparse Python engine
            opts.setdefault("backend", "native")
        for name in ("hasher", "rand"):
            fn = getattr(e, name, None)
            if fn is not None:
                opts[name] = fn
        return AccountedEngine(self.impl, len(e), self.layout,
                               unbox_int_keys=unbox and self.unbox_int_keys, **opts)

    def _copy_into(self, new: AccountedEngine, it: Any, order: Iterable[Any] | None) -> None:
        """``for k, v := range m { new[k] = v }`` from the started iterator ``it``."""
        e = self.engine
        assign = new.assign
        from gomap.ops import SET

        native_loop = getattr(new.engine, "_replay", None) \
            if getattr(new.acct, "native", False) else None
        copy_from = getattr(new.engine, "_copy_from", None) \
            if getattr(new.acct, "native", False) else None
        if order is None and copy_from is not None:
            copy_from(it)  # the copy in C (from a native iterator: keys as stored)
        elif order is None and native_loop is not None and hasattr(it, "__next__"):
            # The copy in C: the iterator's (k, e) pairs become (SET, k, e) for the
            # simulator's loop, which assigns and accounts as assign does.
            done = native_loop(map(operator.add, itertools.repeat((SET,)), cast(Any, it)), 0,
                               len(e) + 1, 0, 0, 0)
            if done[1] is not None or not done[2]:
                raise RuntimeError(f"rebuild: the native copy stopped at {done[:2]!r}")
        elif order is None:
            while (kv := it.next()) is not None:
                assign(kv[0], kv[1])
        else:
            # The loop's order given (the memory oracle replays the runtime's): the
            # iterator only starts (mapiterinit's allocations), the keys come from order.
            lookup = e.lookup
            for k in order:
                ok, v = lookup(k)
                if not ok:
                    raise KeyError(f"rebuild order: {k!r} is not in the map")
                assign(k, v)
        new.acct.settle()

    def iterator(self) -> EngineIter:
        it: EngineIter = self.engine.iterator()
        self.acct.settle()  # (a native accountant has settled already)
        return it

    def subscribe(self, fn: Observer, events: Iterable[str] | None = None) -> Observer:
        return self.engine.subscribe(fn, events)

    def unsubscribe(self, fn: Observer) -> None:
        self.engine.unsubscribe(fn)

    def stats(self, deep: bool = False) -> MapStats:
        return self.engine.stats(deep)

    def snapshot(self) -> dict[str, Any]:
        return self.engine.snapshot()

    def check_invariants(self) -> None:
        self.engine.check_invariants()

    def memory(self) -> MemoryStats:
        return self.acct.stats()


def accounted_engine(impl: str, hint: int, layout: MapLayout,
                     observer: Observer | None = None, **options: Any) -> AccountedEngine:
    """An engine of ``impl`` (a name in :mod:`gomap.engines`) with heap accounting."""
    return AccountedEngine(impl, hint, layout, observer, **options)
