"""gomap: Go's runtime map, faithfully, in Python.

Two engines model Go's map state-exactly (``classic``: Go ≤ 1.23's bucket map;
``swiss``: Go ≥ 1.24's Swiss table), proven against the real Go runtime by the
differential oracle in :mod:`gomap.oracle`. :class:`GoMap` puts either behind a
Python ``MutableMapping`` with Go's semantics.
"""

from gomap.errors import (
    ConcurrentMapIterationWriteError,
    ConcurrentMapReadWriteError,
    ConcurrentMapWriteError,
    InvariantError,
    MapFatalError,
)
from gomap.gomap import GoMap
from gomap.hashing import DefaultHasher, Hasher, Rand, default_rand

__version__ = "0.1.0"

__all__ = [
    "ConcurrentMapIterationWriteError",
    "ConcurrentMapReadWriteError",
    "ConcurrentMapWriteError",
    "DefaultHasher",
    "GoMap",
    "Hasher",
    "InvariantError",
    "MapFatalError",
    "Rand",
    "default_rand",
]
