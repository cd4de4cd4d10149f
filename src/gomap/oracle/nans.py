"""NaN keys in the oracles: a hash rebuilt from where the runtime put the key.

A NaN's runtime hash is random (``f64hash`` mixes in a ``rand()``), so the hash a
harness computes for a NaN key is not the one its map used, and every insert of a
NaN is a new entry at a random place. The harnesses report where each NaN key is
(the state harnesses in their dumps, the memory harnesses after every operation
while a NaN may be in the map); these classes turn a place into a hash that makes
the model put the key, and move it on a growth or split, exactly there. Both the
state drivers and the memory driver use them.

The NaN keys in a map are told apart by their IEEE payload bits, so a script gives
each NaN it sets distinct bits; the operation's own key is told apart by identity
(a delete of a NaN with the bits of one in the map is another key, which the
runtime hashes anew).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from gomap.classic.hmap import evacuated
from gomap.oracle.common import OracleError
from gomap.oracle.keys import nan_bits
from gomap.swiss.group import CTRL_DELETED, CTRL_EMPTY, GROUP_SLOTS


def probe_ends_on_empty(ctrl: Any, mask: int, h1: int) -> bool:
    """Does the probe sequence from ``h1`` reach a group with an empty slot before
    any group with a tombstone (so an insert there finds no tombstone to reuse)?"""
    off = h1 & mask
    for step in range(1, mask + 2):
        base = off << 3
        grp = ctrl[base:base + GROUP_SLOTS]
        if CTRL_EMPTY in grp:
            return True
        if CTRL_DELETED in grp:
            return False
        off = (off + step) & mask
    return False


class _Places:
    """Where the runtime put each NaN key (payload bits -> place, as of the last
    report), the hash of the operation's own NaN key, and a place's hash."""

    def __init__(self) -> None:
        self.places: dict[int, tuple[int, ...]] = {}
        self.op: tuple[Any, int] | None = None  # this op's NaN key (the object), its hash
        self.hashes = 0

    def place_hash(self, place: tuple[int, ...]) -> int:
        raise NotImplementedError

    def hash(self, key: Any) -> int:
        self.hashes += 1
        if self.op is not None and key is self.op[0]:
            return self.op[1]
        place = self.places.get(nan_bits(key) or -1)  # a NaN's bits are never 0
        if place is None:
            # a NaN that did not move, or a lookup that cannot find a NaN anyway:
            # its hash changes nothing
            return 0
        return self.place_hash(place)

    def new_place(self, bits: int, i: int) -> tuple[int, ...]:
        """Where op #``i``'s new NaN key went."""
        place = self.places.get(bits)
        if place is None:
            raise OracleError(f"op #{i}: the runtime's new NaN key is not in its dump")
        return place


class ClassicNaNs(_Places):
    """Classic: a NaN at (bucket, tophash) of the new bucket array hashes to
    ``tophash << 56 | bucket``; evacuation sends it by its tophash's low bit (Go's
    rule for keys not equal to themselves) and re-hashes it, to its next place."""

    def learn(self, places: Iterable[tuple[int, int, int]]) -> None:
        self.places = {bits: (b, top) for bits, b, top in places}

    def place_hash(self, place: tuple[int, ...]) -> int:
        bucket, top = place
        return (top << 56) | bucket

    def set_hash(self, bits: int, i: int) -> int:
        """The hash of op #``i``'s new NaN key: its place after the op."""
        return self.place_hash(self.new_place(bits, i))

    @staticmethod
    def del_hash(h: Any, newly: set[int]) -> int:
        """The hash of a NaN delete during a growth: its random hash made growWork
        evacuate one old bucket (then the next unevacuated one, ``nevacuate``). Given
        the old buckets the runtime evacuated in the op, an old bucket index that
        makes the model evacuate the same ones."""
        others = sorted(newly - {h.nevacuate})
        if others:
            return others[0]
        # Only nevacuate moved: the NaN's bucket had been evacuated already (or was
        # nevacuate, the last one).
        for b in range(h.noldbuckets()):
            if b != h.nevacuate and evacuated(h.oldbuckets[b]):
                return b
        return int(h.nevacuate)


class SwissNaNs(_Places):
    """Swiss: a NaN at (table, group, slot, ctrl) hashes to H2 = ctrl, H1 = group (so
    the probe starts there) and, on top, the table's first directory index (so the
    directory picks the table and a split sends the key to the same half). A NaN
    whose own insert made its table grow or split needs more (:meth:`set_hash`).
    A place: (table number, -1 for the small group; group; slot; ctrl)."""

    def __init__(self) -> None:
        super().__init__()
        # the runtime's tables, numbered as ``places`` numbers them: index,
        # capacity, local_depth
        self.tables: Sequence[Mapping[str, Any]] = []
        self.global_depth = 0
        self.rehash_inserts = 0

    def learn(self, places: Iterable[tuple[int, int, int, int, int]], i: int) -> None:
        self.places = {}
        for bits, t, g, s, c in places:
            if bits in self.places:
                raise OracleError(f"op #{i}: two NaN keys with payload {bits:016x}; "
                                  f"the driver needs distinct payloads")
            self.places[bits] = (t, g, s, c)

    def prefix(self, t: int) -> int:
        """Hash bits that make the directory select runtime table ``t``."""
        gd = self.global_depth
        if t < 0 or gd == 0:
            return 0
        return int(self.tables[t]["index"]) << (64 - gd)

    def place_hash(self, place: tuple[int, ...]) -> int:
        t, g, _, ctrl = place
        return self.prefix(t) | (g << 7) | ctrl

    def set_hash(self, bits: int, m: Any, free_groups: Iterable[int], i: int,
                 events: dict[str, int]) -> int:
        """The hash that makes model ``m`` put op #``i``'s new NaN where the runtime
        did. ``free_groups``: the groups of its table, after the op, with an empty or
        deleted slot (needed only when the insert grew or split the table)."""
        t, g, s, ctrl = self.new_place(bits, i)
        if t < 0:
            return ctrl  # the small group: no probing
        base = self.prefix(t) | ctrl
        if m.dir_len == 0:
            # growToTable: the 8 old entries are re-inserted, then the NaN goes to the
            # first free slot on its probe sequence: start it at its group.
            return base | (g << 7)
        old = m.directory[m.directory_index(base)]
        hdr = self.tables[t]
        if old.capacity == hdr["capacity"] and old.local_depth == hdr["local_depth"]:
            # Inserted without a rehash: the slot is the first free one of its group
            # (the first tombstone met, or the first empty slot): start the probe there.
            return base | (g << 7)
        # The insert grew or split the table first (growthLeft was 0). The model must
        # take the same decision on the old table: its probe must reach a group with an
        # empty slot before any group with a tombstone. Then, in the new table, it
        # must reach the NaN's group first among the groups with a free slot.
        free = set(free_groups) | {g}
        nmask = int(hdr["capacity"]) // GROUP_SLOTS - 1
        self.rehash_inserts += 1
        name = "nan:insertSplit" if hdr["local_depth"] != old.local_depth else "nan:insertGrew"
        events[name] = events.get(name, 0) + 1
        for cand in range(nmask + 1):
            off, step = cand, 0
            while off not in free:
                step += 1
                off = (off + step) & nmask
            if off == g and probe_ends_on_empty(old.ctrl, old.length_mask, cand):
                return base | (cand << 7)
        raise OracleError(f"op #{i}: no hash puts the new NaN key at table {t} "
                          f"group {g} slot {s} after the rehash")


NAN_PLACES: dict[str, type[ClassicNaNs] | type[SwissNaNs]] = {
    "classic": ClassicNaNs, "swiss": SwissNaNs}
"""The NaN placement of each engine, by engine name."""
