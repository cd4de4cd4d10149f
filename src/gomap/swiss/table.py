"""One Swiss table: groups, probing, put/delete, tombstones, grow and split.

Mirrors ``internal/runtime/maps/table.go`` of Go 1.27.3 (the ``table`` type, minus
the iterator, which lives in :mod:`gomap.swiss.iter`), together with the insertion
loops that ``runtime_fast32.go``, ``runtime_fast64.go``, ``runtime_faststr.go`` and
``runtime.go`` inline from ``table.PutSlot``.

A table is a complete open-addressed hash table of ``capacity`` slots (a power of
two, 8..1024) in ``capacity/8`` groups. A key's probe sequence starts at group
``h1(hash) & lengthMask`` and walks the triangular sequence of :class:`ProbeSeq`; it
ends at the first group holding an *empty* slot, which is why a table can never be
completely full and why deleting from a full group must leave a tombstone
(``ctrlDeleted``) instead of an empty slot.

``growthLeft`` counts the slots that may still be filled before a rehash: it starts
at 7/8 of the capacity (capacity-1 for a one-group table), drops with every insert
into an empty slot and rises only when a slot becomes empty again (a delete from a
group with an empty slot, a tombstone pruned). Tombstones therefore keep consuming
growth: ``tombstones = capacity*7/8 - used - growthLeft``. When an insert finds
``growthLeft == 0`` the table first tries :meth:`Table.prune_tombstones` (the typed
fast paths only, see below), then :meth:`Table.rehash`: :meth:`Table.grow` into a
table of twice the capacity while that stays within ``maxTableCapacity`` (1024
slots), else :meth:`Table.split` into two 1024-slot tables one directory bit deeper.
Both rebuild from the full slots only, in slot order, re-hashing every key, so all
tombstones vanish. The replaced table is marked stale (``index = -1``) and is left
untouched for iterators that still walk it.

Which insertion loop runs depends on the key type, chosen by the compiler
(``cmd/compile/internal/walk/walk.go: mapfast``):

* ``mapassign_fast32`` / ``_fast64`` / ``_faststr`` (4- and 8-byte memory keys,
  pointers, strings; elem ≤ 128 bytes) and ``Map.PutSlot`` call
  ``pruneTombstones`` when ``growthLeft`` reaches 0;
* the generic ``runtime_mapassign`` (floats, interfaces, structs, arrays, …)
  **never prunes**: it goes straight to ``rehash``.

The two loops also test the end of the probe sequence differently
(``matchEmptyOrDeleted().first()`` is empty vs. ``matchEmpty() != 0``); because a
group holding a tombstone never holds an empty slot (tombstones are only made in
full groups and pruning empties a group's tombstones all at once), they pick the same
slot. Both are modelled literally anyway; ``typed=True`` selects the typed loop.
Go 1.24 has no ``pruneTombstones`` at all, and 1.25–1.26 skip it on the pointer-key
paths (``SwissMap.go``, docs/VERSIONS.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from gomap.swiss.group import (
    CTRL_DELETED,
    CTRL_EMPTY,
    EMPTY_GROUP,
    GROUP_SLOTS,
    M64,
    MAX_AVG_GROUP_LOAD,
    MAX_TABLE_CAPACITY,
    ProbeSeq,
    align_up_pow2,
    h1,
    h2,
)

if TYPE_CHECKING:
    from gomap.swiss.map import SwissMap


class Table:
    """``table``: one Swiss table.

    ``ctrl`` holds the control bytes of all groups back to back (group ``g`` at
    ``[g*8, g*8+8)``); ``keys``/``elems`` hold the slots in the same order, ``None``
    in slots that are not full.
    """

    __slots__ = (
        "capacity",
        "ctrl",
        "elems",
        "growth_left",
        "index",
        "keys",
        "length_mask",
        "local_depth",
        "used",
    )

    used: int
    """Number of full slots (the entries of this table)."""
    capacity: int
    """Total number of slots, always a power of two: ``(lengthMask+1)*8``."""
    growth_left: int
    """Slots that can still be filled before a rehash (tombstones count as filled)."""
    local_depth: int
    """Directory bits above this table; may be below ``globalDepth`` (shared entries)."""
    index: int
    """First directory index of this table; -1 once the table is stale (replaced)."""
    length_mask: int
    """Number of groups minus one (``groups.lengthMask``)."""

    def __init__(self, capacity: int, index: int, local_depth: int) -> None:
        self.index = index
        self.local_depth = local_depth
        self.used = 0
        self.reset(capacity)

    # -- construction -------------------------------------------------------------

    def reset(self, capacity: int) -> None:
        """``table.reset``: fresh empty groups for ``capacity`` slots."""
        group_count = capacity // GROUP_SLOTS
        self.length_mask = group_count - 1
        self.capacity = capacity
        self.ctrl = bytearray(EMPTY_GROUP * group_count)
        self.keys: list[Any] = [None] * capacity
        self.elems: list[Any] = [None] * capacity
        self.growth_left = self.max_growth_left()

    def max_growth_left(self) -> int:
        """``maxGrowthLeft``: inserts an empty table of this capacity takes."""
        if self.capacity == 0:
            raise ValueError("table must have positive capacity")
        if self.capacity <= GROUP_SLOTS:
            # One group: all slots but one (an empty slot ends every probe).
            return self.capacity - 1
        return (self.capacity * MAX_AVG_GROUP_LOAD) // GROUP_SLOTS

    def tombstones(self) -> int:
        """``tombstones``: deleted slots, derived from the counters."""
        return (self.capacity * MAX_AVG_GROUP_LOAD) // GROUP_SLOTS - self.used - self.growth_left

    # -- lookup -------------------------------------------------------------------

    def get_with_key(self, hash: int, key: Any) -> tuple[bool, Any, Any]:
        """``table.getWithKey``: ``(ok, stored key, elem)``.

        The stored key matters when distinct keys compare equal (+0.0 and -0.0):
        the iterator returns the key as stored in the new table after a grow.
        """
        ctrl = self.ctrl
        keys = self.keys
        top = h2(hash)
        seq = ProbeSeq(h1(hash), self.length_mask)
        while True:
            base = seq.offset << 3
            end = base + GROUP_SLOTS
            i = ctrl.find(top, base, end)  # matchH2
            while i >= 0:
                slot_key = keys[i]
                if key == slot_key:
                    return True, slot_key, self.elems[i]
                i = ctrl.find(top, i + 1, end)
            if ctrl.find(CTRL_EMPTY, base, end) >= 0:  # matchEmpty
                # An empty slot ends the probe sequence.
                return False, None, None
            seq.next()

    def get_without_key(self, hash: int, key: Any) -> tuple[bool, Any]:
        """``table.getWithoutKey``: ``(ok, elem)``."""
        ok, _, elem = self.get_with_key(hash, key)
        return ok, elem

    # -- insertion ----------------------------------------------------------------

    def put_slot(self, m: SwissMap, hash: int, key: Any, elem: Any, typed: bool) -> bool:
        """Insert or update ``key`` with ``elem``; ``False`` if the table was rehashed
        instead and the caller must look up the (new) table again.

        ``typed=True`` is ``table.PutSlot`` and the loops of ``mapassign_fast32``,
        ``_fast64``, ``_faststr``: a tombstone found before the first empty slot of a
        group keeps the probe going, and ``growthLeft == 0`` first tries
        ``pruneTombstones`` when the map's Go release has it for this path
        (``m._prune``: Go ≥ 1.25, pointer keys ≥ 1.27). ``typed=False`` is
        ``runtime_mapassign``: a group with any empty slot ends the probe, and there
        is no pruning.
        """
        ctrl = self.ctrl
        keys = self.keys
        # inlined: ProbeSeq (offset, index), for speed (every assign once a table may
        # hold tombstones)
        mask = self.length_mask
        h2 = hash & 0x7F
        offset = (hash >> 7) & mask
        index = 0
        # As we look for a match, keep track of the first deleted slot we find,
        # which we'll use to insert the new entry if necessary.
        first_deleted = -1
        while True:
            base = offset << 3
            end = base + 8
            # Look for an existing slot containing this key.
            i = ctrl.find(h2, base, end)
            while i >= 0:
                if key == keys[i]:
                    keys[i] = key  # NeedKeyUpdate: the new key object is stored
                    self.elems[i] = elem
                    return True
                i = ctrl.find(h2, i + 1, end)
            e = ctrl.find(CTRL_EMPTY, base, end)
            if typed:
                # i := matchEmptyOrDeleted().first(); a tombstone there means
                # "remember it and keep probing".
                d = ctrl.find(CTRL_DELETED, base, end if e < 0 else e)
                if d >= 0:
                    if first_deleted < 0:
                        first_deleted = d
                    e = -1
            elif e < 0 and first_deleted < 0:
                # No empty slot: remember the group's first tombstone, if any.
                first_deleted = ctrl.find(CTRL_DELETED, base, end)
            if e >= 0:
                # An empty slot: the end of the probe sequence.
                slot = e
                if first_deleted >= 0:
                    # Reuse the tombstone without consuming growthLeft.
                    slot = first_deleted
                    self.growth_left += 1  # decremented below: a no-op
                if self.growth_left == 0 and m._prune:
                    # No space left: first try to remove some tombstones.
                    self.prune_tombstones(m)
                if self.growth_left > 0:
                    keys[slot] = key
                    self.elems[slot] = elem
                    ctrl[slot] = h2
                    self.growth_left -= 1
                    self.used += 1
                    m.used += 1
                    return True
                self.rehash(m)
                return False
            index += 1
            offset = (offset + index) & mask

    def unchecked_put_slot(self, hash: int, key: Any, elem: Any) -> None:
        """``uncheckedPutSlot``: insert a key known to be absent into a table that has
        room and no tombstones: the first empty-or-deleted slot on the probe."""
        if self.growth_left == 0:
            raise AssertionError("invariant failed: growthLeft is unexpectedly 0")
        ctrl = self.ctrl
        seq = ProbeSeq(h1(hash), self.length_mask)
        while True:
            i = _first_empty_or_deleted(ctrl, seq.offset << 3)
            if i >= 0:
                self.keys[i] = key
                self.elems[i] = elem
                self.growth_left -= 1
                self.used += 1
                ctrl[i] = h2(hash)
                return
            seq.next()

    # -- deletion -----------------------------------------------------------------

    def delete(self, m: SwissMap, hash: int, key: Any) -> bool:
        """``table.Delete``: remove ``key``; ``True`` if that left a tombstone."""
        ctrl = self.ctrl
        keys = self.keys
        # inlined: ProbeSeq (offset, index), for speed (every delete)
        mask = self.length_mask
        h2 = hash & 0x7F
        offset = (hash >> 7) & mask
        index = 0
        while True:
            base = offset << 3
            end = base + 8
            i = ctrl.find(h2, base, end)
            while i >= 0:
                if key == keys[i]:
                    self.used -= 1
                    m.used -= 1
                    keys[i] = None
                    self.elems[i] = None
                    # Only a full group can sit in the middle of a probe sequence,
                    # and a group stays full until rehash. If this group still has
                    # an empty slot, the slot can simply become empty; otherwise it
                    # must become a tombstone.
                    if ctrl.find(CTRL_EMPTY, base, end) >= 0:
                        ctrl[i] = CTRL_EMPTY
                        self.growth_left += 1
                        return False
                    ctrl[i] = CTRL_DELETED
                    if m.subscribers:
                        m._emit("tombstone", {"index": self.index, "group": offset,
                                              "slot": i - base, "capacity": self.capacity})
                    return True
                i = ctrl.find(h2, i + 1, end)
            if ctrl.find(CTRL_EMPTY, base, end) >= 0:
                return False
            index += 1
            offset = (offset + index) & mask

    def prune_tombstones(self, m: SwissMap) -> None:
        """``pruneTombstones``: turn the tombstones no probe sequence needs back into
        empty slots, but only when at least 10% of the capacity can be recovered.

        A group's tombstones are needed if some full key's probe sequence passes the
        group before reaching the key's own group; groups with an empty slot are
        marked needed too (they have no tombstones to remove). Keys that do not
        equal themselves (NaN) are skipped: lookups never find them anyway.
        """
        tombstones = self.tombstones()
        if tombstones * 10 < self.capacity:  # 10% of capacity
            if m.subscribers:
                m._emit("pruneTombstones", {"index": self.index, "capacity": self.capacity,
                                            "tombstones": tombstones, "pruned": 0})
            return
        ctrl = self.ctrl
        keys = self.keys
        mask = self.length_mask
        ngroups = mask + 1
        hasher = m.hasher
        seed = m.seed
        # Groups with an empty or deleted slot (the control bytes do not change
        # while we trace).
        has_free = [_first_empty_or_deleted(ctrl, g << 3) >= 0 for g in range(ngroups)]
        needed = [False] * ngroups
        # Trace the probe sequence of every full entry.
        for i in range(ngroups):
            base = i << 3
            for idx in range(base, base + GROUP_SLOTS):
                if ctrl[idx] & CTRL_EMPTY:
                    continue
                key = keys[idx]
                if not (key == key):  # noqa: SIM201 (Go: !Equal(key, key))
                    # Never looked up, so its probe sequence may be broken.
                    continue
                hash = hasher(key, seed) & M64
                seq = ProbeSeq(hash >> 7, mask)
                while seq.offset != i:
                    if has_free[seq.offset]:
                        # Must be a tombstone, not empty: we haven't found the key.
                        needed[seq.offset] = True
                    seq.next()
            if ctrl.find(CTRL_EMPTY, base, base + GROUP_SLOTS) >= 0:
                needed[i] = True
        # Only prune if that restores at least 10% of capacity.
        cnt = 0
        for i in range(ngroups):
            if not needed[i]:
                base = i << 3
                cnt += sum(1 for c in ctrl[base:base + GROUP_SLOTS] if c & CTRL_EMPTY)
        if cnt * 10 < self.capacity:
            if m.subscribers:
                m._emit("pruneTombstones", {"index": self.index, "capacity": self.capacity,
                                            "tombstones": tombstones, "pruned": 0})
            return
        for i in range(ngroups):
            if needed[i]:
                continue
            for idx in range(i << 3, (i << 3) + GROUP_SLOTS):
                if ctrl[idx] & CTRL_EMPTY:  # must be deleted
                    ctrl[idx] = CTRL_EMPTY
                    self.growth_left += 1
        if m.subscribers:
            m._emit("pruneTombstones", {"index": self.index, "capacity": self.capacity,
                                        "tombstones": tombstones, "pruned": cnt})

    # -- clear --------------------------------------------------------------------

    def clear(self) -> None:
        """``table.Clear``: every slot empty, ``growthLeft`` back to its maximum.
        Skipped when there is nothing to clear (no entries, no tombstones)."""
        mgl = self.max_growth_left()
        if self.used == 0 and self.growth_left == mgl:
            return
        self.ctrl[:] = EMPTY_GROUP * (self.length_mask + 1)
        self.keys[:] = [None] * self.capacity
        self.elems[:] = [None] * self.capacity
        self.used = 0
        self.growth_left = mgl

    # -- growth -------------------------------------------------------------------

    def rehash(self, m: SwissMap) -> None:
        """``rehash``: replace this table by one twice as large, or by two split
        halves once that would exceed ``maxTableCapacity``. ``self`` is stale after."""
        new_capacity = 2 * self.capacity
        if new_capacity <= MAX_TABLE_CAPACITY:
            self.grow(m, new_capacity)
            return
        self.split(m)

    def grow(self, m: SwissMap, new_capacity: int) -> None:
        """``grow``: re-insert every full slot, in slot order, into a new table of
        ``new_capacity`` at the same directory position."""
        nt = new_table(new_capacity, self.index, self.local_depth)
        self._reinsert(m, nt, nt, 0)
        old_index = self.index
        m.replace_table(nt)
        self.index = -1
        if m.subscribers:
            m._emit("tableGrow", {"index": old_index, "old_capacity": self.capacity,
                                  "new_capacity": new_capacity, "used": nt.used,
                                  "dropped_tombstones": self.tombstones()})

    def split(self, m: SwissMap) -> None:
        """``split``: divide the entries between two new 1024-slot tables by the hash
        bit just below the first ``localDepth`` bits, and install them."""
        local_depth = self.local_depth + 1
        left = new_table(MAX_TABLE_CAPACITY, -1, local_depth)
        right = new_table(MAX_TABLE_CAPACITY, -1, local_depth)
        # Split in half at the localDepth bit from the top.
        self._reinsert(m, left, right, local_depth_mask(local_depth))
        old_index = self.index
        m.install_table_split(self, left, right)
        self.index = -1
        if m.subscribers:
            m._emit("split", {"index": old_index, "local_depth": local_depth,
                              "left_index": left.index, "left_used": left.used,
                              "right_index": right.index, "right_used": right.used})

    def _reinsert(self, m: SwissMap, left: Table, right: Table, mask: int) -> None:
        """The loop of ``grow`` and ``split``: ``uncheckedPutSlot`` of every full slot,
        in slot order, re-hashing each key, into ``left`` (or into ``right`` when
        ``hash & mask``). inlined: Table.unchecked_put_slot and its ProbeSeq, for
        speed: the new tables have no tombstones, so ``matchEmptyOrDeleted`` is
        ``matchEmpty``, and they have room for all. ``m.INLINED = False`` runs the
        named function."""
        if not m.INLINED:
            self._reinsert_reference(m, left, right, mask)
            return
        hasher = m.hasher
        seed = m.seed
        keys = self.keys
        elems = self.elems
        for idx, c in enumerate(self.ctrl):
            if c & CTRL_EMPTY:
                continue  # empty or deleted
            key = keys[idx]
            hash = hasher(key, seed) & M64
            t = right if hash & mask else left
            ctrl = t.ctrl
            tmask = t.length_mask
            offset = (hash >> 7) & tmask
            step = 0
            while True:
                i = ctrl.find(CTRL_EMPTY, offset << 3, (offset << 3) + GROUP_SLOTS)
                if i >= 0:
                    break
                step += 1
                offset = (offset + step) & tmask
            ctrl[i] = hash & 0x7F
            t.keys[i] = key
            t.elems[i] = elems[idx]
            t.used += 1
            t.growth_left -= 1

    def _reinsert_reference(self, m: SwissMap, left: Table, right: Table, mask: int) -> None:
        """:meth:`_reinsert` through :meth:`unchecked_put_slot`, as Go writes it."""
        for idx, c in enumerate(self.ctrl):
            if c & CTRL_EMPTY:
                continue
            key = self.keys[idx]
            hash = m.hasher(key, m.seed) & M64
            (right if hash & mask else left).unchecked_put_slot(hash, key, self.elems[idx])

    def clone(self) -> Table:
        """``table.clone``: a deep copy of the groups (keys and elems are shared)."""
        t = Table.__new__(Table)
        t.used = self.used
        t.capacity = self.capacity
        t.growth_left = self.growth_left
        t.local_depth = self.local_depth
        t.index = self.index
        t.length_mask = self.length_mask
        t.ctrl = bytearray(self.ctrl)
        t.keys = list(self.keys)
        t.elems = list(self.elems)
        return t


def new_table(capacity: int, index: int, local_depth: int) -> Table:
    """``newTable``: at least one group, rounded up to a power of two."""
    if capacity < GROUP_SLOTS:
        capacity = GROUP_SLOTS
    if capacity > MAX_TABLE_CAPACITY:
        raise ValueError("initial table capacity too large")
    return Table(align_up_pow2(capacity), index, local_depth)


def local_depth_mask(local_depth: int) -> int:
    """``localDepthMask``: the hash bit that separates the halves of a split."""
    return 1 << (64 - local_depth)


def _first_empty_or_deleted(ctrl: bytearray, base: int) -> int:
    """``matchEmptyOrDeleted().first()`` as an absolute index, or -1."""
    e = ctrl.find(CTRL_EMPTY, base, base + GROUP_SLOTS)
    d = ctrl.find(CTRL_DELETED, base, base + GROUP_SLOTS if e < 0 else e)
    return d if d >= 0 else e
