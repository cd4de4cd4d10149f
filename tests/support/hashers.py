"""Test helpers: hashers that force collisions, and a deterministic rand."""

from __future__ import annotations

from typing import Any


class TableHasher:
    """A hasher that looks keys up in a table (key -> uint64), ignoring the seed.

    Lets a test put keys exactly where it wants: same bucket, same tophash, or
    same H1/H2 for the Swiss map. Keys not in the table fall back to ``default``.
    """

    def __init__(self, table: dict[Any, int], default: int | None = None) -> None:
        self.table = table
        self.default = default
        self.calls = 0

    def __call__(self, key: Any, seed: int) -> int:
        self.calls += 1
        if key in self.table:
            return self.table[key]
        if self.default is None:
            raise KeyError(f"TableHasher has no hash for {key!r}")
        return self.default


def counter_rand(start: int = 0):  # type: ignore[no-untyped-def]
    """A rand() returning start, start+1, ... (so every draw is predictable)."""
    state = [start]

    def rand() -> int:
        v = state[0]
        state[0] += 1
        return v

    return rand


def classic_hash(bucket: int, top: int, low_extra: int = 0) -> int:
    """A 64-bit hash whose low bits select ``bucket`` and whose top byte is ``top``."""
    return (top << 56) | (low_extra << 20) | bucket
