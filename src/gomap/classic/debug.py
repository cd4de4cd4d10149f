"""Snapshots and invariant checks for the classic map (the analogue of Go's
``table_debug.go`` for the Swiss map; Go 1.23's map.go has no debug dump)."""

from __future__ import annotations

from typing import Any

from gomap._engine import MapStats
from gomap.classic.hmap import (
    BUCKET_CNT,
    EMPTY_ONE,
    EMPTY_REST,
    EVACUATED_EMPTY,
    EVACUATED_Y,
    HASH_WRITING,
    MIN_TOP_HASH,
    SAME_SIZE_GROW,
    HMap,
    evacuated,
    over_load_factor,
    tophash,
    touched_indices,
)
from gomap.errors import ConcurrentMapReadWriteError, InvariantError


def _chain(b: Any) -> list[dict[str, Any]]:
    out = []
    while b is not None:
        th = list(b.tophash)
        live = [t >= MIN_TOP_HASH for t in th]
        out.append(
            {
                "tophash": th,
                "keys": [k if ok else None for k, ok in zip(b.keys, live, strict=True)],
                "elems": [e if ok else None for e, ok in zip(b.elems, live, strict=True)],
            }
        )
        b = b.overflow
    return out


def chain(h: HMap, arr: str, index: int) -> list[dict[str, Any]]:
    """One bucket chain as in :func:`snapshot` (``arr`` is ``"new"`` or ``"old"``)."""
    native_chain = getattr(h, "_chain", None)
    if native_chain is not None:  # the native engine builds the same lists in C
        return native_chain(0 if arr == "new" else 1, index)
    buckets = h.buckets if arr == "new" else h.oldbuckets
    if buckets is None:
        return []
    return _chain(buckets[index])


def snapshot(h: HMap) -> dict[str, Any]:
    """The whole state: hmap fields, then every bucket chain of both arrays.

    ``buckets`` / ``oldbuckets`` are lists indexed by bucket number; each element is
    that bucket's chain (primary first, then overflow buckets in chain order); each
    bucket is ``{"tophash": [8 ints], "keys": [8], "elems": [8]}`` where keys and
    elems are shown only in live cells (tophash >= minTopHash), None elsewhere.
    """
    flags = h.flags | (HASH_WRITING if h.writing else 0)
    nbuckets = 1 << h.B
    out: dict[str, Any] = {
        "impl": "classic",
        "go": h.go.release,
        "entries": h.count,
        "seed": h.hash0,
        "writing": h.writing,
        "count": h.count,
        "flags": flags,
        "B": h.B,
        "noverflow": h.noverflow,
        "hash0": h.hash0,
        "nevacuate": h.nevacuate,
        "buckets": None,
        "oldbuckets": None,
        "next_overflow": h.next_overflow,
        "nbuckets_allocated": None if h.buckets is None else len(h.buckets),
    }
    if h.buckets is not None:
        out["buckets"] = [_chain(h.buckets[i]) for i in range(nbuckets)]
    if h.oldbuckets is not None:
        out["oldbuckets"] = [_chain(h.oldbuckets[i]) for i in range(h.noldbuckets())]
    return out


def _fail(msg: str) -> None:
    raise InvariantError(msg)


def check_invariants(h: HMap) -> None:
    """Check every structural rule of the classic map; raise InvariantError if broken."""
    if h.count < 0:
        _fail(f"count {h.count} < 0")
    if not 0 <= h.hash0 < 1 << 32:
        _fail(f"hash0 {h.hash0} out of uint32 range")
    if not 0 <= h.noverflow < 1 << 16:
        _fail(f"noverflow {h.noverflow} out of uint16 range")
    if h.buckets is None:
        if h.count:
            _fail(f"count {h.count} but no buckets")
        if h.oldbuckets is not None:
            _fail("oldbuckets without buckets")
        return
    nb = 1 << h.B
    if len(h.buckets) < nb:
        _fail(f"bucket array holds {len(h.buckets)} < 2^B = {nb} buckets")
    if h.next_overflow is not None and not nb <= h.next_overflow < len(h.buckets):
        _fail(f"nextOverflow {h.next_overflow} outside the pre-allocated range")
    growing = h.oldbuckets is not None
    if not growing and h.flags & SAME_SIZE_GROW:
        _fail("sameSizeGrow flag set while not growing")
    live = 0
    seen: list[Any] = []
    hasher, hash0 = h.hasher, h.hash0

    def check_chain(b: Any, where: str, index: int, mask: int, old: bool) -> int:
        n = 0
        rest = False
        pos = 0
        while b is not None:
            for i in range(BUCKET_CNT):
                t = b.tophash[i]
                at = f"{where}[{index}] cell {pos * BUCKET_CNT + i}"
                if rest and t != EMPTY_REST:
                    _fail(f"{at}: tophash {t} after an emptyRest cell")
                if t == EMPTY_REST:
                    rest = True
                    continue
                if t == EMPTY_ONE:
                    continue
                if t < MIN_TOP_HASH:
                    if not old:
                        _fail(f"{at}: evacuation mark {t} in the current bucket array")
                    continue
                if old and evacuated(b) and pos == 0:
                    _fail(f"{at}: live cell in an evacuated bucket")
                k = b.keys[i]
                n += 1
                if k == k:  # NaN keys hash at random: nothing to check
                    hv = hasher(k, hash0)
                    if tophash(hv) != t:
                        _fail(f"{at}: tophash {t} != tophash(hash(key)) {tophash(hv)} for {k!r}")
                    if hv & mask != index:
                        _fail(f"{at}: key {k!r} hashes to bucket {hv & mask}, not {index}")
                    seen.append(k)
            b = b.overflow
            pos += 1
        return n

    for i in touched_indices(h.buckets, nb):  # an untouched sparse bucket is empty
        live += check_chain(h.buckets[i], "buckets", i, nb - 1, False)
    if h.oldbuckets is not None:
        nold = h.noldbuckets()
        if h.flags & SAME_SIZE_GROW:
            if nold != nb:
                _fail("same-size growth with a different old size")
        elif nold * 2 != nb:
            _fail(f"old array of {nold} buckets for B={h.B}")
        if not 0 <= h.nevacuate < nold:
            _fail(f"nevacuate {h.nevacuate} outside [0, {nold})")
        old_idx = touched_indices(h.oldbuckets, nold)
        if sum(1 for i in old_idx if i < h.nevacuate) != h.nevacuate:
            _fail(f"an old bucket below nevacuate {h.nevacuate} was never evacuated")
        for i in old_idx:
            b = h.oldbuckets[i]
            if i < h.nevacuate and not evacuated(b):
                _fail(f"oldbuckets[{i}] below nevacuate {h.nevacuate} is not evacuated")
            if evacuated(b):
                c: Any = b
                while c is not None:
                    for t in c.tophash:
                        if not EMPTY_ONE < t <= EVACUATED_EMPTY:
                            _fail(f"oldbuckets[{i}]: tophash {t} in an evacuated bucket")
                        if t == EVACUATED_Y and h.flags & SAME_SIZE_GROW:
                            _fail(f"oldbuckets[{i}]: evacuatedY in a same-size growth")
                    c = c.overflow
            else:
                live += check_chain(b, "oldbuckets", i, nold - 1, True)
    if live != h.count:
        _fail(f"count {h.count} != {live} live cells")
    try:
        distinct = len(set(seen))
    except TypeError:
        distinct = len(seen)
    if distinct != len(seen):
        _fail("a key is stored twice")
    go = getattr(h, "go", None)  # a native engine: the pinned release (13)
    over = over_load_factor(h.count, h.B, go.load_factor_num if go else 13)
    if not growing and over and h.count > 2 * 13 * (nb // 2):
        _fail(f"count {h.count} far over the load factor for B={h.B}")


def stats(h: HMap, deep: bool = False) -> MapStats:
    """Capacity and occupancy (see :class:`gomap._engine.MapStats`); ``deep`` counts
    the ``emptyOne`` cells of the current array's chains."""
    capacity = 0 if h.buckets is None else BUCKET_CNT << h.B
    tombstones = None
    if deep:
        tombstones = 0
        if h.buckets is not None:
            for i in touched_indices(h.buckets, 1 << h.B):  # untouched: empty
                b: Any = h.buckets[i]
                while b is not None:
                    tombstones += b.tophash.count(EMPTY_ONE)
                    b = b.overflow
    return MapStats(entries=h.count, capacity=capacity, overflow_buckets=h.overflow_used,
                    tombstones=tombstones, growing=h.oldbuckets is not None,
                    shape={"B": h.B, "noverflow": h.noverflow})


class ReferenceHMap(HMap):
    """An :class:`HMap` whose lookup calls the named functions (``_bucket_for_read``,
    ``_find``, ``tophash``) instead of their inlined copy in ``HMap.lookup``.
    Slower; the tests hold it state-equal to ``HMap``."""

    def lookup(self, key: Any) -> tuple[bool, Any]:
        if self.count == 0:
            return HMap.lookup(self, key)
        if self._writing.locked():
            raise ConcurrentMapReadWriteError()
        hash = self.hasher(key, self.hash0)
        found = self._find(self._bucket_for_read(hash), tophash(hash), key)
        if found is None:
            return False, None
        b, i = found
        return True, b.elems[i]
