"""``SyncMap``: Go's ``sync.Map`` as of a Go version.

``SyncMap()`` / ``SyncMap(version="1.24")`` is the hash-trie of Go 1.24-1.27
(:class:`gomap.companions.hashtriemap.HashTrieMap`); ``SyncMap(version="1.23")``
is the read-map/dirty-map design of Go <= 1.23
(:class:`gomap.companions.syncmap123.SyncMap123`). Both are verified against the
real runtime by ``gomap verify --impl syncmap``.
"""

from __future__ import annotations

from collections.abc import Callable
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

    # ``SyncMap(...)`` always constructs a subclass (see ``__new__``); these concrete
    # placeholders only tell type checkers that ``SyncMap()`` is instantiable.
    def _subclass_only(self) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must override this method")

    def load(self, key: Any) -> tuple[Any, bool]:
        """See :meth:`ConcurrentMap.load`."""
        return self._subclass_only()

    def store(self, key: Any, value: Any) -> None:
        """See :meth:`ConcurrentMap.store`."""
        self._subclass_only()

    def load_or_store(self, key: Any, value: Any) -> tuple[Any, bool]:
        """See :meth:`ConcurrentMap.load_or_store`."""
        return self._subclass_only()

    def load_and_delete(self, key: Any) -> tuple[Any, bool]:
        """See :meth:`ConcurrentMap.load_and_delete`."""
        return self._subclass_only()

    def swap(self, key: Any, value: Any) -> tuple[Any, bool]:
        """See :meth:`ConcurrentMap.swap`."""
        return self._subclass_only()

    def compare_and_swap(self, key: Any, old: Any, new: Any) -> bool:
        """See :meth:`ConcurrentMap.compare_and_swap`."""
        return self._subclass_only()

    def compare_and_delete(self, key: Any, old: Any) -> bool:
        """See :meth:`ConcurrentMap.compare_and_delete`."""
        return self._subclass_only()

    def range(self, f: Callable[[Any, Any], Any]) -> None:
        """See :meth:`ConcurrentMap.range`."""
        self._subclass_only()

    def clear(self) -> None:
        """See :meth:`ConcurrentMap.clear`."""
        self._subclass_only()

    def __len__(self) -> int:
        """See :meth:`ConcurrentMap.__len__`."""
        return self._subclass_only()

    def check_invariants(self) -> None:
        """See :meth:`ConcurrentMap.check_invariants`."""
        self._subclass_only()

    def new_empty(self) -> SyncMap:
        """See :meth:`ConcurrentMap.new_empty`."""
        return self._subclass_only()

    def snapshot(self) -> dict[str, Any]:
        """The internal state in the oracle's format."""
        return self._subclass_only()
