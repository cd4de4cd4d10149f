"""Invariant checks and snapshots of a Swiss map.

Mirrors ``internal/runtime/maps/table_debug.go`` of Go 1.27.3 (``checkInvariants``,
``Print``) and extends it to the whole map: the directory, the small group and the
map-level counters. Go compiles its checks out (``debugLog = false``); tests call
:func:`check_invariants` after every step instead.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from gomap._engine import MapStats, directory_stats
from gomap.errors import ConcurrentMapReadWriteError, ConcurrentMapWriteError, InvariantError
from gomap.swiss.group import (
    CTRL_DELETED,
    CTRL_EMPTY,
    GROUP_SLOTS,
    M64,
    MAX_AVG_GROUP_LOAD,
    MAX_TABLE_CAPACITY,
    Group,
)
from gomap.swiss.map import SwissMap
from gomap.swiss.sparse import as_directory

if TYPE_CHECKING:
    from gomap.swiss.table import Table


def _fail(message: str) -> None:
    raise InvariantError(message)


# -- snapshots --------------------------------------------------------------------


def group_snapshot(ctrl: bytes | bytearray, keys: list[Any], elems: list[Any],
                   base: int) -> dict[str, Any]:
    """One group as ``{"ctrl": [8 ints], "keys": [...], "elems": [...]}``; keys and
    elems only in full slots (``None`` elsewhere)."""
    c = list(ctrl[base:base + GROUP_SLOTS])
    full = [not b & CTRL_EMPTY for b in c]
    return {
        "ctrl": c,
        "keys": [keys[base + j] if full[j] else None for j in range(GROUP_SLOTS)],
        "elems": [elems[base + j] if full[j] else None for j in range(GROUP_SLOTS)],
    }


def table_snapshot(t: Table) -> dict[str, Any]:
    """One table with all its groups."""
    return {
        "used": t.used,
        "capacity": t.capacity,
        "growth_left": t.growth_left,
        "local_depth": t.local_depth,
        "index": t.index,
        "tombstones": t.tombstones(),
        "groups": [
            group_snapshot(t.ctrl, t.keys, t.elems, g << 3) for g in range(t.length_mask + 1)
        ],
    }


def snapshot(m: SwissMap) -> dict[str, Any]:
    """The map's whole state in the engine-neutral snapshot format.

    ``small`` is the single group while the map is small (``dirLen == 0`` and a
    group allocated), else ``None``; ``directory`` lists, per directory entry, the
    position of its table in ``tables`` (tables in order of first appearance). A map
    with nothing allocated (``make(map)`` before the first assignment) has
    ``small: None, directory: []``.
    """
    tables: list[Table] = []
    directory: list[int] = []
    seen: dict[int, int] = {}
    for t in m.directory:
        n = seen.get(id(t))
        if n is None:
            n = seen[id(t)] = len(tables)
            tables.append(t)
        directory.append(n)
    small = None
    if m.dir_len == 0 and m.small is not None:
        g: Group = m.small
        small = group_snapshot(g.ctrl, g.keys, g.elems, 0)
    return {
        "impl": "swiss",
        "go": m.go.release,
        "entries": m.used,
        "seed": m.seed,
        "writing": m.writing,
        "key_kind": m.key_kind,
        "used": m.used,
        "global_depth": m.global_depth,
        "global_shift": m.global_shift,
        "dir_len": m.dir_len,
        "clear_seq": m.clear_seq,
        "tombstone_possible": m.tombstone_possible,
        "small": small,
        "directory": directory,
        "tables": [table_snapshot(t) for t in tables],
    }


def table_print(t: Table) -> str:
    """``table.Print``: a readable dump of one table."""
    lines = [
        f"table{{index: {t.index} localDepth: {t.local_depth} capacity: {t.capacity} "
        f"used: {t.used} growthLeft: {t.growth_left}"
    ]
    for g in range(t.length_mask + 1):
        lines.append(f"  group {g}")
        for j in range(GROUP_SLOTS):
            idx = (g << 3) + j
            c = t.ctrl[idx]
            tag = " (empty)" if c == CTRL_EMPTY else " (deleted)" if c == CTRL_DELETED else ""
            lines.append(f"    slot {j}: ctrl {c}{tag} key {t.keys[idx]!r} elem {t.elems[idx]!r}")
    lines.append("}")
    return "\n".join(lines)


# -- invariants -------------------------------------------------------------------


def check_group_ctrl(ctrl: bytes | bytearray, base: int, where: str) -> None:
    """Every control byte is empty, deleted or full (``0hhhhhhh``), and a group that
    holds a tombstone has no empty slot (tombstones are made in full groups only,
    and pruning removes all of a group's tombstones at once)."""
    has_empty = has_deleted = False
    for j in range(GROUP_SLOTS):
        c = ctrl[base + j]
        if c == CTRL_EMPTY:
            has_empty = True
        elif c == CTRL_DELETED:
            has_deleted = True
        elif c & CTRL_EMPTY:
            _fail(f"{where} slot {j}: bad control byte {c:#x}")
    if has_empty and has_deleted:
        _fail(f"{where}: group holds both empty slots and tombstones")


def check_table(m: SwissMap, t: Table, where: str) -> None:
    """``table.checkInvariants`` plus the H2, probe and directory-prefix checks."""
    cap = t.capacity
    if cap < GROUP_SLOTS or cap > MAX_TABLE_CAPACITY or cap & (cap - 1):
        _fail(f"{where}: capacity {cap} is not a power of two in [8, 1024]")
    if (t.length_mask + 1) * GROUP_SLOTS != cap or len(t.ctrl) != cap:
        _fail(f"{where}: {len(t.ctrl)} control bytes, lengthMask {t.length_mask}, "
              f"capacity {cap}")
    if len(t.keys) != cap or len(t.elems) != cap:
        _fail(f"{where}: slot arrays do not match capacity {cap}")
    used = deleted = empty = 0
    hasher = m.hasher
    seed = m.seed
    shift = 64 - t.local_depth
    prefix = t.index >> (m.global_depth - t.local_depth)
    for g in range(t.length_mask + 1):
        base = g << 3
        check_group_ctrl(t.ctrl, base, f"{where} group {g}")
        for j in range(GROUP_SLOTS):
            idx = base + j
            c = t.ctrl[idx]
            if c == CTRL_DELETED:
                deleted += 1
            elif c == CTRL_EMPTY:
                empty += 1
            else:
                used += 1
                key = t.keys[idx]
                # Keys that do not equal themselves (NaN) cannot be looked up, and
                # hashing them may draw a random number: skip them.
                if not (key == key):  # noqa: SIM201 (Go: !Equal(key, key))
                    continue
                hash = hasher(key, seed) & M64
                if hash & 0x7F != c:
                    _fail(f"{where} slot({g}/{j}): ctrl {c} is not H2 {hash & 0x7F} of "
                          f"key {key!r}")
                if t.local_depth and hash >> shift != prefix:
                    _fail(f"{where} slot({g}/{j}): key {key!r} hash prefix "
                          f"{hash >> shift} does not select this table (prefix {prefix})")
                ok, _, _ = t.get_with_key(hash, key)
                if not ok:
                    _fail(f"{where} slot({g}/{j}): key {key!r} not found "
                          f"[hash={hash}, h2={hash & 0x7F} h1={hash >> 7}]")
            if c & CTRL_EMPTY and (t.keys[idx] is not None or t.elems[idx] is not None):
                _fail(f"{where} slot({g}/{j}): a free slot keeps a key or elem")
    if used != t.used:
        _fail(f"{where}: found {used} used slots, but used count is {t.used}")
    growth_left = (cap * MAX_AVG_GROUP_LOAD) // GROUP_SLOTS - t.used - deleted
    if growth_left != t.growth_left:
        _fail(f"{where}: found {t.growth_left} growthLeft, but expected {growth_left}")
    if deleted != t.tombstones():
        _fail(f"{where}: found {deleted} tombstones, but expected {t.tombstones()}")
    if empty == 0:
        _fail(f"{where}: found no empty slots (violates probe invariant)")
    if t.growth_left < 0 or t.growth_left > t.max_growth_left():
        _fail(f"{where}: growthLeft {t.growth_left} out of range")


def check_invariants(m: SwissMap) -> None:
    """Raise :class:`~gomap.errors.InvariantError` if ``m`` is inconsistent."""
    if m.dir_len and m.global_shift != 64 - m.global_depth:
        _fail(f"globalShift {m.global_shift} != 64 - globalDepth {m.global_depth}")
    if m.dir_len != len(m.directory):
        _fail(f"dirLen {m.dir_len} but the directory has {len(m.directory)} entries")
    if m.used < 0:
        _fail(f"negative used {m.used}")

    if m.dir_len == 0:
        if m.global_depth != 0 or m.global_shift != 0:
            _fail("a small map has globalDepth 0 and globalShift 0 (Go's zero values)")
        if m._tomb:
            _fail("a small map never has tombstones")
        g = m.small
        if g is None:
            if m.used != 0:
                _fail(f"no group allocated but used is {m.used}")
            return
        if len(g.ctrl) != GROUP_SLOTS:
            _fail("the small group has not 8 control bytes")
        full = 0
        for j in range(GROUP_SLOTS):
            c = g.ctrl[j]
            if c == CTRL_DELETED:
                _fail(f"small group slot {j} is deleted (small maps have no tombstones)")
            if c == CTRL_EMPTY:
                if g.keys[j] is not None or g.elems[j] is not None:
                    _fail(f"small group slot {j}: an empty slot keeps a key or elem")
                continue
            if c & CTRL_EMPTY:
                _fail(f"small group slot {j}: bad control byte {c:#x}")
            full += 1
            key = g.keys[j]
            if key == key:
                h = m.hasher(key, m.seed) & M64
                if h & 0x7F != c:
                    _fail(f"small group slot {j}: ctrl {c} is not H2 {h & 0x7F} of {key!r}")
        if full != m.used:
            _fail(f"small group has {full} full slots, but used is {m.used}")
        return

    if m.small is not None:
        _fail("a map with a directory still has a small group")
    if m.dir_len != 1 << m.global_depth:
        _fail(f"dirLen {m.dir_len} != 1 << globalDepth {m.global_depth}")
    total = 0
    any_tombstone = False
    d = as_directory(m.directory)
    # The tables built (a sparse directory's untouched ones are empty by definition).
    covered = d.untouched_entries()
    for i, t in d.entries():
        where = f"table at directory index {i}"
        if t.index != i:
            _fail(f"{where}: its index is {t.index} (must be its first entry)")
        if t.local_depth > m.global_depth:
            _fail(f"{where}: localDepth {t.local_depth} > globalDepth {m.global_depth}")
        entries = 1 << (m.global_depth - t.local_depth)
        if i % entries:
            _fail(f"{where}: {entries} entries not aligned to their count")
        for k in range(i, i + entries):
            if k >= m.dir_len or d.peek(k) is not t:
                _fail(f"{where}: entry {k} of its {entries} entries holds another table")
        if i + entries < m.dir_len and d.peek(i + entries) is t:
            _fail(f"{where}: appears in more than {entries} entries")
        check_table(m, t, where)
        total += t.used
        any_tombstone = any_tombstone or t.tombstones() > 0
        covered += entries
    if covered != m.dir_len:
        _fail(f"tables cover {covered} directory entries, not {m.dir_len}")
    if total != m.used:
        _fail(f"tables hold {total} entries, but used is {m.used}")
    if any_tombstone and not m._tomb:
        _fail("a table holds tombstones but tombstonePossible is false")
    if m.tombstone_possible and not m.go.tombstone_possible:
        _fail(f"{m.go.label} has no tombstonePossible, but the model set it")


def stats(m: SwissMap, deep: bool = False) -> MapStats:
    """Capacity and occupancy (see :class:`gomap._engine.MapStats`); tombstones come
    from each table's counters, so ``deep`` changes nothing."""
    return directory_stats(m)


class ReferenceSwissMap(SwissMap):
    """A :class:`SwissMap` whose hot paths call the named Go functions instead of the
    inlined copies marked ``# inlined:`` in :mod:`gomap.swiss.map` and
    :mod:`gomap.swiss.table` (``Table.get_without_key`` for ``mapaccess2``,
    ``Table.put_slot`` for the tombstone-free assign, ``Table.unchecked_put_slot``
    for the rehash loop). Slower; the tests hold it state-equal to ``SwissMap``."""

    INLINED = False

    def lookup(self, key: Any) -> tuple[bool, Any]:
        if self.used == 0 or self.dir_len == 0:
            return SwissMap.lookup(self, key)  # no inlined copy on these paths
        if self._writing.locked():
            raise ConcurrentMapReadWriteError()
        hash = self.hasher(key, self.seed) & M64
        return self.directory[self.directory_index(hash)].get_without_key(hash, key)

    def assign(self, key: Any, elem: Any) -> None:
        if self.dir_len == 0:
            SwissMap.assign(self, key, elem)  # the small map: no inlined copy
            return
        if self._writing.locked():
            raise ConcurrentMapWriteError()
        hash = self.hasher(key, self.seed) & M64
        if not self._writing.acquire(blocking=False):
            raise ConcurrentMapWriteError()
        try:
            while not self.directory[self.directory_index(hash)].put_slot(
                    self, hash, key, elem, self._typed):
                pass
        finally:
            self._writing.release()
