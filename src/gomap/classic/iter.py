"""Iteration over a classic map: ``hiter``, ``mapiterinit`` and ``mapiternext`` of
Go 1.23's ``runtime/map.go``.

An iterator remembers the bucket array it started on (``it.buckets``) and its size
``it.B``. It visits every bucket once, starting at a random bucket and at a random
offset within each bucket, and follows each overflow chain. When the map grows
while it runs, the iterator keeps walking the array it started with; for each cell
marked ``evacuatedX``/``evacuatedY`` it looks the key up in the current table
instead, so it returns the current elem and skips keys deleted since. When the
iteration started during a growth, buckets not yet evacuated are read from the old
array, keeping only the entries that will land in the bucket being visited.

Together this gives the Go spec's guarantees under mutation: no entry is produced
twice, an entry deleted before it is reached is not produced, and every entry
present for the whole iteration is produced exactly once.
"""

from __future__ import annotations

import bisect
from typing import Any

from gomap.classic.hmap import (
    BUCKET_CNT,
    EMPTY_ONE,
    EVACUATED_EMPTY,
    EVACUATED_X,
    EVACUATED_Y,
    ITERATOR,
    OLD_ITERATOR,
    BucketArray,
    HMap,
    SparseBucketArray,
    bucket_mask,
    evacuated,
)
from gomap.errors import ConcurrentMapIterationWriteError
from gomap.hashing import M64

NO_CHECK = M64  # 1<<(8*goarch.PtrSize) - 1: "no bucket to check"


class HIter:
    """``hiter``: the state of one ``for k, v := range m`` loop."""

    __slots__ = (
        "B",
        "bptr",
        "bucket",
        "buckets",
        "check_bucket",
        "clear_seq",
        "h",
        "i",
        "offset",
        "start_bucket",
        "wrapped",
    )

    def __init__(self, h: HMap) -> None:
        """``mapiterinit``, less its final ``mapiternext`` (done by the first next())."""
        self.h: HMap | None = None
        self.B = 0
        self.buckets: Any = None
        self.bptr: Any = None  # current bucket
        self.start_bucket = 0  # bucket iteration started at
        self.offset = 0  # intra-bucket offset to start from during iteration
        self.wrapped = False  # already wrapped around from end of bucket array to beginning
        self.i = 0
        self.bucket = 0
        self.check_bucket = NO_CHECK
        self.clear_seq = h.clear_seq
        if h.count == 0:
            return  # nothing to iterate; no random draw, no flag
        self.h = h
        # grab snapshot of bucket state
        self.B = h.B
        self.buckets = h.buckets
        # decide where to start
        r = h.rand()
        self.start_bucket = r & bucket_mask(h.B)
        self.offset = (r >> h.B) & (BUCKET_CNT - 1)
        self.bucket = self.start_bucket
        # Remember we have an iterator.
        h.flags |= ITERATOR | OLD_ITERATOR
        if h.subscribers:
            h._emit("iterInit", {"start_bucket": self.start_bucket, "offset": self.offset,
                                 "B": h.B})

    def __iter__(self) -> HIter:
        return self

    def __next__(self) -> tuple[Any, Any]:
        kv = self.next()
        if kv is None:
            raise StopIteration
        return kv

    def _skip_untouched(self, arr: BucketArray | SparseBucketArray, bucket: int) -> int:
        """The next bucket from ``bucket`` on (in iteration order, wrapping once) that
        was ever touched: the untouched ones in between are empty, so visiting them
        would produce nothing and draw nothing."""
        idx = arr.touched()
        j = bisect.bisect_left(idx, bucket)
        if not self.wrapped:
            if j < len(idx) and idx[j] < 1 << self.B:
                return idx[j]
            self.wrapped = True
            bucket, j = 0, 0
        if j < len(idx) and idx[j] < self.start_bucket:
            return idx[j]
        return self.start_bucket

    def next(self) -> tuple[Any, Any] | None:
        """``mapiternext``: the next (key, elem), or None at the end."""
        h = self.h
        if h is None:
            return None
        if h._writing.locked():
            raise ConcurrentMapIterationWriteError()
        bucket = self.bucket
        b = self.bptr
        i = self.i
        check_bucket = self.check_bucket
        offset = self.offset
        it_B = self.B
        while True:
            if b is None:
                arr = self.buckets
                if arr.is_untouched(bucket) and not (h.oldbuckets is not None and it_B == h.B):
                    bucket = self._skip_untouched(arr, bucket)
                if bucket == self.start_bucket and self.wrapped:
                    # end of iteration
                    self.h = None
                    return None
                if h.oldbuckets is not None and it_B == h.B:
                    # The iterator was started in the middle of a grow, and the grow
                    # isn't done yet. If the bucket we're looking at hasn't been filled
                    # in yet (the old bucket hasn't been evacuated), iterate through the
                    # old bucket and only return the entries that will migrate here.
                    oldbucket = bucket & h.oldbucketmask()
                    old = h.oldbuckets
                    b = old.peek(oldbucket)
                    if not evacuated(b):
                        check_bucket = bucket
                    else:
                        arr = self.buckets
                        b = arr.peek(bucket)
                        check_bucket = NO_CHECK
                else:
                    arr = self.buckets
                    b = arr.peek(bucket)
                    check_bucket = NO_CHECK
                bucket += 1
                if bucket == 1 << it_B:
                    bucket = 0
                    self.wrapped = True
                i = 0
            th = b.tophash
            while i < BUCKET_CNT:
                offi = (i + offset) & (BUCKET_CNT - 1)
                top = th[offi]
                if top <= EMPTY_ONE or top == EVACUATED_EMPTY:
                    i += 1
                    continue
                k = b.keys[offi]
                if check_bucket != NO_CHECK and not h.is_same_size_grow():
                    # Iterating an old bucket not yet evacuated during a grow to a larger
                    # size: skip the keys that will go to the other new bucket.
                    if k == k:
                        hash = h.hasher(k, h.hash0)
                        if hash & bucket_mask(it_B) != check_bucket:
                            i += 1
                            continue
                    else:
                        # NaN: the hash is not repeatable; evacuation sends NaNs by the
                        # low bit of tophash, so choose the same way here.
                        if check_bucket >> (it_B - 1) != (top & 1):
                            i += 1
                            continue
                if self.clear_seq == h.clear_seq and (
                        (top != EVACUATED_X and top != EVACUATED_Y) or k != k):
                    # This is the golden data; or key != key, so the entry can't be
                    # deleted or updated and we can just return it.
                    key, elem = k, b.elems[offi]
                else:
                    # The table has grown since the iterator started: the golden data
                    # for this key is elsewhere. Look it up in the current table: it may
                    # have been deleted, updated, or deleted and reinserted (and the key
                    # may now be an equal but not identical one, e.g. -0.0 for +0.0).
                    # Go 1.24+: also every key once the map was cleared since the
                    # iterator started (clearSeq), a NaN included (never found).
                    ok, key, elem = h.lookup_key(k)
                    if not ok:
                        i += 1
                        continue
                self.bucket = bucket
                self.bptr = b
                self.i = i + 1
                self.check_bucket = check_bucket
                return key, elem
            b = b.overflow
            i = 0
