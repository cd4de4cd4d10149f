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
    HMap,
    SparseBucketArray,
    bucketCnt,
    bucketMask,
    emptyOne,
    evacuated,
    evacuatedEmpty,
    evacuatedX,
    evacuatedY,
    iterator,
    oldIterator,
)
from gomap.errors import ConcurrentMapIterationWriteError
from gomap.hashing import M64

noCheck = M64  # 1<<(8*goarch.PtrSize) - 1: "no bucket to check"


class HIter:
    """``hiter``: the state of one ``for k, v := range m`` loop."""

    __slots__ = (
        "B",
        "bptr",
        "bucket",
        "buckets",
        "checkBucket",
        "h",
        "i",
        "offset",
        "startBucket",
        "wrapped",
    )

    def __init__(self, h: HMap) -> None:
        """``mapiterinit``, less its final ``mapiternext`` (done by the first next())."""
        self.h: HMap | None = None
        self.B = 0
        self.buckets: Any = None
        self.bptr: Any = None  # current bucket
        self.startBucket = 0  # bucket iteration started at
        self.offset = 0  # intra-bucket offset to start from during iteration
        self.wrapped = False  # already wrapped around from end of bucket array to beginning
        self.i = 0
        self.bucket = 0
        self.checkBucket = noCheck
        if h.count == 0:
            return  # nothing to iterate; no random draw, no flag
        self.h = h
        # grab snapshot of bucket state
        self.B = h.B
        self.buckets = h.buckets
        # decide where to start
        r = h.rand()
        self.startBucket = r & bucketMask(h.B)
        self.offset = (r >> h.B) & (bucketCnt - 1)
        self.bucket = self.startBucket
        # Remember we have an iterator.
        h.flags |= iterator | oldIterator
        h._emit("iterInit", startBucket=self.startBucket, offset=self.offset, B=h.B)

    def __iter__(self) -> HIter:
        return self

    def __next__(self) -> tuple[Any, Any]:
        kv = self.next()
        if kv is None:
            raise StopIteration
        return kv

    def _skip_untouched(self, arr: SparseBucketArray, bucket: int) -> int:
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
        if j < len(idx) and idx[j] < self.startBucket:
            return idx[j]
        return self.startBucket

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
        checkBucket = self.checkBucket
        offset = self.offset
        itB = self.B
        while True:
            if b is None:
                arr = self.buckets
                if type(arr) is SparseBucketArray and not dict.__contains__(arr, bucket) and \
                        not (h.oldbuckets is not None and itB == h.B):
                    bucket = self._skip_untouched(arr, bucket)
                if bucket == self.startBucket and self.wrapped:
                    # end of iteration
                    self.h = None
                    return None
                if h.oldbuckets is not None and itB == h.B:
                    # The iterator was started in the middle of a grow, and the grow
                    # isn't done yet. If the bucket we're looking at hasn't been filled
                    # in yet (the old bucket hasn't been evacuated), iterate through the
                    # old bucket and only return the entries that will migrate here.
                    oldbucket = bucket & h.oldbucketmask()
                    old = h.oldbuckets
                    b = old.peek(oldbucket) if type(old) is SparseBucketArray else old[oldbucket]
                    if not evacuated(b):
                        checkBucket = bucket
                    else:
                        arr = self.buckets
                        b = arr.peek(bucket) if type(arr) is SparseBucketArray else arr[bucket]
                        checkBucket = noCheck
                else:
                    arr = self.buckets
                    b = arr.peek(bucket) if type(arr) is SparseBucketArray else arr[bucket]
                    checkBucket = noCheck
                bucket += 1
                if bucket == 1 << itB:
                    bucket = 0
                    self.wrapped = True
                i = 0
            th = b.tophash
            while i < bucketCnt:
                offi = (i + offset) & (bucketCnt - 1)
                top = th[offi]
                if top <= emptyOne or top == evacuatedEmpty:
                    i += 1
                    continue
                k = b.keys[offi]
                if checkBucket != noCheck and not h.isSameSizeGrow():
                    # Iterating an old bucket not yet evacuated during a grow to a larger
                    # size: skip the keys that will go to the other new bucket.
                    if k == k:
                        hash = h.hasher(k, h.hash0)
                        if hash & bucketMask(itB) != checkBucket:
                            i += 1
                            continue
                    else:
                        # NaN: the hash is not repeatable; evacuation sends NaNs by the
                        # low bit of tophash, so choose the same way here.
                        if checkBucket >> (itB - 1) != (top & 1):
                            i += 1
                            continue
                if (top != evacuatedX and top != evacuatedY) or k != k:
                    # This is the golden data; or key != key, so the entry can't be
                    # deleted or updated and we can just return it.
                    key, elem = k, b.elems[offi]
                else:
                    # The table has grown since the iterator started: the golden data
                    # for this key is elsewhere. Look it up in the current table: it may
                    # have been deleted, updated, or deleted and reinserted (and the key
                    # may now be an equal but not identical one, e.g. -0.0 for +0.0).
                    ok, key, elem = h.lookup_key(k)
                    if not ok:
                        i += 1
                        continue
                self.bucket = bucket
                self.bptr = b
                self.i = i + 1
                self.checkBucket = checkBucket
                return key, elem
            b = b.overflow
            i = 0
