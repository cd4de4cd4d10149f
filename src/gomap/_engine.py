"""The contract every engine meets, so that :class:`gomap.GoMap`, the oracle driver,
the simulator and the tracer can drive the classic and the Swiss engine alike.

An engine is one Go map: it stores Python objects as keys and elems, compares keys
with ``==`` only (never identity, so a NaN key never matches), and mirrors the Go
runtime's state exactly given the same hashes and random draws.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

Observer = Callable[[str, dict[str, Any]], None]
"""``(event, details) -> None``, called by an engine at each internal event.

Event names follow Go's function names: classic ``hashGrow``, ``growWork``,
``evacuate``, ``newoverflow``, ``emptyOne``, ``emptyRest``, ``iterInit``, ``clear``,
``hash0``; Swiss ``smallToTable``, ``tableGrow``, ``split``, ``directoryGrow``,
``pruneTombstones``, ``tombstone``, ``iterInit``, ``clear``. ``details`` is a small
JSON-serialisable dict.
"""


class EngineIter(Protocol):
    """One Go iterator (``hiter`` / ``maps.Iter``), stepped by :meth:`next`."""

    def next(self) -> tuple[Any, Any] | None:
        """The next (key, elem) pair, or ``None`` once the iteration is over."""
        ...


class Engine(Protocol):
    """What :class:`gomap.GoMap` needs of an engine."""

    impl: str

    def __len__(self) -> int: ...

    def lookup(self, key: Any) -> tuple[bool, Any]:
        """``v, ok := m[key]`` (mapaccess2): ``(ok, v)``; ``(False, None)`` if absent."""
        ...

    def assign(self, key: Any, elem: Any) -> None:
        """``m[key] = elem`` (mapassign)."""
        ...

    def delete(self, key: Any) -> None:
        """``delete(m, key)`` (mapdelete): no error when absent."""
        ...

    def clear(self) -> None:
        """``clear(m)`` (mapclear / Map.Clear)."""
        ...

    def iterator(self) -> EngineIter:
        """``for k, v := range m``: mapiterinit / Iter.Init."""
        ...

    def snapshot(self) -> dict[str, Any]:
        """The whole internal state as a JSON-serialisable dict."""
        ...

    def check_invariants(self) -> None:
        """Raise :class:`gomap.errors.InvariantError` when the state is inconsistent."""
        ...
