"""Errors raised by gomap.

Go reports map misuse with ``fatal("...")``, which ends the program and cannot be
recovered. gomap raises a :class:`MapFatalError` subclass instead, at exactly the
places where Go's runtime checks its ``hashWriting`` (classic) / ``writing``
(Swiss) flag, with Go's message text. The map the error was raised on is left
consistent: the detecting operation raises before it changes anything.
"""

from __future__ import annotations


class MapFatalError(RuntimeError):
    """A misuse Go's runtime treats as fatal (``fatal(...)``, not a recoverable panic)."""

    go_message: str = "map fatal error"

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.go_message)


class ConcurrentMapWriteError(MapFatalError):
    """Two writers at once: Go's ``fatal("concurrent map writes")``."""

    go_message = "concurrent map writes"


class ConcurrentMapReadWriteError(MapFatalError):
    """A read while a write is under way: ``fatal("concurrent map read and map write")``."""

    go_message = "concurrent map read and map write"


class ConcurrentMapIterationWriteError(MapFatalError):
    """An iterator stepped while a write is under way:
    ``fatal("concurrent map iteration and map write")``."""

    go_message = "concurrent map iteration and map write"


class InvariantError(AssertionError):
    """``check_invariants()`` found the engine's state inconsistent.

    The message always starts with ``"invariant failed: "``.
    """

    def __init__(self, message: str) -> None:
        super().__init__("invariant failed: " + message)


class RequestError(ValueError):
    """Bad input for a run (a :class:`gomap.sim.request.SimRequest`, an audit query,
    an output path): the message says what is wrong and what works.

    ``located``: the message already starts with ``file:line:`` (a bad line of an
    ops file). The command line prints it as is, else after ``gomap COMMAND:``, and
    exits 2 (it calls this error ``UsageError``)."""

    def __init__(self, message: str, located: bool = False) -> None:
        super().__init__(message)
        self.located = located
