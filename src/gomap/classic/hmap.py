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

Go releases
-----------
``go=`` (a :class:`gomap.versions.GoBehaviour` or a version string, default 1.23.9)
picks the release, 1.21 through 1.25 (1.24 and 1.25 build this map under
``GOEXPERIMENT=noswissmap``, from ``runtime/map_noswiss.go``). Three switches change
the state: ``load_factor_num`` (Go 1.21 grows at load 6, not 6.5),
``hmap_clear_seq`` (1.24+: ``mapclear`` bumps ``hmap.clearSeq`` instead of
marking the buckets ``emptyRest``, and an iterator started before the clear looks
every key up again) and ``malloc_header`` (1.22+: ``roundupsize`` leaves room for
the malloc header, so pointerful bucket arrays pre-allocate fewer overflow buckets
than on 1.21). See docs/VERSIONS.md.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from gomap.errors import ConcurrentMapReadWriteError, ConcurrentMapWriteError
from gomap.events import EventSource, Observer
from gomap.hashing import M32, DefaultHasher, Hasher, Rand, check_hashable, default_rand
from gomap.layout.maptype import DEFAULT_LAYOUT, BucketLayout
from gomap.layout.sizeclasses import roundupsize
from gomap.versions import GoBehaviour, go_behaviour, pinned_release

if TYPE_CHECKING:
    from gomap._engine import MapStats
    from gomap.classic.iter import HIter

GO_VERSION = pinned_release("classic")
"""The Go release whose ``runtime/map.go`` this engine mirrors."""

# --- constants (runtime/map.go, internal/abi/map_noswiss.go) -------------------------
BUCKET_CNT_BITS = 3
BUCKET_CNT = 1 << BUCKET_CNT_BITS  # abi.MapBucketCount: max number of key/elem pairs in a bucket
LOAD_FACTOR_DEN = 2
LOAD_FACTOR_NUM = LOAD_FACTOR_DEN * BUCKET_CNT * 13 // 16  # 13: load factor 6.5 = 13/2
MAX_KEY_SIZE = 128  # keys bigger than this are stored indirectly (by pointer)
MAX_ELEM_SIZE = 128  # elems bigger than this are stored indirectly (by pointer)

# Possible tophash values. A few are reserved for special marks.
# emptyRest: this cell is empty, and there are no more non-empty cells at higher
# indexes or overflows.
EMPTY_REST = 0
EMPTY_ONE = 1  # this cell is empty
EVACUATED_X = 2  # key/elem is valid; entry has been evacuated to first half of larger table
EVACUATED_Y = 3  # same as above, but evacuated to second half of larger table
EVACUATED_EMPTY = 4  # cell is empty, bucket is evacuated
MIN_TOP_HASH = 5  # minimum tophash for a normal filled cell

# flags
ITERATOR = 1  # there may be an iterator using buckets
OLD_ITERATOR = 2  # there may be an iterator using oldbuckets
HASH_WRITING = 4  # a goroutine is writing to the map
SAME_SIZE_GROW = 8  # the current map growth is to a new map of the same size

PTR_SIZE = 8  # goarch.PtrSize (amd64)
MAX_ALLOC = 1 << 48  # runtime.maxAlloc on linux/amd64


def bucket_shift(b: int) -> int:
    """1 << b: the number of buckets for a given B."""
    return 1 << b


def bucket_mask(b: int) -> int:
    """1<<b - 1."""
    return (1 << b) - 1


def tophash(hash: int) -> int:
    """The top byte of a hash, moved above the reserved marks."""
    top = hash >> 56
    if top < MIN_TOP_HASH:
        top += MIN_TOP_HASH
    return top


def over_load_factor(count: int, B: int, num: int = LOAD_FACTOR_NUM) -> bool:
    """Whether ``count`` items in 1<<B buckets is over the load factor
    (``num / LOAD_FACTOR_DEN``: 13/2 from Go 1.22, 12/2 in Go 1.21, whose constant
    expression ``(bucketCnt * 13 / 16) * loadFactorDen`` truncates 6.5 to 6)."""
    return count > BUCKET_CNT and count > num * (bucket_shift(B) // LOAD_FACTOR_DEN)


def too_many_overflow_buckets(noverflow: int, B: int) -> bool:
    """Whether there are about as many overflow buckets as buckets (B capped at 15)."""
    if B > 15:
        B = 15
    return noverflow >= (1 << B)


class Bucket:
    """``bmap``: 8 cells and the link to the next bucket of the chain."""

    __slots__ = ("elems", "keys", "overflow", "tophash")

    def __init__(self) -> None:
        self.tophash: list[int] = [EMPTY_REST] * BUCKET_CNT
        self.keys: list[Any] = [None] * BUCKET_CNT
        self.elems: list[Any] = [None] * BUCKET_CNT
        self.overflow: Bucket | None = None

    def reset(self) -> None:
        """Zero the whole bucket in place (memclr): iterators holding it see it empty."""
        self.tophash[:] = [EMPTY_REST] * BUCKET_CNT
        self.keys[:] = [None] * BUCKET_CNT
        self.elems[:] = [None] * BUCKET_CNT
        self.overflow = None


def evacuated(b: Bucket) -> bool:
    """Whether an old bucket has been evacuated (its first tophash is a mark 2..4)."""
    h = b.tophash[0]
    return EMPTY_ONE < h < MIN_TOP_HASH




class BucketArray(list[Bucket]):
    """A bucket array: ``2^B`` main buckets followed by the overflow buckets that
    ``makeBucketArray`` pre-allocated in the same allocation (``B >= 4``).

    Index ``i < 2^B`` is main bucket ``i``; the rest are handed out in order by
    ``newoverflow`` (``nextOverflow``) and reused after ``clear``, as in Go.

    :class:`SparseBucketArray` has the same interface, so that the engine never asks
    which one it holds: ``arr[i]`` (bucket ``i``, made if need be), :meth:`peek`
    (for readers: never makes one), :meth:`touched` (the indices that may hold
    anything) and :meth:`is_untouched`.
    """

    peek = list.__getitem__
    """Bucket ``i`` (as ``arr[i]``: a dense array has no untouched bucket)."""

    def touched(self, limit: int | None = None) -> range:
        """The indices (below ``limit``) that may hold anything: all of them."""
        return range(len(self) if limit is None else limit)

    def is_untouched(self, i: int) -> bool:
        """Whether bucket ``i`` was never touched (so is empty): never."""
        return False


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

    def is_untouched(self, i: int) -> bool:
        """Whether bucket ``i`` was never touched (so is empty and not made)."""
        return not dict.__contains__(self, i)


EMPTY_BUCKET = Bucket()
"""The untouched bucket of a :class:`SparseBucketArray`, as readers see it (never
written: writers materialise their own)."""


def touched_indices(arr: Any, limit: int) -> Sequence[int]:
    """The bucket indices below ``limit`` that may hold anything: ``arr.touched``,
    or all of them for a plain sequence (a native engine's copied view)."""
    touched = getattr(arr, "touched", None)
    return range(limit) if touched is None else touched(limit)


class HMap(EventSource):
    """``hmap``: the header of a classic Go map, and the map operations on it.

    ``observer`` is subscribed to the map's events (see :mod:`gomap.events`);
    ``subscribe`` adds more."""

    impl = "classic"

    def __init__(
        self,
        hint: int = 0,
        *,
        hasher: Hasher | None = None,
        rand: Rand | None = None,
        observer: Observer | None = None,
        subscribers: Iterable[Observer] = (),
        layout: BucketLayout | None = None,
        go: str | GoBehaviour | None = None,
    ) -> None:
        self.go: GoBehaviour = go_behaviour(go, "classic")
        if hint < 0:
            raise ValueError(f"makemap: size out of range (hint {hint} < 0)")
        self.rand: Rand = rand if rand is not None else default_rand()
        self.hasher: Hasher = hasher if hasher is not None else DefaultHasher(self.rand)
        self.subscribers: list[Observer] = list(subscribers)
        if observer is not None:
            self.subscribers.append(observer)
        self.layout: BucketLayout = layout if layout is not None else DEFAULT_LAYOUT

        self.count = 0  # live cells == size of map
        self.flags = 0  # iterator | oldIterator | sameSizeGrow (hashWriting lives in _writing)
        self.B = 0  # log_2 of # of buckets (can hold up to loadFactor * 2^B items)
        self.noverflow = 0  # approximate number of overflow buckets; see incrnoverflow
        # Not in Go: the exact number of overflow buckets chained into ``buckets``
        # (noverflow is approximate from B 16 on), kept for stats().
        self.overflow_used = 0
        self.hash0 = 0  # hash seed
        # array of 2^B buckets; None until the first insert when B == 0
        self.buckets: BucketArray | SparseBucketArray | None = None
        # previous bucket array of half the size, non-None only when growing
        self.oldbuckets: BucketArray | SparseBucketArray | None = None
        # progress counter for evacuation (buckets less than this have been evacuated)
        self.nevacuate = 0
        # clearSeq (Go 1.24+): the number of clears; iterators compare it.
        self.clear_seq = 0
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
        while over_load_factor(hint, B, self.go.load_factor_num):
            B += 1
        self.B = B
        if B != 0:
            self.buckets, self.next_overflow = self.make_bucket_array(B)
        if self.subscribers:
            self._emit("seed", {"seed": self.hash0, "reason": "new"})
            self._emit("makemap", {"hint": hint, "B": B})

    # --- allocation -------------------------------------------------------------------
    def make_bucket_array(self, b: int) -> tuple[BucketArray | SparseBucketArray, int | None]:
        """A new array of 1<<b buckets plus, for b >= 4, pre-allocated overflow buckets.

        Returns the array and the index of the first pre-allocated overflow bucket
        (``nextOverflow``), or None when there are none.
        """
        base = bucket_shift(b)
        nbuckets = base
        if b >= 4:
            # Add on the estimated number of overflow buckets required to insert the
            # median number of elements used with this value of b, then use the rest
            # of the allocator's size class too.
            nbuckets += bucket_shift(b - 4)
            size = self.layout.bucket_size
            sz = size * nbuckets
            up = roundupsize(sz, not self.layout.pointers, self.go.malloc_header)
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
            ovf = Bucket()  # newobject(t.Bucket)
        self.incrnoverflow()
        self.overflow_used += 1
        b.overflow = ovf
        if self.subscribers:
            self._emit("newoverflow", {"prealloc": prealloc, "noverflow": self.noverflow})
        return ovf

    # --- small predicates -------------------------------------------------------------
    def growing(self) -> bool:
        """Whether the map is growing (to the same size or bigger)."""
        return self.oldbuckets is not None

    def is_same_size_grow(self) -> bool:
        """Whether the current growth is to a map of the same size."""
        return self.flags & SAME_SIZE_GROW != 0

    def noldbuckets(self) -> int:
        """The number of buckets before the current growth."""
        old_B = self.B
        if not self.is_same_size_grow():
            old_B -= 1
        return bucket_shift(old_B)

    def oldbucketmask(self) -> int:
        return self.noldbuckets() - 1

    def __len__(self) -> int:
        return self.count

    @property
    def seed(self) -> int:
        """The hash seed (``hash0``), under the name every engine shares."""
        return self.hash0

    @property
    def writing(self) -> bool:
        """Whether a write is under way (Go's ``hashWriting`` flag)."""
        return self._writing.locked()

    # --- lookup -------------------------------------------------------------------------
    def _bucket_for_read(self, hash: int) -> Bucket:
        """The bucket a read of ``hash`` starts at: the old one while not yet evacuated."""
        m = bucket_mask(self.B)
        buckets = self.buckets
        assert buckets is not None
        b = buckets[hash & m]
        c = self.oldbuckets
        if c is not None:
            if not self.is_same_size_grow():
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
            if EMPTY_REST in th:
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
        # inlined: HMap._bucket_for_read, HMap._find, tophash (the reference path:
        # ReferenceHMap.lookup)
        B = self.B
        b: Bucket | None = self.buckets[hash & ((1 << B) - 1)]  # type: ignore[index]
        c = self.oldbuckets
        if c is not None:
            m = (1 << B) - 1 if self.flags & SAME_SIZE_GROW else (1 << (B - 1)) - 1
            oldb = c[hash & m]
            if not EMPTY_ONE < oldb.tophash[0] < MIN_TOP_HASH:  # not evacuated(oldb)
                b = oldb
        top = hash >> 56
        if top < MIN_TOP_HASH:
            top += MIN_TOP_HASH
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
            if EMPTY_REST in th:
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
            if self.subscribers:
                self._emit("firstBucket", {})
        top = hash >> 56
        if top < MIN_TOP_HASH:
            top += MIN_TOP_HASH
        insertb: Bucket | None = None
        inserti = 0
        while True:  # again:
            bucket = hash & ((1 << self.B) - 1)
            if self.oldbuckets is not None:
                self.grow_work(bucket)
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
                    if EMPTY_ONE in th:
                        i1 = th.index(EMPTY_ONE)
                        insertb = b
                        inserti = th.index(EMPTY_REST, 0, i1) if EMPTY_REST in th[:i1] else i1
                    elif EMPTY_REST in th:
                        insertb = b
                        inserti = th.index(EMPTY_REST)
                if EMPTY_REST in th:
                    break
                ovf = b.overflow
                if ovf is None:
                    break
                b = ovf

            # Did not find mapping for key. Allocate new cell & add entry. If we hit the
            # max load factor or we have too many overflow buckets, and we're not
            # already in the middle of growing, start growing.
            if self.oldbuckets is None and (
                over_load_factor(self.count + 1, self.B, self.go.load_factor_num)
                or too_many_overflow_buckets(self.noverflow, self.B)
            ):
                self.hash_grow()
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
        bucket = hash & bucket_mask(self.B)
        if self.oldbuckets is not None:
            self.grow_work(bucket)
        buckets = self.buckets
        assert buckets is not None
        b_orig = buckets[bucket]
        found = self._find(b_orig, tophash(hash), key)
        if found is None:
            return False
        b, i = found
        b.keys[i] = None
        b.elems[i] = None
        th = b.tophash
        th[i] = EMPTY_ONE
        if self.subscribers:
            self._emit("emptyOne", {"bucket": bucket, "cell": i})
        # If the bucket now ends in a bunch of emptyOne states, change those to emptyRest.
        if i == BUCKET_CNT - 1:
            ovf = b.overflow
            not_last = ovf is not None and ovf.tophash[0] != EMPTY_REST
        else:
            not_last = th[i + 1] != EMPTY_REST
        if not not_last:
            run = 0
            while True:
                th[i] = EMPTY_REST
                run += 1
                if i == 0:
                    if b is b_orig:
                        break  # beginning of initial bucket, we're done
                    # Find previous bucket, continue at its last entry.
                    c = b
                    b = b_orig
                    while b.overflow is not c:
                        b = b.overflow  # type: ignore[assignment]  # c is in the chain
                    th = b.tophash
                    i = BUCKET_CNT - 1
                else:
                    i -= 1
                if th[i] != EMPTY_ONE:
                    break
            if self.subscribers:
                self._emit("emptyRest", {"bucket": bucket, "run": run})
        self.count -= 1
        if self.count == 0:
            # Reset the hash seed to make it more difficult for attackers to
            # repeatedly trigger hash collisions. See issue 25237.
            self.hash0 = self.rand() & M32
            if self.subscribers:
                self._emit("seed", {"seed": self.hash0, "reason": "delete"})
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
        def mark_buckets_empty(arr: BucketArray | SparseBucketArray, nmain: int) -> None:
            for i in arr.touched(nmain):
                b: Bucket | None = arr[i]
                while b is not None:
                    b.tophash[:] = [EMPTY_REST] * BUCKET_CNT
                    b = b.overflow

        assert self.buckets is not None
        if not self.go.hmap_clear_seq:
            mark_buckets_empty(self.buckets, bucket_shift(self.B))
            if self.oldbuckets is not None:
                mark_buckets_empty(self.oldbuckets, self.noldbuckets())
        self.flags &= ~SAME_SIZE_GROW
        self.oldbuckets = None
        self.nevacuate = 0
        self.noverflow = 0
        self.overflow_used = 0
        self.count = 0
        if self.go.hmap_clear_seq:
            # Go 1.24+: iterators started before this clear see the change.
            self.clear_seq += 1
        # Reset the hash seed (issue 25237).
        self.hash0 = self.rand() & M32
        # makeBucketArray(t, h.B, h.buckets) clears the array in place and recovers
        # the pre-allocated overflow buckets as if the array were new.
        arr = self.buckets
        for i in arr.touched():  # an untouched bucket of a sparse array is empty already
            arr[i].reset()
        base = bucket_shift(self.B)
        self.next_overflow = base if len(self.buckets) != base else None
        if self.subscribers:
            self._emit("clear", {"B": self.B})
            self._emit("seed", {"seed": self.hash0, "reason": "clear"})

    # --- growth -------------------------------------------------------------------------
    def hash_grow(self) -> None:
        """Start a growth: twice the buckets if over the load factor, else the same
        number (too many overflow buckets). The copying is done by growWork."""
        bigger = 1
        if not over_load_factor(self.count + 1, self.B, self.go.load_factor_num):
            bigger = 0
            self.flags |= SAME_SIZE_GROW
        oldbuckets = self.buckets
        newbuckets, next_ovf = self.make_bucket_array(self.B + bigger)
        flags = self.flags & ~(ITERATOR | OLD_ITERATOR)
        if self.flags & ITERATOR:
            flags |= OLD_ITERATOR
        self.B += bigger
        self.flags = flags
        self.oldbuckets = oldbuckets
        self.buckets = newbuckets
        self.nevacuate = 0
        self.noverflow = 0
        self.overflow_used = 0
        self.next_overflow = next_ovf
        if self.subscribers:
            self._emit("hashGrow", {"B": self.B, "same_size": not bigger, "count": self.count})

    def grow_work(self, bucket: int) -> None:
        """Evacuate the old bucket ``bucket`` maps to, then one more at nevacuate."""
        if self.subscribers:
            self._emit("growWork", {"bucket": bucket, "nevacuate": self.nevacuate})
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
            same = self.is_same_size_grow()
            hasher, hash0 = self.hasher, self.hash0
            it_flag = self.flags & ITERATOR
            # First decide every cell (this runs user hash/eq code), then move: an
            # exception from user code leaves the map untouched.
            plan: list[tuple[Bucket, int, int, int]] = []  # (bucket, cell, useY, top)
            b: Bucket | None = b0
            while b is not None:
                keys = b.keys
                for i, top in enumerate(b.tophash):
                    if top <= EMPTY_ONE:
                        continue
                    if top < MIN_TOP_HASH:
                        raise AssertionError("bad map state")
                    use_y = 0
                    if not same:
                        k2 = keys[i]
                        hash = hasher(k2, hash0)
                        if it_flag and k2 != k2:
                            # NaN: the hash is not reproducible, but an iterator needs a
                            # repeatable choice: the low bit of tophash decides, and the
                            # key gets a new random tophash for the next level.
                            use_y = top & 1
                            top = tophash(hash)
                        elif hash & newbit:
                            use_y = 1
                    plan.append((b, i, use_y, top))
                b = b.overflow
            # Now move, in Go's order (so overflow buckets are taken in Go's order).
            b = b0
            while b is not None:
                th = b.tophash
                for i in range(BUCKET_CNT):
                    if th[i] <= EMPTY_ONE:
                        th[i] = EVACUATED_EMPTY
                b = b.overflow
            xb = buckets[oldbucket]  # the x and y (low and high) destinations
            yb = xb if same else buckets[oldbucket + newbit]
            xi = yi = 0
            for src, i, use_y, top in plan:
                src.tophash[i] = EVACUATED_X + use_y
                if use_y:
                    if yi == BUCKET_CNT:
                        yb = self.newoverflow(yb)
                        yi = 0
                    yb.tophash[yi] = top
                    yb.keys[yi] = src.keys[i]
                    yb.elems[yi] = src.elems[i]
                    yi += 1
                else:
                    if xi == BUCKET_CNT:
                        xb = self.newoverflow(xb)
                        xi = 0
                    xb.tophash[xi] = top
                    xb.keys[xi] = src.keys[i]
                    xb.elems[xi] = src.elems[i]
                    xi += 1
            # Unlink the overflow buckets & clear key/elem to help GC (only when no
            # iterator may still read the old buckets, and only if the bucket type
            # holds pointers). The tophash keeps the evacuation state.
            cleared = not (self.flags & OLD_ITERATOR) and self.layout.pointers
            if self.subscribers:
                # Emitted before the clearing: a subscriber can still walk the chain.
                ny = sum(p[2] for p in plan)
                self._emit("evacuate", {"oldbucket": oldbucket, "x": len(plan) - ny, "y": ny,
                                        "cleared": cleared})
            if cleared:
                b0.keys[:] = [None] * BUCKET_CNT
                b0.elems[:] = [None] * BUCKET_CNT
                b0.overflow = None
        if oldbucket == self.nevacuate:
            self.advance_evacuation_mark(newbit)

    def advance_evacuation_mark(self, newbit: int) -> None:
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
            self.flags &= ~SAME_SIZE_GROW
            if self.subscribers:
                self._emit("growDone", {"B": self.B})

    # --- clone --------------------------------------------------------------------------
    def clone(self, prepare: Callable[[HMap], None] | None = None) -> HMap:
        """``maps.Clone(m)`` (``mapclone2``): a new map sized for ``len(m)``, with
        ``m``'s hash seed, whose buckets are filled bucket by bucket (``moveToBmap``:
        cells keep their tophash, in the order of ``m``'s chains; no hashing), then
        the not yet evacuated old buckets of a growth (moved alike when the old array
        is at least as big as the clone's, else re-inserted with ``mapassign``).

        ``makemap`` draws a seed that the copied one replaces (one draw). A small
        source (``B == 0``) is copied whole (``typedmemmove`` of its bucket) unless
        keys must be copied (indirect and ``needkeyupdate``) or elems are indirect.
        Indirect keys whose type needs no key update are shared with the source;
        other indirect keys and elems are copied (``newobject``).

        ``prepare(dst)`` runs right after ``makemap``, before anything is copied (the
        accountant attaches there); without it the clone has ``m``'s subscribers. The
        clone emits its own events (``firstBucket``, ``newoverflow``, ...) and ends
        with ``clone`` ``{"count", "key_allocs", "elem_allocs"}``: the entries copied
        and the key/elem objects allocated."""
        hint = self.count
        num = self.go.load_factor_num
        if self.go.clone_clamps_hint and over_load_factor(hint, self.B, num):
            # golang/go#69110: never a bigger bucket array than the source's.
            hint = num * (bucket_shift(self.B) // LOAD_FACTOR_DEN)
        dst = HMap(hint, hasher=self.hasher, rand=self.rand, layout=self.layout, go=self.go,
                   subscribers=() if prepare is not None else self.subscribers)
        dst.hash0 = self.hash0
        if prepare is not None:
            prepare(dst)
        if self.count == 0:
            dst._emit_clone(0, 0, 0)
            return dst
        if self._writing.locked():
            from gomap.errors import MapFatalError

            raise MapFatalError("concurrent map clone and map write")
        lay = self.layout
        copy_keys = lay.indirect_key and lay.need_key_update
        src_buckets = self.buckets
        assert src_buckets is not None
        if self.B == 0 and not copy_keys and not lay.indirect_elem:
            # Quick copy for small maps: the whole bucket, tophash and dead cells too.
            dst._new_first_bucket()
            assert dst.buckets is not None
            b, s0 = dst.buckets[0], src_buckets[0]
            b.tophash[:] = s0.tophash
            b.keys[:] = s0.keys
            b.elems[:] = s0.elems
            dst.count = self.count
            dst._emit_clone(self.count, 0, 0)
            return dst
        if dst.B == 0:
            dst._new_first_bucket()
        buckets = dst.buckets
        assert buckets is not None
        ndst, nsrc = bucket_shift(dst.B), bucket_shift(self.B)
        if ndst > nsrc:
            from gomap.errors import MapFatalError

            raise MapFatalError(
                f"maps.Clone on Go {self.go.minor} reads past the source's bucket array "
                f"(golang/go#69110: {self.count} entries over the load factor of "
                f"{nsrc} buckets, during a same-size growth); fixed in Go 1.23")
        moved = assigned = 0
        for i in range(ndst):
            dstb: Bucket = buckets[i]
            pos = 0
            for j in range(0, nsrc, ndst):
                srcb: Bucket | None = src_buckets[i + j]
                while srcb is not None:
                    dstb, pos, n = dst._move_to_bmap(dstb, pos, srcb)
                    moved += n
                    srcb = srcb.overflow
        old = self.oldbuckets
        if old is not None:
            old_B = self.B if self.is_same_size_grow() else self.B - 1
            for i in range(bucket_shift(old_B)):
                srcb = old[i]
                if evacuated(srcb):
                    continue
                if old_B >= dst.B:
                    dstb = buckets[i & bucket_mask(dst.B)]
                    while dstb.overflow is not None:
                        dstb = dstb.overflow
                    pos = 0
                    while srcb is not None:
                        dstb, pos, n = dst._move_to_bmap(dstb, pos, srcb)
                        moved += n
                        srcb = srcb.overflow
                    continue
                # The old array is smaller than the clone's: one old bucket feeds
                # several new ones, entry by entry (mapassign, which hashes).
                while srcb is not None:
                    for c in range(BUCKET_CNT):
                        if srcb.tophash[c] <= EMPTY_ONE:
                            continue
                        key = srcb.keys[c]
                        dst._assign(dst.hasher(key, dst.hash0), key, srcb.elems[c])
                        assigned += 1
                    srcb = srcb.overflow
        key_allocs = (moved if copy_keys else 0) + assigned if lay.indirect_key else 0
        elem_allocs = moved + assigned if lay.indirect_elem else 0
        dst._emit_clone(moved + assigned, key_allocs, elem_allocs)
        return dst

    def _new_first_bucket(self) -> None:
        self.buckets = BucketArray([Bucket()])  # newobject(t.Bucket)
        if self.subscribers:
            self._emit("firstBucket", {})

    def _emit_clone(self, count: int, key_allocs: int, elem_allocs: int) -> None:
        if self.subscribers:
            self._emit("clone", {"count": count, "key_allocs": key_allocs,
                                 "elem_allocs": elem_allocs})

    def _move_to_bmap(self, dst: Bucket, pos: int, src: Bucket) -> tuple[Bucket, int, int]:
        """``moveToBmap``: append ``src``'s live cells to ``dst``'s chain from cell
        ``pos`` on (chaining overflow buckets as needed); returns the bucket and cell
        to continue at and the number of cells moved."""
        n = 0
        sth = src.tophash
        for i in range(BUCKET_CNT):
            if sth[i] <= EMPTY_ONE:
                continue
            while pos < BUCKET_CNT and dst.tophash[pos] > EMPTY_ONE:
                pos += 1
            if pos == BUCKET_CNT:
                dst = self.newoverflow(dst)
                pos = 0
            dst.tophash[pos] = sth[i]
            dst.keys[pos] = src.keys[i]
            dst.elems[pos] = src.elems[i]
            pos += 1
            self.count += 1
            n += 1
        return dst, pos, n

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

    def stats(self, deep: bool = False) -> MapStats:
        """Capacity and occupancy (see :func:`gomap.classic.debug.stats`)."""
        from gomap.classic.debug import stats

        return stats(self, deep)

    def check_invariants(self) -> None:
        """Raise InvariantError("invariant failed: ...") if the state is inconsistent."""
        from gomap.classic.debug import check_invariants

        check_invariants(self)
