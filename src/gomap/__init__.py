"""gomap: Go's runtime map, faithfully, in Python.

Two engines model Go's map state-exactly (``classic``: Go ≤ 1.23's bucket map;
``swiss``: Go ≥ 1.24's Swiss table), proven against the real Go runtime by the
differential oracle in :mod:`gomap.oracle`. :class:`GoMap` puts either behind a
Python ``MutableMapping`` with Go's semantics.
"""

from typing import TYPE_CHECKING, Any

from gomap.errors import (
    ConcurrentMapIterationWriteError,
    ConcurrentMapReadWriteError,
    ConcurrentMapWriteError,
    InvariantError,
    MapFatalError,
)
from gomap.hashing import DefaultHasher, Hasher, Rand, default_rand

if TYPE_CHECKING:
    from gomap.gomap import GoMap

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


if not TYPE_CHECKING:  # (hidden from mypy, which then still checks other names)

    def __getattr__(name: str) -> Any:
        """``GoMap`` is imported on first use: the ``gomap`` command's simulate and
        compare never build one, and every process pays for what it imports."""
        if name == "GoMap":
            from gomap.gomap import GoMap

            globals()["GoMap"] = GoMap
            return GoMap
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
