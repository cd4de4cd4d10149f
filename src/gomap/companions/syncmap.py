"""``SyncMap``: Go's ``sync.Map`` as of a Go version.

``SyncMap()`` / ``SyncMap(version="1.24")`` is the hash-trie of Go 1.24-1.27
(:class:`gomap.companions.hashtriemap.HashTrieMap`); ``SyncMap(version="1.23")``
is the read-map/dirty-map design of Go <= 1.23
(:class:`gomap.companions.syncmap123.SyncMap123`). Both are verified against the
real runtime by ``gomap verify --impl syncmap``.
"""

from __future__ import annotations

from typing import Any

from gomap.companions.base import ConcurrentMap

VERSIONS = ("1.24", "1.23")


class SyncMap(ConcurrentMap):
    """Go's ``sync.Map``; ``version`` picks the Go release's design (see module docstring).

    ``hasher=``, ``rand=``, ``seed=`` (gomap's hashing hooks) apply to ``"1.24"``;
    the 1.23 design keeps Go maps, modelled by Python dicts, and takes none.

    >>> m = SyncMap()
    >>> m.load_or_store("k", 1)
    (1, False)
    >>> m.load_or_store("k", 2)
    (1, True)
    >>> m.compare_and_swap("k", 1, 3), m.load("k")
    (True, (3, True))
    """

    __slots__ = ()
    version: str

    def __new__(cls, version: str = "1.24", **hooks: Any) -> SyncMap:
        if cls is not SyncMap:
            return super().__new__(cls)
        if version == "1.24":
            from gomap.companions.hashtriemap import HashTrieMap

            return super().__new__(HashTrieMap)
        if version == "1.23":
            from gomap.companions.syncmap123 import SyncMap123

            if hooks:
                raise TypeError(
                    f"SyncMap(version='1.23') takes no hashing hooks, got {sorted(hooks)}")
            return super().__new__(SyncMap123)
        raise ValueError(f"SyncMap version must be one of {VERSIONS}, not {version!r}")

    def snapshot(self) -> dict[str, Any]:
        """The internal state in the oracle's format."""
        raise NotImplementedError
