"""Iteration over a Swiss map, across growth, splits, directory growth and clear.

Mirrors ``Iter`` (``Init``, ``Next``, ``nextDirIdx``, ``grownKeyElem``) from
``internal/runtime/maps/table.go`` of Go 1.27.3.

The Go spec's guarantees, which this iterator keeps under any mutation between
steps:

1. an entry is never produced twice;
2. an entry added during iteration may or may not be produced;
3. an entry updated during iteration is produced with its latest value;
4. an entry deleted before it is reached is not produced;
5. the order is unspecified, and explicitly randomised.

``Init`` draws two random numbers (only if the map is non-empty): ``entryOffset``
rotates the slot order inside each table (and inside the small group) and
``dirOffset`` rotates the directory. ``Next`` walks the directory from ``dirIdx``,
one *table* at a time (skipping the other entries that share it), and inside the
table every slot ``(entryIdx + entryOffset) & (capacity-1)``.

Growth is handled by keeping a reference to the table being walked, even after it
has been replaced (``index == -1``): its slots still decide *which* keys come next
and in what order, so nothing is produced twice, but each key is looked up again in
the current map (``grownKeyElem``) to get its latest value or learn it was deleted.
Keys that do not equal themselves (NaN) cannot be looked up; unless the map was
cleared since ``Init`` (``clearSeq``), they are produced from the old slot. A map
that was small at ``Init`` is walked the same way through its old group. When the
directory doubles, ``dirIdx`` and ``dirOffset`` are doubled so the walk stays in
place; after a stale table, ``nextDirIdx`` skips all entries its range now covers
(the halves of its split), as the old table already covered them.
"""

from __future__ import annotations

import bisect
from typing import TYPE_CHECKING, Any

from gomap.errors import ConcurrentMapIterationWriteError
from gomap.swiss.group import (
    CTRL_EMPTY,
    GROUP_SLOTS,
    M64,
    Group,
    bitset_remove_below,
    match_full,
)
from gomap.swiss.sparse import Directory, SparseDirectory, UntouchedTable

if TYPE_CHECKING:
    from gomap.swiss.map import SwissMap
    from gomap.swiss.table import Table


class Iter:
    """``maps.Iter``: one ``range`` loop over a map, stepped by :meth:`next`."""

    __slots__ = (
        "clear_seq",
        "dir_idx",
        "dir_offset",
        "entry_idx",
        "entry_offset",
        "global_depth",
        "group",
        "m",
        "small_group",
        "tab",
    )

    m: SwissMap | None
    """The map, or None when it was empty at ``Init`` (nothing will be produced)."""
    entry_offset: int
    """Random rotation of the slot order (``rand()``)."""
    dir_offset: int
    """Random rotation of the directory order (``rand()``), adjusted as it grows."""
    clear_seq: int
    """``Map.clearSeq`` at ``Init``."""
    global_depth: int
    """``Map.globalDepth`` at the previous ``Next``."""
    dir_idx: int
    """Current directory index before ``dirOffset``; -1 if the map was small at Init."""
    tab: Table | None
    """The table walked at ``dirIdx`` (kept even once it is stale)."""
    group: int
    """Group index within ``tab`` of the previous step; -1 for none (``group.data == nil``)."""
    small_group: Group | None
    """The small map's group at ``Init`` (``it.group`` while ``dirIdx == -1``)."""
    entry_idx: int
    """Current entry index before ``entryOffset``: group index << 3 | slot index."""

    def __init__(self) -> None:
        self.m = None
        self.entry_offset = 0
        self.dir_offset = 0
        self.clear_seq = 0
        self.global_depth = 0
        self.dir_idx = 0
        self.tab = None
        self.group = -1
        self.small_group = None
        self.entry_idx = 0

    def init(self, m: SwissMap) -> None:
        """``Iter.Init``: no draws and no entries if the map is empty now."""
        if m.used == 0:
            return
        dir_idx = 0
        small_group = None
        if m.dir_len <= 0:
            # dirIdx == -1 marks a small map.
            dir_idx = -1
            small_group = m.small
        self.m = m
        self.entry_offset = m.rand() & M64
        self.dir_offset = m.rand() & M64
        self.global_depth = m.global_depth
        self.dir_idx = dir_idx
        self.small_group = small_group
        self.clear_seq = m.clear_seq
        if m.subscribers:
            m._emit("iterInit", {"entry_offset": self.entry_offset, "dir_offset": self.dir_offset,
                                 "small": dir_idx < 0, "dir_len": m.dir_len})

    def __iter__(self) -> Iter:
        return self

    def __next__(self) -> tuple[Any, Any]:
        kv = self.next()
        if kv is None:
            raise StopIteration
        return kv

    def next_dir_idx(self) -> None:
        """``nextDirIdx``: skip every directory entry the current table covers (its
        duplicates, or the halves it was split into)."""
        m = self.m
        tab = self.tab
        assert m is not None and tab is not None
        self.dir_idx += 1 << (m.global_depth - tab.local_depth)
        self.tab = None
        self.group = -1
        self.entry_idx = 0

    def grown_key_elem(self, key: Any, idx: int) -> tuple[bool, Any, Any]:
        """``grownKeyElem``: the current key/elem for ``key`` found in a stale table
        at absolute slot ``idx``, or ``ok == False`` if it is gone."""
        m = self.m
        tab = self.tab
        assert m is not None and tab is not None
        ok, new_key, new_elem = m.get_with_key(key)
        if not ok:
            # Deleted, unless the key cannot be looked up (NaN): such keys cannot
            # be updated or deleted except by clear, so if no clear happened they
            # are still exactly as in the old slot.
            if self.clear_seq == m.clear_seq and not (key == key):  # noqa: SIM201 (Go: !Equal(key, key))
                return True, key, tab.elems[idx]
            return False, None, None
        return True, new_key, new_elem

    def _skip_untouched(self, d: Directory | SparseDirectory) -> None:
        """Advance ``dirIdx`` past the run of untouched tables starting at the
        current (aligned) position, to the next entry whose table exists."""
        m = self.m
        assert m is not None
        mask = m.dir_len - 1
        p = (self.dir_idx + self.dir_offset) & mask
        idx = d.touched()
        j = bisect.bisect_left(idx, p)
        if idx:
            q = idx[j] if j < len(idx) else idx[0]
            jump = (q - p) & mask
        else:
            jump = m.dir_len
        self.dir_idx += jump if jump else m.dir_len
        self.tab = None
        self.group = -1
        self.entry_idx = 0

    def next(self) -> tuple[Any, Any] | None:
        """``Iter.Next``: the next ``(key, elem)``, or ``None`` at the end."""
        m = self.m
        if m is None:
            # Map was empty at Init.
            return None
        if m._writing.locked():
            raise ConcurrentMapIterationWriteError()

        if self.dir_idx < 0:
            return self._next_small(m)

        if self.global_depth != m.global_depth:
            # The directory has grown since the last call: scale dirIdx and
            # dirOffset so (dirIdx + dirOffset) % dirLen keeps pointing at the same
            # (now wider) stretch of the directory.
            orders = m.global_depth - self.global_depth
            self.dir_idx <<= orders
            self.dir_offset = (self.dir_offset << orders) & M64
            self.global_depth = m.global_depth

        # Continue iteration until we find a full slot.
        while self.dir_idx < m.dir_len:
            # Resolve the table.
            if self.tab is None:
                dir_idx = (self.dir_idx + self.dir_offset) & (m.dir_len - 1)
                d = m.directory
                # An untouched table of a sparse directory is empty: it is skipped
                # whole (as its empty slots would be), never built.
                new_tab = d.peek(dir_idx)
                if new_tab.index != dir_idx:
                    # Only on the first call: a random dirIdx in the middle of a
                    # run of entries sharing a table. Move the offset so we start
                    # at the table's first entry.
                    diff = dir_idx - new_tab.index
                    self.dir_offset = (self.dir_offset - diff) & M64
                if isinstance(new_tab, UntouchedTable):
                    # Empty tables, each visited as an empty table would be (slot by
                    # slot, nothing found): jump to the next table that exists.
                    self._skip_untouched(d)
                    continue
                self.tab = new_tab

            # N.B. use self.tab: the old table decides the keys if it has grown.
            tab = self.tab
            entry_mask = tab.capacity - 1
            if self.entry_idx > entry_mask:
                # Continue to the next table.
                self.next_dir_idx()
                continue

            ctrl = tab.ctrl
            # Fast path: check the slot at entryIdx directly.
            entry_idx = (self.entry_idx + self.entry_offset) & entry_mask
            slot_idx = entry_idx & (GROUP_SLOTS - 1)
            if slot_idx == 0 or self.group < 0:
                # Only recompute the group when switching groups or on the first
                # step in this table.
                self.group = entry_idx >> 3
            idx = (self.group << 3) + slot_idx
            if not ctrl[idx] & CTRL_EMPTY:
                # Slot full.
                key = tab.keys[idx]
                if tab.index == -1:
                    ok, key, elem = self.grown_key_elem(key, idx)
                    if ok:
                        self.entry_idx += 1
                        return key, elem
                    # This entry doesn't exist anymore: fall through (goto next).
                else:
                    self.entry_idx += 1
                    return key, tab.elems[idx]

            # next:
            self.entry_idx += 1

            # Slow path: use a match on the control word to jump to the next full
            # slot.
            group_match = 0
            while self.entry_idx <= entry_mask:
                entry_idx = (self.entry_idx + self.entry_offset) & entry_mask
                slot_idx = entry_idx & (GROUP_SLOTS - 1)
                if slot_idx == 0 or self.group < 0:
                    self.group = entry_idx >> 3
                base = self.group << 3

                if group_match == 0:
                    group_match = match_full(ctrl, base)
                    if slot_idx != 0:
                        # Starting in the middle of the group: ignore earlier slots.
                        group_match = bitset_remove_below(group_match, slot_idx)
                    # Skip groups made only of empty or deleted slots.
                    if group_match == 0:
                        self.entry_idx += GROUP_SLOTS - slot_idx
                        continue
                    i = ((group_match & -group_match).bit_length() - 1) >> 3  # first()
                    self.entry_idx += i - slot_idx
                    if self.entry_idx > entry_mask:
                        # Past the end of this table's iteration.
                        continue
                    entry_idx += i - slot_idx
                    slot_idx = i

                idx = base + slot_idx
                key = tab.keys[idx]
                # If the table has grown or split since, mutations are no longer
                # visible in it: consult the map with a full lookup.
                if tab.index == -1:
                    ok, key, elem = self.grown_key_elem(key, idx)
                    if not ok:
                        # Gone: continue with the next full slot.
                        group_match &= group_match - 1
                        if group_match == 0:
                            self.entry_idx += GROUP_SLOTS - slot_idx
                            continue
                        i = ((group_match & -group_match).bit_length() - 1) >> 3  # first()
                        self.entry_idx += i - slot_idx
                        continue
                else:
                    elem = tab.elems[idx]

                # Jump ahead to the next full slot or the next group.
                group_match &= group_match - 1
                if group_match == 0:
                    self.entry_idx += GROUP_SLOTS - slot_idx
                else:
                    i = ((group_match & -group_match).bit_length() - 1) >> 3  # first()
                    self.entry_idx += i - slot_idx
                return key, elem

            # Continue to the next table.
            self.next_dir_idx()

        return None

    def _next_small(self, m: SwissMap) -> tuple[Any, Any] | None:
        """The ``dirIdx < 0`` branch of ``Next``: the map was small at ``Init``."""
        g = self.small_group
        assert g is not None
        while self.entry_idx < GROUP_SLOTS:
            k = (self.entry_idx + self.entry_offset) & (GROUP_SLOTS - 1)
            if g.ctrl[k] & CTRL_EMPTY:
                # Empty or deleted.
                self.entry_idx += 1
                continue
            key = g.keys[k]
            # If the map has grown to a table since Init, keep using the old group
            # to choose keys, but look them up again in the tables.
            if m.dir_len > 0:
                ok, new_key, new_elem = m.get_with_key(key)
                if not ok:
                    if self.clear_seq == m.clear_seq and not (key == key):  # noqa: SIM201 (Go: !Equal(key, key))
                        elem = g.elems[k]
                    else:
                        self.entry_idx += 1
                        continue
                else:
                    key = new_key
                    elem = new_elem
            else:
                elem = g.elems[k]
            self.entry_idx += 1
            return key, elem
        return None

    def state(self) -> dict[str, Any]:
        """The iterator's own fields, JSON-able (for traces and tests)."""
        return {
            "active": self.m is not None,
            "entry_offset": self.entry_offset,
            "dir_offset": self.dir_offset,
            "clear_seq": self.clear_seq,
            "global_depth": self.global_depth,
            "dir_idx": self.dir_idx,
            "tab_index": None if self.tab is None else self.tab.index,
            "group": self.group,
            "entry_idx": self.entry_idx,
        }
