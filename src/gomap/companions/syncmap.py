"""``SyncMap``: Go's ``sync.Map`` as of a Go version.

:class:`SyncMap` is the abstract class of both designs, and their factory:
``SyncMap()`` / ``SyncMap(version="1.24")`` builds the hash-trie of Go 1.24-1.27
(:class:`gomap.companions.hashtriemap.HashTrieMap`); ``SyncMap(version="1.23")``
the read-map/dirty-map design of Go <= 1.23
(:class:`gomap.companions.syncmap123.SyncMap123`). :meth:`SyncMap.new` is the same
factory, spelled as one. Both designs are verified against the real runtime by
``gomap verify --impl syncmap``.
"""

from __future__ import annotations

import importlib
from abc import ABCMeta, abstractmethod
from typing import Any

from gomap.companions.base import ConcurrentMap

DESIGNS: dict[str, str] = {
    "1.24": "gomap.companions.hashtriemap:HashTrieMap",
    "1.23": "gomap.companions.syncmap123:SyncMap123",
}
"""Go version → the class (``module:name``) of its ``sync.Map`` design, imported on
first use."""

VERSIONS = tuple(DESIGNS)

HOOKED = frozenset({"1.24"})
"""The designs that take gomap's hashing hooks (``hasher=``, ``rand=``, ``seed=``)."""


class _Factory(ABCMeta):
    """Calling :class:`SyncMap` itself builds the design of the version asked for
    (:meth:`SyncMap.new`); a design's class is called as usual."""

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        if cls is SyncMap:
            return SyncMap.new(*args, **kwargs)
        return super().__call__(*args, **kwargs)


class SyncMap(ConcurrentMap, metaclass=_Factory):
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
    """The Go version whose design this is ("1.24" or "1.23")."""

    @staticmethod
    def new(version: str = "1.24", **hooks: Any) -> SyncMap:
        """A new, empty ``sync.Map`` of Go ``version``'s design (what ``SyncMap(...)``
        returns)."""
        ref = DESIGNS.get(version)
        if ref is None:
            raise ValueError(f"SyncMap version must be one of {VERSIONS}, not {version!r}")
        if hooks and version not in HOOKED:
            raise TypeError(
                f"SyncMap(version={version!r}) takes no hashing hooks, got {sorted(hooks)}")
        module, name = ref.split(":")
        design: type[SyncMap] = getattr(importlib.import_module(module), name)
        return design(**hooks)

    @abstractmethod
    def snapshot(self) -> dict[str, Any]:
        """The internal state in the oracle's format (each design's own)."""
