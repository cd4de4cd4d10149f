"""The Swiss map: small-map group, directory of tables, and the map operations.

Mirrors ``internal/runtime/maps/map.go`` of Go 1.27.3 (``Map``, ``NewMap``,
``PutSlot``, ``Delete``, ``Clear``, ``Clone``, the directory helpers) together with
the entry points the compiler calls in ``runtime.go``, ``runtime_fast32.go``,
``runtime_fast64.go`` and ``runtime_faststr.go`` (``mapaccess2``, ``mapassign``,
``mapdelete`` and their typed variants).

A map stores its entries in one of three shapes:

* **no storage** (``dirPtr == nil``): ``make(map)`` and any ``make(map, hint)``
  with ``hint <= 8`` allocate nothing; the first assignment allocates one group
  (``growToSmall``). Snapshot: ``small: None, directory: []``.
* **small map** (``dirLen == 0``, ``dirPtr`` → one group): up to 8 entries in a
  single group, no probing, no tombstones (a deleted slot becomes empty at once).
  The 9th distinct key moves the entries into a 16-slot table (``growToTable``).
* **directory of tables** (``dirLen == 1 << globalDepth``): extendible hashing; the
  top ``globalDepth`` bits of the hash select a directory entry, several entries may
  share a table of smaller ``localDepth``. The directory only ever grows (when a
  table with ``localDepth == globalDepth`` splits); no path shrinks a map.

``writing`` is Go's misuse detector. Go toggles a byte; here it is a
:class:`threading.Lock` taken with ``blocking=False`` right where Go toggles the flag
(after hashing the key), so a second writer fails to take it
(:class:`~gomap.errors.ConcurrentMapWriteError`) before it changes anything, and
reads / iterator steps that see it held raise the read/iteration errors. A Python
exception raised by user code (``__eq__``, ``__hash__``) releases it again.

Go releases (``go=``, a :class:`gomap.versions.GoBehaviour` or a version string,
default 1.27.3) differ in three named switches, consulted where Go's code differs:
``prune_tombstones`` (1.25+: the typed assign paths prune before growing; 1.24
never prunes), ``tombstone_possible`` (1.25+: ``Clear`` of an emptied map with
tombstones still clears and re-seeds; 1.24 returns at once) and
``small_update_in_place`` (1.27: a full small map updates an existing key in place
and grows only for a new one; 1.24–1.26 grow first). ``prune_on_ptr_keys`` (1.27)
decides it for the pointer-key paths ``fast32ptr`` / ``fast64ptr``.

Random draws (``rand()``), one hook call per Go call, in Go's order:
``NewMap``/``NewEmptyMap`` draws the seed; ``Delete`` re-draws it when the map
becomes empty; ``Clear`` re-draws it whenever it does not return early;
``Iter.Init`` draws ``entryOffset`` then ``dirOffset`` when the map is non-empty.
The hasher itself may draw (NaN keys), and it is called exactly where Go calls
``typ.Hasher``: every grow, split and small-to-table move re-hashes each key.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from gomap.errors import (
    ConcurrentMapReadWriteError,
    ConcurrentMapWriteError,
    MapFatalError,
)
from gomap.events import EventSource, Observer
from gomap.hashing import DefaultHasher, Hasher, Rand, check_hashable, default_rand
from gomap.layout.types import KEY_KINDS as MAP_KEY_KINDS
from gomap.swiss.group import (
    CTRL_EMPTY,
    GROUP_SLOTS,
    M64,
    MAX_AVG_GROUP_LOAD,
    MAX_TABLE_CAPACITY,
    Group,
    align_up_pow2,
)
from gomap.swiss.iter import Iter
from gomap.swiss.sparse import SPARSE_MIN_TABLES, Directory, SparseDirectory
from gomap.swiss.table import Table, new_table
from gomap.versions import GoBehaviour, go_behaviour, pinned_release

if TYPE_CHECKING:
    from gomap._engine import MapStats

GO_VERSION = pinned_release("swiss")
"""The Go release whose ``internal/runtime/maps`` this engine mirrors by default
(``go=`` picks another, 1.24 through 1.27: see :mod:`gomap.versions`)."""

KEY_KINDS = MAP_KEY_KINDS
"""Which of Go's access paths the modelled key type takes (see :class:`SwissMap`)."""


MAX_ALLOC = 1 << 48
"""``runtime.maxAlloc`` on linux/amd64: NewMap refuses hints needing more."""

def depth_to_shift(depth: int) -> int:
    """``depthToShift`` on 64-bit: the shift that leaves ``depth`` top hash bits."""
    return 64 - depth


class SwissMap(EventSource):
    """One Go map (``maps.Map``) of Go 1.24 through 1.27, state-exact with the runtime.

    ``SwissMap(hint=0, *, hasher=None, rand=None, observer=None, key_kind="generic",
    go=None)`` is ``make(map[K]V, hint)`` as built by Go ``go`` (default 1.27.3).
    ``key_kind`` names the compiled access path of the
    modelled key type ``K``: ``"generic"`` (``mapassign``: floats, interfaces such as
    ``map[any]V``, structs, arrays — the right model for arbitrary Python keys),
    ``"fast32"`` / ``"fast64"`` (4- and 8-byte integers), ``"fast32ptr"`` /
    ``"fast64ptr"`` (pointers) or ``"faststr"`` (strings). They differ in one
    state-visible way: only the typed paths prune tombstones before growing a table
    (from Go 1.25; the pointer paths from Go 1.27).

    >>> m = SwissMap(hasher=lambda k, s: k * 0x9E3779B97F4A7C15 % 2**64, rand=lambda: 7)
    >>> for i in range(9):
    ...     m.assign(i, str(i))
    >>> len(m), m.lookup(3), m.dir_len
    (9, (True, '3'), 1)
    """

    __slots__ = (
        "_fast_small",
        "_prune",
        "_tomb",
        "_typed",
        "_writing",
        "clear_seq",
        "dir_len",
        "directory",
        "global_depth",
        "global_shift",
        "go",
        "group_size",
        "hasher",
        "key_kind",
        "rand",
        "seed",
        "small",
        "subscribers",
        "used",
    )

    impl = "swiss"

    INLINED = True
    """Whether the hot paths run their inlined copies of the named Go functions
    (``False`` in :class:`gomap.swiss.debug.ReferenceSwissMap`, which tests hold
    equal to this class)."""

    used: int
    """Number of entries (full slots in all tables, or in the small group)."""
    seed: int
    """``seed``: the hash seed, ``uintptr(rand())``."""
    small: Group | None
    """The single group of a small map (``dirPtr`` while ``dirLen == 0``)."""
    directory: Directory | SparseDirectory
    """``dirPtr[:dirLen]``: the tables, one entry per ``globalDepth``-bit prefix
    (:mod:`gomap.swiss.sparse`: built, or built on first touch)."""
    dir_len: int
    """Directory length: 0 for a small (or not yet allocated) map."""
    global_depth: int
    """Number of hash bits used to select a directory entry."""
    global_shift: int
    """``64 - globalDepth``."""
    clear_seq: int
    """Number of ``Clear`` calls that did not return early; iterators compare it."""

    def __init__(
        self,
        hint: int = 0,
        *,
        hasher: Hasher | None = None,
        rand: Rand | None = None,
        observer: Observer | None = None,
        subscribers: Iterable[Observer] = (),
        key_kind: str = "generic",
        go: str | GoBehaviour | None = None,
        group_size: int = 8 + GROUP_SLOTS * 32,
    ) -> None:
        if key_kind not in KEY_KINDS:
            raise ValueError(f"key_kind must be one of {KEY_KINDS}, not {key_kind!r}")
        self.go: GoBehaviour = go_behaviour(go, "swiss")
        self.rand: Rand = rand if rand is not None else default_rand()
        self.hasher: Hasher = hasher if hasher is not None else DefaultHasher(self.rand)
        self.subscribers: list[Observer] = list(subscribers)
        if observer is not None:
            self.subscribers.append(observer)
        self.key_kind = key_kind
        self.group_size = group_size  # abi.MapType.GroupSize: NewMap's size limit
        # The typed paths (mapassign_fast*): their probe loop reuses tombstones, and
        # they prune when the release has pruneTombstones for them.
        self._typed = key_kind != "generic"
        if key_kind.endswith("ptr"):
            self._prune = self.go.prune_on_ptr_keys
        else:
            self._prune = self._typed and self.go.prune_tombstones
        # mapaccess2_fast32/64 scan a small group without hashing the key.
        self._fast_small = key_kind in ("fast32", "fast64", "fast32ptr", "fast64ptr")
        self._writing = threading.Lock()
        self.used = 0
        self.small = None
        self.directory = Directory()
        self.dir_len = 0
        self.global_depth = 0
        self.global_shift = 0  # Go's zero value until a directory exists
        # Whether any table may hold a tombstone: Go's tombstonePossible (1.25+);
        # tracked on 1.24 too, where it only enables the model's fast assign path.
        self._tomb = False
        self.clear_seq = 0
        self.new_map(hint)

    # -- creation (NewMap) ----------------------------------------------------------

    def new_map(self, hint: int) -> None:
        """``NewMap`` (and ``makemap``: a negative hint is 0), with Go's uintptr
        arithmetic: a hint too large to allocate gives an empty map, as in Go."""
        self.seed = self.rand() & M64
        if self.subscribers:
            self._emit("seed", {"seed": self.seed, "reason": "new"})
        hint = max(0, hint) & M64
        if hint <= GROUP_SLOTS:
            # A small map fills all 8 slots; nothing is allocated until the first
            # assignment (growToSmall).
            self._made(hint)
            return
        # Set initial capacity to hold hint entries without growing in the average
        # case.
        target_capacity = ((hint * GROUP_SLOTS) & M64) // MAX_AVG_GROUP_LOAD
        if target_capacity < hint:  # overflow
            self._made(hint)
            return  # return an empty map
        dir_size = ((target_capacity + MAX_TABLE_CAPACITY - 1) & M64) // MAX_TABLE_CAPACITY
        if dir_size > 1 << 63:  # alignUpPow2 overflows
            self._made(hint)
            return
        dir_size = align_up_pow2(dir_size)
        # Reject hints that are obviously too large.
        groups = dir_size * MAX_TABLE_CAPACITY
        if groups > M64 or groups * self.group_size > M64 or \
                groups * self.group_size > MAX_ALLOC:
            self._made(hint)
            return  # return an empty map
        self.global_depth = dir_size.bit_length() - 1
        self.global_shift = depth_to_shift(self.global_depth)
        capacity = target_capacity // dir_size
        if dir_size >= SPARSE_MIN_TABLES:
            # Untouched tables are counted, not built (see SparseDirectory).
            self.directory = SparseDirectory(dir_size, capacity, self)
        else:
            self.directory = Directory(
                new_table(capacity, i, self.global_depth) for i in range(dir_size))
        self.dir_len = dir_size
        self._made(hint)

    def _made(self, hint: int) -> None:
        if self.subscribers:
            self._emit("makemap", {"hint": hint, "dir_len": self.dir_len,
                                   "global_depth": self.global_depth})

    # -- directory (extendible hashing) ---------------------------------------------

    def directory_index(self, hash: int) -> int:
        """``directoryIndex``: the top ``globalDepth`` bits of the hash."""
        if self.dir_len == 1:
            return 0
        return hash >> (self.global_shift & 63)

    def directory_set(self, i: int, nt: Table) -> None:
        """``directorySet``."""
        self.directory[i] = nt

    def replace_table(self, nt: Table) -> None:
        """``replaceTable``: point all ``2^(globalDepth-localDepth)`` entries of
        ``nt``'s range at ``nt``."""
        entries = 1 << (self.global_depth - nt.local_depth)
        for i in range(entries):
            self.directory_set(nt.index + i, nt)

    def install_table_split(self, old: Table, left: Table, right: Table) -> None:
        """``installTableSplit``: double the directory if ``old`` used every
        directory bit, then install the halves over ``old``'s range."""
        if old.local_depth == self.global_depth:
            # No room for another level in the directory: grow it (newDir[2i] =
            # newDir[2i+1] = t; t.index updated once: Directory.grown).
            old_len = self.dir_len
            self.directory = self.directory.grown()
            self.global_depth += 1
            self.global_shift -= 1
            self.dir_len = 2 * old_len
            if self.subscribers:
                self._emit("directoryGrow", {"old_dir_len": old_len,
                                             "new_dir_len": self.dir_len,
                                             "global_depth": self.global_depth})
        # left and right may still span several entries if the directory grew
        # several times since old was last split.
        left.index = old.index
        self.replace_table(left)
        entries = 1 << (self.global_depth - left.local_depth)
        right.index = left.index + entries
        self.replace_table(right)

    # -- the Engine API --------------------------------------------------------------

    def __len__(self) -> int:
        return self.used

    def lookup(self, key: Any) -> tuple[bool, Any]:
        """``v, ok := m[key]`` (``mapaccess2`` / ``_fast32`` / ``_fast64`` /
        ``_faststr``): ``(ok, v)``, ``(False, None)`` when absent."""
        if self.used == 0:
            if not self._typed:
                check_hashable(key)  # mapKeyError: unhashable panics even here
            return False, None
        if self._writing.locked():
            raise ConcurrentMapReadWriteError()
        if self.dir_len == 0:
            g = self.small
            assert g is not None
            ctrl = g.ctrl
            keys = g.keys
            if self._fast_small:
                # mapaccess2_fast64: compare each full slot, no hashing.
                for i in range(GROUP_SLOTS):
                    if ctrl[i] < CTRL_EMPTY and key == keys[i]:
                        return True, g.elems[i]
                return False, None
            h2 = self.hasher(key, self.seed) & 0x7F
            i = ctrl.find(h2)
            while i >= 0:
                if key == keys[i]:
                    return True, g.elems[i]
                i = ctrl.find(h2, i + 1)
            return False, None
        hash = self.hasher(key, self.seed) & M64
        t = self.directory[0 if self.dir_len == 1 else hash >> self.global_shift]
        # inlined: Table.get_without_key and its ProbeSeq (offset, index) (the reference
        # path: ReferenceSwissMap.lookup)
        ctrl = t.ctrl
        keys = t.keys
        mask = t.length_mask
        h2 = hash & 0x7F
        offset = (hash >> 7) & mask
        index = 0
        while True:
            base = offset << 3
            end = base + 8
            i = ctrl.find(h2, base, end)
            while i >= 0:
                if key == keys[i]:
                    return True, t.elems[i]
                i = ctrl.find(h2, i + 1, end)
            if ctrl.find(CTRL_EMPTY, base, end) >= 0:
                return False, None
            index += 1
            offset = (offset + index) & mask

    def assign(self, key: Any, elem: Any) -> None:
        """``m[key] = elem`` (``mapassign`` and its typed variants, ``Map.Put``)."""
        if self._writing.locked():
            raise ConcurrentMapWriteError()
        hash = self.hasher(key, self.seed) & M64
        # Set writing after calling Hasher, since Hasher may panic, in which case
        # we have not actually done a write.
        if not self._writing.acquire(blocking=False):
            raise ConcurrentMapWriteError()
        try:
            if self.dir_len == 0:
                if self.small is None:
                    self.grow_to_small()
                if self.go.small_update_in_place:
                    # Go 1.27: putSlotSmall first; a full group grows to a table
                    # and the new key goes in with uncheckedPutSlotForAssign.
                    if not self.put_slot_small(hash, key, elem):
                        tab = self.grow_to_table()
                        tab.unchecked_put_slot(hash, key, elem)
                        self.used += 1
                    return
                if self.used < GROUP_SLOTS:
                    self.put_slot_small(hash, key, elem)
                    return
                # Go 1.24-1.26: a full small map grows to a table before looking,
                # even when the key is already there; the assign then takes the
                # table path below.
                self.grow_to_table()
            t = self.directory[0 if self.dir_len == 1 else hash >> self.global_shift]
            if not self._tomb:
                # inlined: Table.put_slot and its ProbeSeq (the reference path:
                # ReferenceSwissMap.assign).
                # Fast path, exact while no table can hold a tombstone: the probe
                # ends at the first group with an empty slot, which takes the key if
                # growthLeft allows; otherwise table.put_slot rehashes.
                ctrl = t.ctrl
                keys = t.keys
                mask = t.length_mask
                h2 = hash & 0x7F
                offset = (hash >> 7) & mask
                index = 0
                while True:
                    base = offset << 3
                    end = base + 8
                    i = ctrl.find(h2, base, end)
                    while i >= 0:
                        if key == keys[i]:
                            keys[i] = key
                            t.elems[i] = elem
                            return
                        i = ctrl.find(h2, i + 1, end)
                    i = ctrl.find(CTRL_EMPTY, base, end)
                    if i >= 0:
                        break
                    index += 1
                    offset = (offset + index) & mask
                if t.growth_left > 0:
                    keys[i] = key
                    t.elems[i] = elem
                    ctrl[i] = h2
                    t.growth_left -= 1
                    t.used += 1
                    self.used += 1
                    return
            typed = self._typed
            while not t.put_slot(self, hash, key, elem, typed):
                t = self.directory[0 if self.dir_len == 1 else hash >> self.global_shift]
        finally:
            self._writing.release()

    put = assign
    """``Map.Put``."""

    def delete(self, key: Any) -> None:
        """``delete(m, key)`` (``mapdelete``, ``Map.Delete``)."""
        if self.used == 0:
            if not self._typed:
                check_hashable(key)  # mapKeyError, see issue 23734
            return
        if self._writing.locked():
            raise ConcurrentMapWriteError()
        hash = self.hasher(key, self.seed) & M64
        if not self._writing.acquire(blocking=False):
            raise ConcurrentMapWriteError()
        try:
            if self.dir_len == 0:
                self.delete_small(hash, key)
            else:
                t = self.directory[0 if self.dir_len == 1 else hash >> self.global_shift]
                if t.delete(self, hash, key):
                    self._tomb = True
            if self.used == 0:
                # Reset the hash seed to make it more difficult for attackers to
                # repeatedly trigger hash collisions (go.dev/issue/25237).
                self.seed = self.rand() & M64
                if self.subscribers:
                    self._emit("seed", {"seed": self.seed, "reason": "delete"})
        finally:
            self._writing.release()

    def clear(self) -> None:
        """``clear(m)`` (``Map.Clear``). Keeps every table and its capacity."""
        if self.used == 0 and (not self._tomb or not self.go.tombstone_possible):
            # Go 1.24 returns whenever the map has no entries (tombstones stay).
            return
        if not self._writing.acquire(blocking=False):
            raise ConcurrentMapWriteError()
        try:
            used = self.used
            if self.dir_len == 0:
                self.clear_small()
            else:
                for t in self.directory.tables():  # each once (Go: skip t == lastTab)
                    t.clear()
                self.used = 0
                self._tomb = False
            self.clear_seq += 1
            if self.subscribers:
                self._emit("clear", {"small": self.dir_len == 0, "used": used,
                                     "clear_seq": self.clear_seq})
            # Reset the hash seed (go.dev/issue/25237).
            self.seed = self.rand() & M64
            if self.subscribers:
                self._emit("seed", {"seed": self.seed, "reason": "clear"})
        finally:
            self._writing.release()

    def iterator(self) -> Iter:
        """``for k, v := range m``: ``Iter.Init`` (the first ``next()`` is the
        ``Iter.Next`` that ``mapIterStart`` runs)."""
        it = Iter()
        it.init(self)
        return it

    def snapshot(self) -> dict[str, Any]:
        """The whole state (see :func:`gomap.swiss.debug.snapshot`)."""
        from gomap.swiss.debug import snapshot

        return snapshot(self)

    def stats(self, deep: bool = False) -> MapStats:
        """Capacity and occupancy (see :func:`gomap.swiss.debug.stats`)."""
        from gomap.swiss.debug import stats

        return stats(self, deep)

    def check_invariants(self) -> None:
        """Raise :class:`~gomap.errors.InvariantError` on an inconsistent state."""
        from gomap.swiss.debug import check_invariants

        check_invariants(self)

    @property
    def tombstone_possible(self) -> bool:
        """Go's ``tombstonePossible`` (1.25+): false when no table of the map can
        contain a tombstone. Always false on Go 1.24, which has no such field."""
        return self._tomb and self.go.tombstone_possible

    @tombstone_possible.setter
    def tombstone_possible(self, value: bool) -> None:
        self._tomb = value

    @property
    def writing(self) -> bool:
        """Go's ``writing`` flag: a write is under way."""
        return self._writing.locked()

    # -- lookups (Map.getWithKey) ---------------------------------------------------

    def get_with_key(self, key: Any) -> tuple[bool, Any, Any]:
        """``Map.getWithKey``: ``(ok, stored key, elem)``; used by the iterator."""
        if self.used == 0:
            return False, None, None
        if self._writing.locked():
            raise ConcurrentMapReadWriteError()
        hash = self.hasher(key, self.seed) & M64
        if self.dir_len == 0:
            return self.get_with_key_small(hash, key)
        return self.directory[self.directory_index(hash)].get_with_key(hash, key)

    def get(self, key: Any) -> tuple[bool, Any]:
        """``Map.Get``: ``(ok, elem)``; the generic path, always hashing."""
        ok, _, elem = self.get_with_key(key)
        return ok, elem

    def get_with_key_small(self, hash: int, key: Any) -> tuple[bool, Any, Any]:
        """``getWithKeySmall``: one group, no probing."""
        g = self.small
        assert g is not None
        h2 = hash & 0x7F
        i = g.ctrl.find(h2)
        while i >= 0:
            slot_key = g.keys[i]
            if key == slot_key:
                return True, slot_key, g.elems[i]
            i = g.ctrl.find(h2, i + 1)
        return False, None, None

    # -- small map ------------------------------------------------------------------

    def grow_to_small(self) -> None:
        """``growToSmall``: allocate the single group of a small map."""
        self.small = Group()
        if self.subscribers:
            self._emit("growToSmall", {})

    def put_slot_small(self, hash: int, key: Any, elem: Any) -> bool:
        """``putSlotSmall``: update or insert in the small group; ``False`` if the
        group is full and the map must grow to a table."""
        g = self.small
        assert g is not None
        ctrl = g.ctrl
        keys = g.keys
        h2 = hash & 0x7F
        i = ctrl.find(h2)
        while i >= 0:
            if key == keys[i]:
                keys[i] = key
                g.elems[i] = elem
                return True
            i = ctrl.find(h2, i + 1)
        # No deleted slots in a small map: the first empty slot.
        i = ctrl.find(CTRL_EMPTY)
        if i < 0:
            return False
        keys[i] = key
        g.elems[i] = elem
        ctrl[i] = h2
        self.used += 1
        return True

    def grow_to_table(self) -> Table:
        """``growToTable``: move the 8 entries of the small group into a new 16-slot
        table (re-hashing each, in slot order) and make it the whole directory."""
        g = self.small
        assert g is not None
        tab = new_table(2 * GROUP_SLOTS, 0, 0)
        hasher = self.hasher
        seed = self.seed
        for i in range(GROUP_SLOTS):
            if g.ctrl[i] & CTRL_EMPTY:
                continue
            key = g.keys[i]
            tab.unchecked_put_slot(hasher(key, seed) & M64, key, g.elems[i])
        self.directory = Directory([tab])
        self.dir_len = 1
        self.small = None  # the group lives on only for iterators that hold it
        self.global_depth = 0
        self.global_shift = depth_to_shift(0)
        if self.subscribers:
            self._emit("smallToTable", {"used": tab.used, "capacity": tab.capacity})
        return tab

    def delete_small(self, hash: int, key: Any) -> None:
        """``deleteSmall``: a small map reuses deleted slots at once (no tombstone)."""
        g = self.small
        assert g is not None
        h2 = hash & 0x7F
        i = g.ctrl.find(h2)
        while i >= 0:
            if key == g.keys[i]:
                self.used -= 1
                g.keys[i] = None
                g.elems[i] = None
                g.ctrl[i] = CTRL_EMPTY
                return
            i = g.ctrl.find(h2, i + 1)

    def clear_small(self) -> None:
        """``clearSmall``: zero the group in place."""
        assert self.small is not None
        self.small.set_empty()
        self.used = 0

    # -- clone ----------------------------------------------------------------------

    def clone(self, prepare: Callable[[SwissMap], None] | None = None) -> SwissMap:
        """``Map.Clone`` (``maps.Clone``): an independent copy with the same seed,
        counters and layout; tables shared by several directory entries stay shared.
        Draws no random number.

        Go 1.24 (``clone_copies_layout`` off) has no ``Map.Clone``: its
        ``mapclone2`` is ``make(map, len(src))`` (a new seed) and a ``Put`` of
        every entry in iteration order (two more draws), so the copy is compact.

        Without ``prepare`` the copy keeps the source's subscribers. With it, the
        copy starts with none and ``prepare(copy)`` runs once the copy's structure
        is allocated (Go 1.24: right after ``make``; later: after the tables are
        copied), so that an accountant can attach; the copy then emits ``clone``
        (entries, and the indirect key/elem objects allocated for them)."""
        if self._writing.locked():
            raise MapFatalError("concurrent map clone and map write")
        subs = [] if prepare is not None else self.subscribers
        if not self.go.clone_copies_layout:
            dst = SwissMap(self.used, hasher=self.hasher, rand=self.rand,
                           subscribers=subs, key_kind=self.key_kind, go=self.go)
            if prepare is not None:
                prepare(dst)
            it = self.iterator()
            while (kv := it.next()) is not None:
                dst.put(kv[0], kv[1])
            if dst.subscribers:
                dst._emit("clone", {"count": dst.used, "key_allocs": dst.used,
                                    "elem_allocs": dst.used})
            return dst
        m = SwissMap.__new__(SwissMap)
        m.rand = self.rand
        m.hasher = self.hasher
        m.subscribers = list(subs)
        m.key_kind = self.key_kind
        m.go = self.go
        m._typed = self._typed
        m.group_size = self.group_size
        m._prune = self._prune
        m._fast_small = self._fast_small
        m._writing = threading.Lock()
        m.used = self.used
        m.seed = self.seed
        m.dir_len = self.dir_len
        m.global_depth = self.global_depth
        m.global_shift = self.global_shift
        m._tomb = self._tomb
        m.clear_seq = self.clear_seq
        m.small = self.small.clone() if self.small is not None else None
        m.directory = self.directory.cloned(m)  # each table once; shared entries stay shared
        if prepare is not None:
            prepare(m)
        if m.subscribers:
            # cloneGroup: newobject for every indirect key/elem of a full slot.
            m._emit("clone", {"count": m.used, "key_allocs": m.used,
                              "elem_allocs": m.used})
        return m

    # -- helpers --------------------------------------------------------------------

    def __repr__(self) -> str:
        shape = "small" if self.dir_len == 0 else f"dir_len={self.dir_len}"
        return f"<SwissMap used={self.used} {shape} key_kind={self.key_kind}>"
