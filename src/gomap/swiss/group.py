"""Control bytes, slots, groups and the probe sequence.

Mirrors ``internal/runtime/maps/group.go`` (and ``probeSeq`` from ``table.go``) of
Go 1.27.3.

A *group* is ``abi.MapGroupSlots`` (8) slots plus a control word of 8 control bytes,
one per slot::

      empty: 1 0 0 0 0 0 0 0   ctrlEmpty   = 0x80
    deleted: 1 1 1 1 1 1 1 0   ctrlDeleted = 0xFE  (a tombstone)
       full: 0 h h h h h h h   H2 = the low 7 bits of the key's hash

Go stores the control word as one ``uint64`` and matches all 8 bytes at once with
SIMD (``matchH2``, ``matchEmpty``, ``matchEmptyOrDeleted``, ``matchFull``). Here a
table keeps the control bytes of all its groups in one flat ``bytearray`` (group
``g``, slot ``j`` at index ``g*8 + j``) and its keys and elems in two flat lists laid
out the same way, so a match is ``bytearray.find`` over the 8 bytes ``[g*8, g*8+8)``:
the lowest matching slot first, exactly like ``bitset.first``. The ``match_*``
helpers below return Go's ``bitset`` as a 64-bit int in Go's portable form (byte
``j`` is 0x80 when slot ``j`` is in the set), for the code that needs the whole set
(iteration).

On AMD64, ``matchH2`` is exact; the portable version may report false positives
after a real match, which only costs an extra key comparison, never a different
state, so it is not modelled.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

GROUP_SLOTS_BITS = 3
"""``abi.MapGroupSlotsBits``."""
GROUP_SLOTS = 1 << GROUP_SLOTS_BITS
"""``abi.MapGroupSlots``: slots per group (8)."""
MAX_AVG_GROUP_LOAD = 7
"""``maxAvgGroupLoad``: a table holds at most 7/8 of its capacity (used + tombstones)."""
MAX_TABLE_CAPACITY = 1024
"""``maxTableCapacity``: a table that would grow beyond this many slots splits instead."""

CTRL_EMPTY = 0b1000_0000
"""``ctrlEmpty``: the slot is empty, and a probe sequence may stop at its group."""
CTRL_DELETED = 0b1111_1110
"""``ctrlDeleted``: a tombstone; the slot is free but probing must go on past it."""

H2_MASK = 0x7F
M64 = (1 << 64) - 1
EMPTY_GROUP = bytes([CTRL_EMPTY]) * GROUP_SLOTS
"""``bitsetEmpty``: a control word with every slot empty (``ctrlGroup.setEmpty``)."""


def h1(hash: int) -> int:
    """The upper 57 bits of a hash: selects the first group of the probe sequence."""
    return hash >> 7


def h2(hash: int) -> int:
    """The lower 7 bits of a hash: stored in the control byte of a full slot."""
    return hash & H2_MASK


def _translation(pred: Callable[[int], bool]) -> bytes:
    return bytes(0x80 if pred(c) else 0 for c in range(256))


_FULL = _translation(lambda c: c & CTRL_EMPTY == 0)


def _bitset(ctrl: bytes | bytearray, base: int, table: bytes) -> int:
    return int.from_bytes(ctrl[base:base + GROUP_SLOTS].translate(table), "little")


def match_full(ctrl: bytes | bytearray, base: int) -> int:
    """``ctrlGroup.matchFull``: slots with bit 7 clear."""
    return _bitset(ctrl, base, _FULL)


def bitset_remove_below(b: int, i: int) -> int:
    """``bitset.removeBelow``: drop the slots below ``i``."""
    return b & ~((1 << (8 * i)) - 1)


def align_up_pow2(n: int) -> int:
    """``alignUpPow2``: ``n`` rounded up to a power of two (0 stays 0)."""
    if n == 0:
        return 0
    return 1 << (n - 1).bit_length()


class Group:
    """One group on its own: the small map's single group (``Map.dirPtr`` while
    ``dirLen == 0``). ``ctrl`` is the control word, ``keys``/``elems`` the slots."""

    __slots__ = ("ctrl", "elems", "keys")

    def __init__(self) -> None:
        self.ctrl = bytearray(EMPTY_GROUP)
        self.keys: list[Any] = [None] * GROUP_SLOTS
        self.elems: list[Any] = [None] * GROUP_SLOTS

    def set_empty(self) -> None:
        """``typedmemclr`` + ``ctrlGroup.setEmpty``: every slot empty and zeroed."""
        self.ctrl[:] = EMPTY_GROUP
        self.keys[:] = [None] * GROUP_SLOTS
        self.elems[:] = [None] * GROUP_SLOTS

    def clone(self) -> Group:
        """``cloneGroup``."""
        g = Group()
        g.ctrl[:] = self.ctrl
        g.keys[:] = self.keys
        g.elems[:] = self.elems
        return g


class ProbeSeq:
    """``probeSeq``: the triangular probe sequence over a table's groups.

    Offsets ``h1, h1+1, h1+1+2, h1+1+2+3, ...`` modulo the group count, which
    visits every group exactly once when the count is a power of two. The walks
    off the hot paths use it as Go's do (``Table.get_with_key``,
    ``unchecked_put_slot``, ``prune_tombstones``); the hot ones inline its two
    lines (``offset``, ``index``), each marked ``# inlined:`` (``SwissMap.get``,
    ``SwissMap.assign``, ``Table.put_slot``, ``Table.delete``, ``Table._reinsert``):
    an instance costs about 150 ns a probe in CPython, 5-20% of a delete.
    """

    __slots__ = ("index", "mask", "offset")

    def __init__(self, hash1: int, mask: int) -> None:
        self.mask = mask
        self.offset = hash1 & mask
        self.index = 0

    def next(self) -> ProbeSeq:
        self.index += 1
        self.offset = (self.offset + self.index) & self.mask
        return self
