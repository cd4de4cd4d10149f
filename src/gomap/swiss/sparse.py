"""The directory's storage: :class:`Directory` (every table built) and
:class:`SparseDirectory` (the tables of a map made with a huge hint, built on first
touch), behind one interface, so that the engine never asks which one it holds.

``make(map[int64]int64, 1e9)`` on Go 1.27 allocates a directory of 2^21 tables of
1024 slots (36 GB). Go's memory comes zeroed, so each of those tables is empty until
a key lands in it; gomap counts them (bytes, slots, tables) and builds one only when
an operation reaches it, so a hinted map costs time and memory in proportion to what
is written into it while every figure stays Go's.

The interface (both classes): ``d[i]`` (the table of entry ``i``, built if need
be), ``d[i] = t``, ``len(d)``, :meth:`peek` (for readers: never builds),
:meth:`entries` / :meth:`tables` (each built table once, in directory order),
:meth:`touched` (the entries that may hold anything), :meth:`untouched_entries`,
:meth:`grown` (``installTableSplit``'s doubling) and :meth:`cloned` (``Map.Clone``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from gomap.swiss.group import GROUP_SLOTS, align_up_pow2
from gomap.swiss.table import Table, new_table

SPARSE_MIN_TABLES = 1 << 12
"""Directories of at least this many tables at ``make`` are :class:`SparseDirectory` s."""


def _each_once(entries: Iterable[tuple[int, Table]]) -> list[tuple[int, Table]]:
    """The first ``(entry, table)`` of each run of entries sharing a table."""
    out: list[tuple[int, Table]] = []
    last = None
    for i, t in entries:
        if t is not last:
            out.append((i, t))
            last = t
    return out


class Directory(list[Table]):
    """``dirPtr[:dirLen]``: one table per directory entry, every one built."""

    __slots__ = ()

    peek = list.__getitem__
    """Entry ``i``'s table (as ``d[i]``: a dense directory has no untouched table)."""

    def entries(self) -> list[tuple[int, Table]]:
        """``(first entry, table)`` for each table once, in directory order (the
        entries of a table are consecutive: Go's ``lastTab`` skip)."""
        return _each_once(enumerate(self))

    def tables(self) -> list[Table]:
        """Each table once, in directory order."""
        return [t for _, t in self.entries()]

    def touched(self) -> range:
        """The entries whose table may hold anything: all of them."""
        return range(len(self))

    def untouched_entries(self) -> int:
        """The entries whose table is untouched (counted, not built): none."""
        return 0

    def grown(self) -> Directory:
        """The directory twice as long (``installTableSplit``): ``newDir[2i]`` and
        ``newDir[2i+1]`` are entry ``i``'s table; ``t.index`` doubles the first time
        ``t`` is seen (its index must grow, so seeing the old one means first)."""
        new_dir = Directory()
        for i, t in enumerate(self):
            new_dir.append(t)
            new_dir.append(t)
            if t.index == i:
                t.index = 2 * i
        return new_dir

    def cloned(self, m: Any) -> Directory:
        """``Map.Clone``'s directory for clone ``m``: each table cloned once, and
        entries that shared a table share its clone."""
        new_dir = Directory()
        for i, t in enumerate(self):
            if i > 0 and t is self[i - 1]:
                new_dir.append(new_dir[i - 1])
            else:
                new_dir.append(t.clone())
        return new_dir


def as_directory(d: Any) -> Directory | SparseDirectory:
    """``d`` when it is directory storage, else a :class:`Directory` of its entries
    (a native map's copied view, every table built)."""
    return d if hasattr(d, "entries") else Directory(d)


class SparseDirectory(dict[int, Table]):
    """The directory of a map made with a huge hint: ``n`` entries whose tables are
    built on first access and only counted before.

    ``NewMap`` gives every entry its own empty table of ``capacity`` slots and local
    depth ``depth0`` (the global depth at ``make``). An untouched table is exactly
    such a table; once the directory has grown, it spans ``2^(globalDepth -
    depth0)`` entries, all of which point at it when it is built. Readers that must
    not build tables use :meth:`peek`.
    """

    __slots__ = ("capacity", "depth0", "m", "n")

    def __init__(self, n: int, capacity: int, m: Any, depth0: int | None = None) -> None:
        super().__init__()
        self.n = n
        self.capacity = capacity
        self.m = m
        self.depth0 = m.global_depth if depth0 is None else depth0

    def _span(self, i: int) -> tuple[int, int]:
        shift = self.m.global_depth - self.depth0
        return (i >> shift) << shift, 1 << shift

    def __missing__(self, i: int) -> Table:
        if not 0 <= i < self.n:
            raise IndexError(f"directory index {i} out of range ({self.n} entries)")
        base, span = self._span(i)
        t = new_table(self.capacity, base, self.depth0)
        for j in range(base, base + span):
            dict.__setitem__(self, j, t)
        return t

    def __len__(self) -> int:
        return self.n

    def __iter__(self) -> Iterator[Table]:  # type: ignore[override]
        """Every entry's table, in order (building all: avoid on huge directories)."""
        for i in range(self.n):
            yield self[i]

    def peek(self, i: int) -> Table | UntouchedTable:
        """Entry ``i``'s table, or a stand-in for an untouched one (never built)."""
        t = dict.get(self, i)
        if t is not None:
            return t
        base, _ = self._span(i)
        return UntouchedTable(base, self.depth0)

    def entries(self) -> list[tuple[int, Table]]:
        """``(first entry, table)`` for each table built so far, in directory order."""
        return _each_once((i, dict.__getitem__(self, i)) for i in sorted(dict.keys(self)))

    def tables(self) -> list[Table]:
        """The tables built so far, each once, in directory order."""
        return [t for _, t in self.entries()]

    def touched(self) -> list[int]:
        """The entries whose table is built, in order (the others are empty)."""
        return sorted(dict.keys(self))

    def untouched_entries(self) -> int:
        """The entries whose table is untouched (counted, not built)."""
        return self.untouched() << (self.m.global_depth - self.depth0)

    def untouched(self) -> int:
        """How many of ``NewMap``'s tables are still untouched (counted, not built)."""
        shift = self.m.global_depth - self.depth0
        return (1 << self.depth0) - len({i >> shift for i in dict.keys(self)})

    def table_capacity(self) -> int:
        """The slots of each untouched table (``newTable`` rounds up)."""
        return align_up_pow2(max(self.capacity, GROUP_SLOTS))

    def grown(self) -> SparseDirectory:
        """The directory twice as long (``installTableSplit``): entry ``i`` becomes
        ``2i`` and ``2i+1``; untouched tables stay untouched."""
        new = SparseDirectory(2 * self.n, self.capacity, self.m, self.depth0)
        for i in sorted(dict.keys(self)):
            t = dict.__getitem__(self, i)
            dict.__setitem__(new, 2 * i, t)
            dict.__setitem__(new, 2 * i + 1, t)
            if t.index == i:
                t.index = 2 * i
        return new

    def cloned(self, m: Any) -> SparseDirectory:
        """``Map.Clone``'s directory for clone ``m``: each built table cloned once
        (shared entries share the clone); untouched tables stay untouched."""
        sparse = SparseDirectory(self.n, self.capacity, m, self.depth0)
        copies: dict[int, Table] = {}
        for i in sorted(dict.keys(self)):
            t = dict.__getitem__(self, i)
            if id(t) not in copies:
                copies[id(t)] = t.clone()
            dict.__setitem__(sparse, i, copies[id(t)])
        return sparse


class UntouchedTable:
    """What an iterator sees of an untouched table of a :class:`SparseDirectory`:
    its directory index and local depth, and no slots (it is empty)."""

    __slots__ = ("index", "local_depth")

    capacity = 0

    def __init__(self, index: int, local_depth: int) -> None:
        self.index = index
        self.local_depth = local_depth
