"""Sparse directories: the tables of a map made with a huge hint, built on first
touch.

``make(map[int64]int64, 1e9)`` on Go 1.27 allocates a directory of 2^21 tables of
1024 slots (36 GB). Go's memory comes zeroed, so each of those tables is empty until
a key lands in it; gomap counts them (bytes, slots, tables) and builds one only when
an operation reaches it, so a hinted map costs time and memory in proportion to what
is written into it while every figure stays Go's.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from gomap.swiss.group import GROUP_SLOTS, align_up_pow2
from gomap.swiss.table import Table, new_table

SPARSE_MIN_TABLES = 1 << 12
"""Directories of at least this many tables at ``make`` are :class:`SparseDirectory` s."""


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

    def tables(self) -> list[Table]:
        """The tables built so far, each once, in directory order."""
        out: list[Table] = []
        last = None
        for i in sorted(dict.keys(self)):
            t = dict.__getitem__(self, i)
            if t is not last:
                out.append(t)
                last = t
        return out

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


class UntouchedTable:
    """What an iterator sees of an untouched table of a :class:`SparseDirectory`:
    its directory index and local depth, and no slots (it is empty)."""

    __slots__ = ("index", "local_depth")

    capacity = 0

    def __init__(self, index: int, local_depth: int) -> None:
        self.index = index
        self.local_depth = local_depth
