"""Hashing and randomness: the two hooks every engine draws on.

Go hashes a key with the map's seed (``hash0`` in the classic map, ``seed`` in the
Swiss map) and draws random numbers from the runtime's ``rand()`` for the seed, for
the start of an iteration and, in the classic map, for ``incrnoverflow``. gomap
routes each of those through two replaceable callables:

* a **hasher** ``(key, seed) -> int`` returning a uint64, and
* a **rand** ``() -> int`` returning a uint64.

The differential oracle replaces both with the real runtime's values; users can
replace them to force collisions or to replay a run.

The default hasher is seeded and 64-bit. Without ``seed=`` it builds on Python's
``hash`` (fast; for ``str`` and ``bytes`` randomised per process, as Go's is per
run); with ``seed=`` it hashes ``str``/``bytes`` with a process-independent digest
so that whole runs are reproducible across processes. NaN keys hash at random, as
Go's ``f64hash`` does: every NaN insert makes a new entry that no lookup finds.
"""

from __future__ import annotations

import random
import zlib
from collections.abc import Callable
from typing import Any

Hasher = Callable[[Any, int], int]
"""``(key, seed) -> uint64``: the hash of ``key`` under the map's seed."""

Rand = Callable[[], int]
"""``() -> uint64``: one draw from the runtime's random source."""

M64 = (1 << 64) - 1
M32 = (1 << 32) - 1
_K1 = 0xBF58476D1CE4E5B9
_K2 = 0x94D049BB133111EB


def mix64(x: int) -> int:
    """SplitMix64's finaliser: spreads every input bit over all 64 output bits."""
    x &= M64
    x = ((x ^ (x >> 30)) * _K1) & M64
    x = ((x ^ (x >> 27)) * _K2) & M64
    return x ^ (x >> 31)


def _stable_bytes_hash(b: bytes) -> int:
    # Two CRC-32s with different starting values give 64 process-independent bits.
    return zlib.crc32(b) | (zlib.crc32(b, 0x9E3779B9) << 32)


def _stable_hash(key: Any) -> int:
    """A hash of ``key`` that does not change between processes (consistent with ==)."""
    if isinstance(key, str):
        return _stable_bytes_hash(key.encode("utf-8", "surrogatepass"))
    if isinstance(key, (bytes, bytearray, memoryview)):
        return _stable_bytes_hash(bytes(key))
    if isinstance(key, tuple):
        h = 0x345678 ^ len(key)
        for item in key:
            h = mix64(h * 1000003 ^ _stable_hash(item))
        return h
    if isinstance(key, frozenset):
        h = len(key)
        for item in key:
            h ^= mix64(_stable_hash(item))  # order-free, like frozenset's own hash
        return h
    return hash(key)  # ints, floats, None, bools: already process-independent


def DefaultHasher(rand: Rand, *, stable: bool = False) -> Hasher:
    """The default ``(key, seed) -> uint64`` hasher.

    ``rand`` is drawn from for NaN keys only (Go: ``f64hash`` returns a random hash
    for NaN). ``stable=True`` makes ``str``/``bytes``/tuples hash the same in every
    process; otherwise Python's own (per-process randomised) ``hash`` is used.
    Keys that Python cannot hash raise ``TypeError`` naming the type, the analogue
    of Go's panic "hash of unhashable type".

    The seed is mixed in by one multiplication by an odd constant (which spreads the
    low bits upwards, so the top byte — Go's tophash — depends on every bit) and a
    fold of the high half into the low half (so the bucket index, the low bits, does
    too). A closure rather than a class: it is called on every operation.
    """
    base: Callable[[Any], int] = _stable_hash if stable else hash

    def hasher(key: Any, seed: int, type: Any = type, hash: Any = hash) -> int:
        t = type(key)
        if t is int:
            h = hash(key)  # the same in every process
        elif t is str:
            h = base(key)
        elif t is float:
            h = rand() if key != key else hash(key)  # NaN: a random hash, as in Go
        else:
            try:
                h = base(key)
            except TypeError:
                raise TypeError(f"hash of unhashable type {t.__name__}") from None
            if isinstance(key, float) and key != key:
                h = rand()
        x = ((h ^ seed) * _K1) & M64
        return x ^ (x >> 32)

    # The native backend recognises this mark and computes the same hash in C.
    hasher._gomap_default = (rand, stable)  # type: ignore[attr-defined]
    return hasher


def default_rand(seed: int | None = None) -> Rand:
    """A uint64 random source; reproducible when ``seed`` is given."""
    rng = random.Random(seed)
    return lambda: rng.getrandbits(64)


def check_hashable(key: Any) -> None:
    """Raise ``TypeError("hash of unhashable type T")`` when ``key`` cannot be a key."""
    try:
        hash(key)
    except TypeError:
        raise TypeError(f"hash of unhashable type {type(key).__name__}") from None
