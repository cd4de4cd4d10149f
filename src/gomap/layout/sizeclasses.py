"""Go's allocator size classes (``runtime/sizeclasses.go``, ``runtime/msize.go``).

The table is the one every Go release from 1.21 to 1.27 has for linux/amd64 (the
generated ``class_to_size`` is the same in all of them): 67 size classes up to
32 KiB; larger objects take whole 8 KiB pages. Objects with pointers bigger than 512
bytes carry an 8-byte malloc header inside their size class from Go 1.22 on
(allocation headers); ``malloc_header=False`` gives Go 1.21's accounting.
"""

from __future__ import annotations

from bisect import bisect_left

CLASS_TO_SIZE: tuple[int, ...] = (
    0, 8, 16, 24, 32, 48, 64, 80, 96, 112, 128, 144, 160, 176, 192, 208, 224, 240,
    256, 288, 320, 352, 384, 416, 448, 480, 512, 576, 640, 704, 768, 896, 1024, 1152,
    1280, 1408, 1536, 1792, 2048, 2304, 2688, 3072, 3200, 3456, 4096, 4864, 5376,
    6144, 6528, 6784, 6912, 8192, 9472, 9728, 10240, 10880, 12288, 13568, 14336,
    16384, 18432, 19072, 20480, 21760, 24576, 27264, 28672, 32768,
)  # runtime/sizeclasses.go class_to_size
MAX_SMALL_SIZE = 32768  # _MaxSmallSize
PAGE_SIZE = 8192  # 1 << _PageShift
MALLOC_HEADER_SIZE = 8  # mallocHeaderSize
MIN_SIZE_FOR_MALLOC_HEADER = 512  # goarch.PtrSize * ptrBits


def roundupsize(size: int, noscan: bool, malloc_header: bool = True) -> int:
    """``runtime.roundupsize``: how many bytes ``mallocgc(size)`` really hands out,
    less the malloc header when the object carries one (Go ≥ 1.22; Go 1.21's
    ``roundupsize(size)`` has no header: ``malloc_header=False``)."""
    req = size
    if req <= MAX_SMALL_SIZE - MALLOC_HEADER_SIZE:
        if malloc_header and not noscan and req > MIN_SIZE_FOR_MALLOC_HEADER:
            req += MALLOC_HEADER_SIZE
        cls = CLASS_TO_SIZE[bisect_left(CLASS_TO_SIZE, req)]
        return cls - (req - size)
    return (req + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1)


MAX_TINY_SIZE = 16  # maxTinySize: noscan objects below this share 16-byte blocks


def malloc_size(size: int, noscan: bool, malloc_header: bool = True) -> int:
    """How many heap bytes ``mallocgc(size)`` takes: the size class of ``size``
    (plus the 8-byte malloc header for pointerful objects over 512 bytes), or whole
    pages above 32 KiB. This is what ``MemStats.TotalAlloc`` counts per object and
    what ``HeapAlloc`` keeps while the object is live.

    ``mallocgc(0)`` takes nothing. Tiny noscan objects (under 16 bytes) share
    16-byte blocks in Go; map allocations are never that small, so they are refused.
    """
    if size == 0:
        return 0
    if noscan and size < MAX_TINY_SIZE:
        raise ValueError(f"a {size}-byte noscan object goes to the tiny allocator")
    req = size
    if req <= MAX_SMALL_SIZE - MALLOC_HEADER_SIZE:
        if malloc_header and not noscan and req > MIN_SIZE_FOR_MALLOC_HEADER:
            req += MALLOC_HEADER_SIZE
        return CLASS_TO_SIZE[bisect_left(CLASS_TO_SIZE, req)]
    return (req + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1)


def nextslicecap(new_len: int, old_cap: int) -> int:
    """``runtime.nextslicecap``: the capacity ``append`` asks for before rounding."""
    newcap = old_cap
    doublecap = newcap + newcap
    if new_len > doublecap:
        return new_len
    threshold = 256
    if old_cap < threshold:
        return doublecap
    while True:
        # Transition from growing 2x for small slices to 1.25x for large slices.
        newcap += (newcap + 3 * threshold) >> 2
        if newcap >= new_len:
            return newcap


def growslice_ptrs(new_len: int, old_cap: int, malloc_header: bool = True) -> tuple[int, int]:
    """``growslice`` for a slice of pointers (8-byte, pointerful elements): the new
    capacity after size-class rounding and the bytes the new backing array takes."""
    newcap = nextslicecap(new_len, old_cap)
    capmem = roundupsize(newcap * 8, False, malloc_header)
    return capmem // 8, malloc_size(capmem, False, malloc_header)


MAX_OBLET_BYTES = 128 << 10  # maxObletBytes: large objects are scanned in 128 KiB oblets


def scan_size(offsets: tuple[int, ...], elem_size: int, data_size: int,
              malloc_header: bool = True) -> int:
    """The GC's scan work for one heap object of ``data_size`` bytes made of elements
    of ``elem_size`` bytes whose pointer words sit at ``offsets`` (``scanobject``'s
    ``heapScanWork``: per object, or per 128 KiB oblet, the offset of the farthest
    pointer word visited, plus 8). Pointer words are visited whether or not they hold
    a pointer, so the work depends on the allocation, not on what is stored.

    Small objects (heap bits in the span: Go ≥ 1.22 up to 512 bytes; every small
    object in Go 1.21) have bits for ``data_size`` only. From Go 1.22 an object with
    a malloc header tiles its type from after the header to the end of its size
    class, and a large object from its start to the end of its pages: the element
    pattern goes on into the rounding tail (zeroed, but visited)."""
    if not offsets or data_size <= 0:
        return 0
    first, last = offsets[0], offsets[-1]

    def farthest(lo: int, limit: int) -> int:
        """The farthest pointer word in [lo, limit) of the tiled elements, or -1."""
        if limit - 1 < first:
            return -1
        k = (limit - 1 - first) // elem_size
        base = k * elem_size
        p = base + last if base + last < limit else max(
            base + o for o in offsets if base + o < limit)
        return p if p >= lo else -1

    size = malloc_size(data_size, False, malloc_header)
    if data_size <= MAX_SMALL_SIZE - (MALLOC_HEADER_SIZE if malloc_header else 0):
        if malloc_header and data_size > MIN_SIZE_FOR_MALLOC_HEADER:
            return MALLOC_HEADER_SIZE + farthest(0, size - MALLOC_HEADER_SIZE) + 8
        return farthest(0, data_size) + 8
    limit = size if malloc_header else data_size
    work = 0
    for o in range(0, size, MAX_OBLET_BYTES):
        p = farthest(o, min(o + MAX_OBLET_BYTES, limit))
        if p >= 0:
            work += p - o + 8
    return work
