"""What the replay drivers share: the report types and the script encoding.

:mod:`gomap.oracle.classic_driver` (Go 1.23, buckets) and
:mod:`gomap.oracle.swiss_driver` (Go 1.27, Swiss tables) both replay a script on a
model with the real runtime's hashes and random draws and stop at the first
difference. They report with the same :class:`Result` and :class:`Divergence`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from gomap.oracle.keys import encode_key


class OracleError(RuntimeError):
    """The driver could not replay the runtime (missing hash, unexpected record)."""


@dataclass
class Divergence:
    """The first place where the model and the runtime disagree."""

    op_index: int
    op: list[Any]
    field: str
    model: Any
    runtime: Any
    where: str = ""

    def __str__(self) -> str:
        loc = f" at {self.where}" if self.where else ""
        return (
            f"divergence at op #{self.op_index} {self.op!r}: {self.field}{loc}\n"
            f"  model:   {self.model!r}\n  runtime: {self.runtime!r}"
        )


@dataclass
class Result:
    """What one replay compared, and the first divergence if any.

    ``chains_compared`` (classic: bucket chains) and ``groups_compared`` (Swiss:
    groups) count the storage units compared; :attr:`compared` is whichever the
    engine has. ``max_B`` is the classic map's largest ``B``; ``max_global_depth``
    the Swiss directory's largest ``globalDepth``.
    """

    impl: str
    key_type: str
    elem_type: str
    ops: int = 0
    go: str = ""
    """The Go release the harness was built with."""
    chains_compared: int = 0
    groups_compared: int = 0
    full_checks: int = 0
    noverflow_adopted: int = 0
    unknown_hashes: int = 0
    seconds: float = 0.0
    max_B: int = 0
    max_global_depth: int = 0
    clone_candidates: int = 0
    """Swiss, Go 1.24: iterator draws the order filter left for ``mapclone2``."""
    clone_trials: int = 0
    """Swiss, Go 1.24: model clones run until one equalled the runtime's."""
    events: dict[str, int] = field(default_factory=dict)
    divergence: Divergence | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.divergence is None

    @property
    def compared(self) -> int:
        """Storage units compared: bucket chains (classic) or groups (Swiss)."""
        return self.chains_compared + self.groups_compared


def encode_script(script: Iterable[list[Any]], key_type: str) -> Iterator[list[Any]]:
    """The script with its keys in the harnesses' JSON encoding."""
    for op in script:
        if op[0] in ("set", "get", "del"):
            yield [op[0], encode_key(key_type, op[1]), *op[2:]]
        else:
            yield op


def with_final_dump(script: list[list[Any]]) -> list[list[Any]]:
    """Check the script's shape and append a ``["dump"]`` (a full comparison)."""
    if not script or script[0][0] != "make":
        raise ValueError("a script starts with ['make', hint]")
    if script[-1] != ["dump"]:
        script = [*script, ["dump"]]  # always end on a full comparison
    return script


class Replay(Protocol):
    """A driver's per-operation step: replay op ``i`` on the model, compare with the
    runtime's record, return the first divergence or None."""

    def step(self, i: int, op: list[Any], rec: dict[str, Any]) -> Divergence | None: ...


def lockstep(
    replay: Replay, script: list[list[Any]], records: Iterator[dict[str, Any]], result: Result
) -> None:
    """Feed the model and the runtime's records through ``replay`` one operation at a
    time; stop at the first divergence (recorded in ``result``). The harness's output
    is closed either way, and a short output is an error, not a silent pass."""
    try:
        for i, (op, rec) in enumerate(zip(script, records, strict=False)):
            d = replay.step(i, op, rec)
            result.ops = i + 1
            if d is not None:
                result.divergence = d
                break
    finally:
        close = getattr(records, "close", None)
        if close is not None:
            close()
    if result.divergence is None and result.ops != len(script):
        raise OracleError(f"the harness produced {result.ops} records for {len(script)} ops")
