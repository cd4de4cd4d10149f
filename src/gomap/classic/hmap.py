"""The classic Go map: a model of Go 1.23's ``runtime/map.go``, operation for operation.

This module follows ``src/runtime/map.go`` of Go 1.23.9 (and the fast paths in
``map_fast64.go`` / ``map_faststr.go``, which reach the same states). Hold that
file beside this one: names are Go's on purpose.

Layout
------
A map is an array of ``2^B`` buckets. Each bucket holds 8 key/elem pairs, an array
of 8 ``tophash`` bytes (the top byte of each key's hash, or a small marker value
for an empty or evacuated cell) and an ``overflow`` pointer to the next bucket of
its chain. The low ``B`` bits of a key's hash choose its bucket; its ``tophash``
tells the cells of the chain apart without comparing keys.

Insertion takes the first empty cell of the chain (``emptyOne`` or ``emptyRest``);
when the chain is full a new overflow bucket is chained on, taken from the
overflow buckets ``makeBucketArray`` pre-allocated behind the main array for
``B >= 4`` while they last.

Deletion clears the cell and marks it ``emptyOne``. When the cell ends the chain's
live contents, the run of ``emptyOne`` cells before it (walking backwards across
the chain) turns into ``emptyRest``, which lets later scans stop early. A map never
shrinks; only its hash seed changes when it becomes empty.

Growth
------
When an insert of a new key would put the map over the load factor (``count+1 >
8`` and ``> 6.5 * 2^B``) or there are about as many overflow buckets as buckets,
``hashGrow`` allocates a new array (twice the size, or the same size to compact
sparse chains) and keeps the old one as ``oldbuckets``. Every later write first
calls ``growWork``: it evacuates the old bucket the written key hashes to and one
more at ``nevacuate``. Evacuation sends each entry to bucket ``x`` (same index) or
``y`` (index + old size) by one more hash bit, and marks the old cells
``evacuatedX`` / ``evacuatedY`` / ``evacuatedEmpty``. Deleting never starts a
growth; it only helps to finish one.

Iteration (``iter.py``) starts at a random bucket and offset and copes with a
growth in progress by reading not-yet-evacuated old buckets.

Random draws (``hash0``, the iterator start, ``incrnoverflow`` for ``B >= 16``)
come from ``rand``; hashes from ``hasher``. Both are hooks so that the oracle can
replay the real runtime's values.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from gomap._engine import Observer
from gomap.errors import ConcurrentMapReadWriteError, ConcurrentMapWriteError
from gomap.hashing import M32, DefaultHasher, Hasher, Rand, check_hashable, default_rand
from gomap.layout.sizeclasses import roundupsize

if TYPE_CHECKING:
    from gomap.classic.iter import HIter

# --- constants (runtime/map.go, internal/abi/map_noswiss.go) -------------------------
bucketCntBits = 3
bucketCnt = 1 << bucketCntBits  # abi.MapBucketCount: max number of key/elem pairs in a bucket
loadFactorDen = 2
loadFactorNum = loadFactorDen * bucketCnt * 13 // 16  # 13: load factor 6.5 = 13/2
maxKeySize = 128  # keys bigger than this are stored indirectly (by pointer)
maxElemSize = 128  # elems bigger than this are stored indirectly (by pointer)

# Possible tophash values. A few are reserved for special marks.
# emptyRest: this cell is empty, and there are no more non-empty cells at higher
# indexes or overflows.
emptyRest = 0
emptyOne = 1  # this cell is empty
evacuatedX = 2  # key/elem is valid; entry has been evacuated to first half of larger table
evacuatedY = 3  # same as above, but evacuated to second half of larger table
evacuatedEmpty = 4  # cell is empty, bucket is evacuated
minTopHash = 5  # minimum tophash for a normal filled cell

# flags
iterator = 1  # there may be an iterator using buckets
oldIterator = 2  # there may be an iterator using oldbuckets
hashWriting = 4  # a goroutine is writing to the map
sameSizeGrow = 8  # the current map growth is to a new map of the same size

PTR_SIZE = 8  # goarch.PtrSize (amd64)
MAX_ALLOC = 1 << 48  # runtime.maxAlloc on linux/amd64


def bucketShift(b: int) -> int:
    """1 << b: the number of buckets for a given B."""
    return 1 << b


def bucketMask(b: int) -> int:
    """1<<b - 1."""
    return (1 << b) - 1


def tophash(hash: int) -> int:
    """The top byte of a hash, moved above the reserved marks."""
    top = hash >> 56
    if top < minTopHash:
        top += minTopHash
    return top


def isEmpty(x: int) -> bool:
    """Whether a tophash value marks an empty cell."""
    return x <= emptyOne


def overLoadFactor(count: int, B: int) -> bool:
    """Whether ``count`` items in 1<<B buckets is over the load factor."""
    return count > bucketCnt and count > loadFactorNum * (bucketShift(B) // loadFactorDen)


def tooManyOverflowBuckets(noverflow: int, B: int) -> bool:
    """Whether there are about as many overflow buckets as buckets (B capped at 15)."""
    if B > 15:
        B = 15
    return noverflow >= (1 << B)


class Bucket:
    """``bmap``: 8 cells and the link to the next bucket of the chain."""

    __slots__ = ("elems", "keys", "overflow", "tophash")

    def __init__(self) -> None:
        self.tophash: list[int] = [emptyRest] * bucketCnt
        self.keys: list[Any] = [None] * bucketCnt
        self.elems: list[Any] = [None] * bucketCnt
        self.overflow: Bucket | None = None

    def reset(self) -> None:
        """Zero the whole bucket in place (memclr): iterators holding it see it empty."""
        self.tophash[:] = [emptyRest] * bucketCnt
        self.keys[:] = [None] * bucketCnt
        self.elems[:] = [None] * bucketCnt
        self.overflow = None


class OverflowBucket(Bucket):
    """An overflow bucket ``newoverflow`` allocated on its own (``newobject``), as
    opposed to one of the overflow buckets pre-allocated behind the main array.
    Same state; the type only tells the memory accounting which is which."""

    __slots__ = ()


def evacuated(b: Bucket) -> bool:
    """Whether an old bucket has been evacuated (its first tophash is a mark 2..4)."""
    h = b.tophash[0]
    return emptyOne < h < minTopHash


class BucketLayout:
    """What the runtime's map type descriptor says about the bucket.

    Only two facts change the map's observable state: whether the bucket type holds
    pointers (then evacuated old buckets are cleared and unlinked when no iterator
    may read them) and the bucket size (how many overflow buckets ``makeBucketArray``
    pre-allocates after size-class rounding). The defaults describe ``map[any]any``
    (16-byte interface keys and elems), the closest Go type to a Python object.
    """

    __slots__ = ("bucket_size", "indirect_elem", "indirect_key", "pointers")

    def __init__(
        self,
        bucket_size: int = 8 + 8 * 16 + 8 * 16 + 8,
        pointers: bool = True,
        indirect_key: bool = False,
        indirect_elem: bool = False,
    ) -> None:
        self.bucket_size = bucket_size
        self.pointers = pointers
        self.indirect_key = indirect_key
        self.indirect_elem = indirect_elem


DEFAULT_LAYOUT = BucketLayout()


class BucketArray(list[Bucket]):
    """A bucket array: ``2^B`` main buckets followed by the overflow buckets that
    ``makeBucketArray`` pre-allocated in the same allocation (``B >= 4``).

    Index ``i < 2^B`` is main bucket ``i``; the rest are handed out in order by
    ``newoverflow`` (``nextOverflow``) and reused after ``clear``, as in Go.
    """


SPARSE_MIN_BUCKETS = 1 << 20
"""Bucket arrays of at least this many buckets are :class:`SparseBucketArray` s."""


class SparseBucketArray(dict[int, Bucket]):
    """A bucket array of ``n`` buckets of which only those touched exist.

    Go zeroes a new bucket array, so an untouched bucket is an empty one: it is made
    on first access (``arr[i]``), counted but not materialised before. A hinted
    ``make(map[int64]int64, 1e9)`` then costs memory and time in proportion to what
    is written into it, while every figure (``len``, bytes) is the full array's.
    Readers that must not materialise use :meth:`peek`.
    """

    __slots__ = ("n",)

    def __init__(self, n: int) -> None:
        super().__init__()
        self.n = n

    def __missing__(self, i: int) -> Bucket:
        if not 0 <= i < self.n:
            raise IndexError(f"bucket index {i} out of range (array of {self.n})")
        b = self[i] = Bucket()
        return b

    def __len__(self) -> int:
        return self.n

    def __iter__(self) -> Iterator[Bucket]:  # type: ignore[override]
        """Every bucket, in index order (materialising all: avoid on huge arrays)."""
        for i in range(self.n):
            yield self[i]

    def peek(self, i: int) -> Bucket:
        """Bucket ``i`` without materialising it (the shared :data:`EMPTY_BUCKET`
        when untouched): for readers only."""
        return dict.get(self, i, EMPTY_BUCKET)

    def touched(self, limit: int | None = None) -> list[int]:
        """The indices of the materialised buckets (below ``limit``), in order."""
        idx = sorted(dict.keys(self))
        return idx if limit is None else [i for i in idx if i < limit]


EMPTY_BUCKET = Bucket()
"""The untouched bucket of a :class:`SparseBucketArray`, as readers see it (never
written: writers materialise their own)."""


def touched_indices(arr: BucketArray | SparseBucketArray, limit: int) -> Sequence[int]:
    """The bucket indices below ``limit`` that may hold anything."""
    if isinstance(arr, SparseBucketArray):
        return arr.touched(limit)
    return range(limit)


class HMap:
    """``hmap``: the header of a classic Go map, and the map operations on it."""

    impl = "classic"

    def __init__(
        self,
        hint: int = 0,
        *,
        hasher: Hasher | None = None,
        rand: Rand | None = None,
        observer: Observer | None = None,
        layout: BucketLayout | None = None,
    ) -> None:
        if hint < 0:
            raise ValueError(f"makemap: size out of range (hint {hint} < 0)")
        self.rand: Rand = rand if rand is not None else default_rand()
        self.hasher: Hasher = hasher if hasher is not None else DefaultHasher(self.rand)
        self.observer: Observer | None = observer
        self.layout: BucketLayout = layout if layout is not None else DEFAULT_LAYOUT

        self.count = 0  # live cells == size of map
        self.flags = 0  # iterator | oldIterator | sameSizeGrow (hashWriting lives in _writing)
        self.B = 0  # log_2 of # of buckets (can hold up to loadFactor * 2^B items)
        self.noverflow = 0  # approximate number of overflow buckets; see incrnoverflow
        self.hash0 = 0  # hash seed
        # array of 2^B buckets; None until the first insert when B == 0
        self.buckets: BucketArray | SparseBucketArray | None = None
        # previous bucket array of half the size, non-None only when growing
        self.oldbuckets: BucketArray | SparseBucketArray | None = None
        # progress counter for evacuation (buckets less than this have been evacuated)
        self.nevacuate = 0
        # mapextra.nextOverflow: index of the next free pre-allocated overflow bucket
        # in self.buckets, or None when there is none left.
        self.next_overflow: int | None = None
        # The hashWriting flag. A lock taken without blocking makes Go's
        # test-then-set atomic, so a second writer is caught before it changes anything.
        self._writing = threading.Lock()

        # makemap: a hint too large to allocate is treated as 0.
        if hint * self.layout.bucket_size > MAX_ALLOC:
            hint = 0
        self.hash0 = self.rand() & M32
        B = 0
        while overLoadFactor(hint, B):
            B += 1
        self.B = B
        if B != 0:
            self.buckets, self.next_overflow = self.makeBucketArray(B)
        self._emit("makemap", hint=hint, B=B, hash0=self.hash0)

    # --- events ---------------------------------------------------------------------------
    def _emit(self, event: str, **details: Any) -> None:
        if self.observer is not None:
            self.observer(event, details)

    # --- allocation -------------------------------------------------------------------
    def makeBucketArray(self, b: int) -> tuple[BucketArray | SparseBucketArray, int | None]:
        """A new array of 1<<b buckets plus, for b >= 4, pre-allocated overflow buckets.

        Returns the array and the index of the first pre-allocated overflow bucket
        (``nextOverflow``), or None when there are none.
        """
        base = bucketShift(b)
        nbuckets = base
        if b >= 4:
            # Add on the estimated number of overflow buckets required to insert the
            # median number of elements used with this value of b, then use the rest
            # of the allocator's size class too.
            nbuckets += bucketShift(b - 4)
            size = self.layout.bucket_size
            sz = size * nbuckets
            up = roundupsize(sz, not self.layout.pointers)
            if up != sz:
                nbuckets = up // size
        arr: BucketArray | SparseBucketArray
        if nbuckets >= SPARSE_MIN_BUCKETS:
            arr = SparseBucketArray(nbuckets)  # zeroed memory: buckets made on first touch
        else:
            arr = BucketArray(Bucket() for _ in range(nbuckets))
        return arr, (base if nbuckets != base else None)

    def incrnoverflow(self) -> None:
        """Count one more overflow bucket; exactly below B 16, with probability
        1/(1<<(B-15)) from B 16 on (so that it can count to about 1<<B in a uint16)."""
        if self.B < 16:
            self.noverflow += 1
            return
        mask = (1 << (self.B - 15)) - 1
        if self.rand() & M32 & mask == 0:
            self.noverflow = (self.noverflow + 1) & 0xFFFF

    def newoverflow(self, b: Bucket) -> Bucket:
        """Chain a fresh overflow bucket onto ``b``: a pre-allocated one while any are left."""
        buckets = self.buckets
        assert buckets is not None
        nxt = self.next_overflow
        prealloc = nxt is not None
        if nxt is not None:
            # We have pre-allocated overflow buckets available: take the next one.
            ovf = buckets[nxt]
            self.next_overflow = nxt + 1 if nxt + 1 < len(buckets) else None
        else:
            ovf = OverflowBucket()
        self.incrnoverflow()
        b.overflow = ovf
        self._emit("newoverflow", prealloc=prealloc, noverflow=self.noverflow)
        return ovf

    # --- small predicates -------------------------------------------------------------
    def growing(self) -> bool:
        """Whether the map is growing (to the same size or bigger)."""
        return self.oldbuckets is not None

    def isSameSizeGrow(self) -> bool:
        """Whether the current growth is to a map of the same size."""
        return self.flags & sameSizeGrow != 0

    def noldbuckets(self) -> int:
        """The number of buckets before the current growth."""
        oldB = self.B
        if not self.isSameSizeGrow():
            oldB -= 1
        return bucketShift(oldB)

    def oldbucketmask(self) -> int:
        return self.noldbuckets() - 1

    def __len__(self) -> int:
        return self.count

    @property
    def writing(self) -> bool:
        """Whether a write is under way (Go's ``hashWriting`` flag)."""
        return self._writing.locked()

    # --- lookup -------------------------------------------------------------------------
    def _bucket_for_read(self, hash: int) -> Bucket:
        """The bucket a read of ``hash`` starts at: the old one while not yet evacuated."""
        m = bucketMask(self.B)
        buckets = self.buckets
        assert buckets is not None
        b = buckets[hash & m]
        c = self.oldbuckets
        if c is not None:
            if not self.isSameSizeGrow():
                m >>= 1  # there used to be half as many buckets
            oldb = c[hash & m]
            if not evacuated(oldb):
                b = oldb
        return b

    def _find(self, b: Bucket | None, top: int, key: Any) -> tuple[Bucket, int] | None:
        """The (bucket, cell) in ``b``'s chain holding ``key``, or None."""
        while b is not None:
            th = b.tophash
            if top in th:
                i = th.index(top)
                keys = b.keys
                while True:
                    if keys[i] == key:
                        return b, i
                    try:
                        i = th.index(top, i + 1)
                    except ValueError:
                        break
            if emptyRest in th:
                return None  # nothing lives past an emptyRest cell
            b = b.overflow
        return None

    def lookup(self, key: Any) -> tuple[bool, Any]:
        """``v, ok := m[key]`` (mapaccess2)."""
        if self.count == 0:
            check_hashable(key)  # mapKeyError: an unhashable key still panics
            return False, None
        if self._writing.locked():
            raise ConcurrentMapReadWriteError()
        hash = self.hasher(key, self.hash0)
        # The hot path of _bucket_for_read, _find and tophash, inlined.
        B = self.B
        b: Bucket | None = self.buckets[hash & ((1 << B) - 1)]  # type: ignore[index]
        c = self.oldbuckets
        if c is not None:
            m = (1 << B) - 1 if self.flags & sameSizeGrow else (1 << (B - 1)) - 1
            oldb = c[hash & m]
            if not emptyOne < oldb.tophash[0] < minTopHash:  # not evacuated(oldb)
                b = oldb
        top = hash >> 56
        if top < minTopHash:
            top += minTopHash
        while b is not None:
            th = b.tophash
            if top in th:
                i = th.index(top)
                keys = b.keys
                while True:
                    if keys[i] == key:
                        return True, b.elems[i]
                    try:
                        i = th.index(top, i + 1)
                    except ValueError:
                        break
            if emptyRest in th:
                break  # nothing lives past an emptyRest cell
            b = b.overflow
        return False, None

    def lookup_key(self, key: Any) -> tuple[bool, Any, Any]:
        """``mapaccessK``: the stored key (which may differ, e.g. -0.0 for 0.0) and elem."""
        if self.count == 0:
            return False, None, None
        hash = self.hasher(key, self.hash0)
        found = self._find(self._bucket_for_read(hash), tophash(hash), key)
        if found is None:
            return False, None, None
        b, i = found
        return True, b.keys[i], b.elems[i]

    # --- assignment ---------------------------------------------------------------------
    def assign(self, key: Any, elem: Any) -> None:
        """``m[key] = elem`` (mapassign, then the compiler's store of the elem)."""
        writing = self._writing
        if writing.locked():
            raise ConcurrentMapWriteError()
        hash = self.hasher(key, self.hash0)
        # Set hashWriting after calling the hasher, since it may raise, in which case
        # we have not actually done a write.
        if not writing.acquire(False):
            raise ConcurrentMapWriteError()
        try:
            self._assign(hash, key, elem)
        finally:
            writing.release()

    def _assign(self, hash: int, key: Any, elem: Any) -> None:
        if self.buckets is None:
            self.buckets = BucketArray([Bucket()])  # newobject(t.Bucket)
        top = hash >> 56
        if top < minTopHash:
            top += minTopHash
        insertb: Bucket | None = None
        inserti = 0
        while True:  # again:
            bucket = hash & ((1 << self.B) - 1)
            if self.oldbuckets is not None:
                self.growWork(bucket)
            b: Bucket = self.buckets[bucket]
            insertb = None
            inserti = 0
            while True:  # bucketloop
                th = b.tophash
                if top in th:
                    keys = b.keys
                    i = th.index(top)
                    while True:
                        if keys[i] == key:
                            # Already have a mapping for key: update it (Go updates the
                            # stored key too when the key type needs it, e.g. +0.0/-0.0).
                            keys[i] = key
                            b.elems[i] = elem
                            return
                        try:
                            i = th.index(top, i + 1)
                        except ValueError:
                            break
                if insertb is None:
                    if emptyOne in th:
                        i1 = th.index(emptyOne)
                        insertb = b
                        inserti = th.index(emptyRest, 0, i1) if emptyRest in th[:i1] else i1
                    elif emptyRest in th:
                        insertb = b
                        inserti = th.index(emptyRest)
                if emptyRest in th:
                    break
                ovf = b.overflow
                if ovf is None:
                    break
                b = ovf

            # Did not find mapping for key. Allocate new cell & add entry. If we hit the
            # max load factor or we have too many overflow buckets, and we're not
            # already in the middle of growing, start growing.
            if self.oldbuckets is None and (
                overLoadFactor(self.count + 1, self.B)
                or tooManyOverflowBuckets(self.noverflow, self.B)
            ):
                self.hashGrow()
                continue  # growing the table invalidates everything, so try again
            break

        if insertb is None:
            # The current bucket and all the overflow buckets connected to it are full.
            insertb = self.newoverflow(b)
            inserti = 0
        insertb.keys[inserti] = key
        insertb.elems[inserti] = elem
        insertb.tophash[inserti] = top
        self.count += 1

    # --- deletion -----------------------------------------------------------------------
    def delete(self, key: Any) -> None:
        """``delete(m, key)`` (mapdelete): a no-op when the key is absent."""
        if self.count == 0:
            check_hashable(key)  # mapKeyError: an unhashable key still panics
            return
        writing = self._writing
        if writing.locked():
            raise ConcurrentMapWriteError()
        hash = self.hasher(key, self.hash0)
        if not writing.acquire(False):
            raise ConcurrentMapWriteError()
        try:
            self._delete(hash, key)
        finally:
            writing.release()

    def _delete(self, hash: int, key: Any) -> bool:
        bucket = hash & bucketMask(self.B)
        if self.oldbuckets is not None:
            self.growWork(bucket)
        buckets = self.buckets
        assert buckets is not None
        bOrig = buckets[bucket]
        found = self._find(bOrig, tophash(hash), key)
        if found is None:
            return False
        b, i = found
        b.keys[i] = None
        b.elems[i] = None
        th = b.tophash
        th[i] = emptyOne
        self._emit("emptyOne", bucket=bucket, cell=i)
        # If the bucket now ends in a bunch of emptyOne states, change those to emptyRest.
        if i == bucketCnt - 1:
            ovf = b.overflow
            notLast = ovf is not None and ovf.tophash[0] != emptyRest
        else:
            notLast = th[i + 1] != emptyRest
        if not notLast:
            run = 0
            while True:
                th[i] = emptyRest
                run += 1
                if i == 0:
                    if b is bOrig:
                        break  # beginning of initial bucket, we're done
                    # Find previous bucket, continue at its last entry.
                    c = b
                    b = bOrig
                    while b.overflow is not c:
                        b = b.overflow  # type: ignore[assignment]  # c is in the chain
                    th = b.tophash
                    i = bucketCnt - 1
                else:
                    i -= 1
                if th[i] != emptyOne:
                    break
            self._emit("emptyRest", bucket=bucket, run=run)
        self.count -= 1
        if self.count == 0:
            # Reset the hash seed to make it more difficult for attackers to
            # repeatedly trigger hash collisions. See issue 25237.
            self.hash0 = self.rand() & M32
            self._emit("hash0", hash0=self.hash0, why="empty")
        return True

    # --- clear --------------------------------------------------------------------------
    def clear(self) -> None:
        """``clear(m)`` (mapclear): empties the map, keeps its buckets, re-seeds it."""
        if self.count == 0:
            return
        writing = self._writing
        if not writing.acquire(False):
            raise ConcurrentMapWriteError()
        try:
            self._clear()
        finally:
            writing.release()

    def _clear(self) -> None:
        # Mark buckets empty, so existing iterators can be terminated (issue #59411).
        def markBucketsEmpty(arr: BucketArray | SparseBucketArray, nmain: int) -> None:
            for i in touched_indices(arr, nmain):
                b: Bucket | None = arr[i]
                while b is not None:
                    b.tophash[:] = [emptyRest] * bucketCnt
                    b = b.overflow

        assert self.buckets is not None
        markBucketsEmpty(self.buckets, bucketShift(self.B))
        if self.oldbuckets is not None:
            markBucketsEmpty(self.oldbuckets, self.noldbuckets())
        self.flags &= ~sameSizeGrow
        self.oldbuckets = None
        self.nevacuate = 0
        self.noverflow = 0
        self.count = 0
        # Reset the hash seed (issue 25237).
        self.hash0 = self.rand() & M32
        # makeBucketArray(t, h.B, h.buckets) clears the array in place and recovers
        # the pre-allocated overflow buckets as if the array were new.
        arr = self.buckets
        if isinstance(arr, SparseBucketArray):
            for i in arr.touched():
                arr[i].reset()
        else:
            for b in arr:
                b.reset()
        base = bucketShift(self.B)
        self.next_overflow = base if len(self.buckets) != base else None
        self._emit("clear", B=self.B, hash0=self.hash0)

    # --- growth -------------------------------------------------------------------------
    def hashGrow(self) -> None:
        """Start a growth: twice the buckets if over the load factor, else the same
        number (too many overflow buckets). The copying is done by growWork."""
        bigger = 1
        if not overLoadFactor(self.count + 1, self.B):
            bigger = 0
            self.flags |= sameSizeGrow
        oldbuckets = self.buckets
        newbuckets, nextOverflow = self.makeBucketArray(self.B + bigger)
        flags = self.flags & ~(iterator | oldIterator)
        if self.flags & iterator:
            flags |= oldIterator
        self.B += bigger
        self.flags = flags
        self.oldbuckets = oldbuckets
        self.buckets = newbuckets
        self.nevacuate = 0
        self.noverflow = 0
        self.next_overflow = nextOverflow
        self._emit("hashGrow", B=self.B, sameSize=not bigger, count=self.count)

    def growWork(self, bucket: int) -> None:
        """Evacuate the old bucket ``bucket`` maps to, then one more at nevacuate."""
        self._emit("growWork", bucket=bucket, nevacuate=self.nevacuate)
        self.evacuate(bucket & self.oldbucketmask())
        if self.oldbuckets is not None:
            self.evacuate(self.nevacuate)

    def evacuate(self, oldbucket: int) -> None:
        """Move an old bucket's chain to its destinations x (same index) and y
        (index + newbit), marking its cells evacuatedX / evacuatedY / evacuatedEmpty."""
        oldbuckets = self.oldbuckets
        buckets = self.buckets
        assert oldbuckets is not None and buckets is not None
        b0 = oldbuckets[oldbucket]
        newbit = self.noldbuckets()
        if not evacuated(b0):
            same = self.isSameSizeGrow()
            hasher, hash0 = self.hasher, self.hash0
            it_flag = self.flags & iterator
            # First decide every cell (this runs user hash/eq code), then move: an
            # exception from user code leaves the map untouched.
            plan: list[tuple[Bucket, int, int, int]] = []  # (bucket, cell, useY, top)
            b: Bucket | None = b0
            while b is not None:
                keys = b.keys
                for i, top in enumerate(b.tophash):
                    if top <= emptyOne:
                        continue
                    if top < minTopHash:
                        raise AssertionError("bad map state")
                    useY = 0
                    if not same:
                        k2 = keys[i]
                        hash = hasher(k2, hash0)
                        if it_flag and k2 != k2:
                            # NaN: the hash is not reproducible, but an iterator needs a
                            # repeatable choice: the low bit of tophash decides, and the
                            # key gets a new random tophash for the next level.
                            useY = top & 1
                            top = tophash(hash)
                        elif hash & newbit:
                            useY = 1
                    plan.append((b, i, useY, top))
                b = b.overflow
            # Now move, in Go's order (so overflow buckets are taken in Go's order).
            b = b0
            while b is not None:
                th = b.tophash
                for i in range(bucketCnt):
                    if th[i] <= emptyOne:
                        th[i] = evacuatedEmpty
                b = b.overflow
            xb = buckets[oldbucket]  # the x and y (low and high) destinations
            yb = xb if same else buckets[oldbucket + newbit]
            xi = yi = 0
            for src, i, useY, top in plan:
                src.tophash[i] = evacuatedX + useY
                if useY:
                    if yi == bucketCnt:
                        yb = self.newoverflow(yb)
                        yi = 0
                    yb.tophash[yi] = top
                    yb.keys[yi] = src.keys[i]
                    yb.elems[yi] = src.elems[i]
                    yi += 1
                else:
                    if xi == bucketCnt:
                        xb = self.newoverflow(xb)
                        xi = 0
                    xb.tophash[xi] = top
                    xb.keys[xi] = src.keys[i]
                    xb.elems[xi] = src.elems[i]
                    xi += 1
            # Unlink the overflow buckets & clear key/elem to help GC (only when no
            # iterator may still read the old buckets, and only if the bucket type
            # holds pointers). The tophash keeps the evacuation state.
            cleared = not (self.flags & oldIterator) and self.layout.pointers
            if self.observer is not None:
                ny = sum(p[2] for p in plan)
                self._emit("evacuate", oldbucket=oldbucket, x=len(plan) - ny, y=ny,
                           **self._evacuated_memory(b0, cleared))
            if cleared:
                b0.keys[:] = [None] * bucketCnt
                b0.elems[:] = [None] * bucketCnt
                b0.overflow = None
        if oldbucket == self.nevacuate:
            self.advanceEvacuationMark(newbit)

    def _evacuated_memory(self, b0: Bucket, cleared: bool) -> dict[str, Any]:
        """What an evacuation does to the heap, for the memory accounting.

        ``unlinked``: how many individually allocated overflow buckets clearing
        ``b0`` makes unreachable. Only ``b0`` is cleared: its chain stays reachable
        from the first pre-allocated overflow bucket on (that one lives inside the
        old array until the growth ends). ``retained``: for indirect keys/elems, the
        keys whose key/elem objects old cells still point to until the growth ends
        (every moved cell if ``b0`` is not cleared, else those from the first
        pre-allocated bucket on)."""
        unlinked = 0
        reachable = not cleared
        retained: list[Any] = []
        want_keys = self.layout.indirect_key or self.layout.indirect_elem
        b: Bucket | None = b0
        first = True
        while b is not None:
            if not first and type(b) is not OverflowBucket:
                reachable = True
            if not reachable and not first:
                unlinked += 1
            if reachable and want_keys:
                th = b.tophash
                retained.extend(
                    b.keys[i] for i in range(bucketCnt) if evacuatedX <= th[i] <= evacuatedY
                )
            first = False
            b = b.overflow
        return {"cleared": cleared, "unlinked": unlinked, "retained": retained}

    def advanceEvacuationMark(self, newbit: int) -> None:
        """Move ``nevacuate`` past evacuated buckets (at most 1024); end the growth
        when every old bucket is evacuated."""
        oldbuckets = self.oldbuckets
        assert oldbuckets is not None
        self.nevacuate += 1
        stop = min(self.nevacuate + 1024, newbit)
        while self.nevacuate != stop and evacuated(oldbuckets[self.nevacuate]):
            self.nevacuate += 1
        if self.nevacuate == newbit:
            # Growing is all done. Free old main bucket array.
            self.oldbuckets = None
            self.flags &= ~sameSizeGrow
            self._emit("growDone", B=self.B)

    # --- iteration ----------------------------------------------------------------------
    def iterator(self) -> HIter:
        """``for k, v := range m``: mapiterinit (the first step happens at next())."""
        from gomap.classic.iter import HIter

        return HIter(self)

    # --- debug --------------------------------------------------------------------------
    def snapshot(self) -> dict[str, Any]:
        """The whole state as a JSON-serialisable dict (see ``debug.snapshot``)."""
        from gomap.classic.debug import snapshot

        return snapshot(self)

    def check_invariants(self) -> None:
        """Raise InvariantError("invariant failed: ...") if the state is inconsistent."""
        from gomap.classic.debug import check_invariants

        check_invariants(self)
