"""Shared by the audit tests: a sink that keeps, fails, sleeps or blocks, and every map
type the wrapper must handle."""

from __future__ import annotations

import threading
import time
from typing import Any

from gomap import GoMap
from gomap.audit.sinks import Sink
from gomap.companions.registry import COMPANIONS


class ListSink(Sink):
    """Keeps every record; optionally raises, sleeps, or blocks on an event."""

    def __init__(self, *, fail: bool = False, delay: float = 0.0,
                 gate: threading.Event | None = None, durable: bool = False,
                 name: str = "list") -> None:
        super().__init__(name)
        self.records: list[dict[str, Any]] = []
        self.fail = fail
        self.delay = delay
        self.gate = gate
        self.durable = durable
        self.calls = 0

    def write(self, batch: list[dict[str, Any]]) -> None:
        self.calls += 1
        if self.gate is not None:
            self.gate.wait()
        if self.delay:
            time.sleep(self.delay)
        if self.fail:
            raise OSError("sink down")
        self.records.extend(batch)
        self.synced_seq = batch[-1]["seq"]


def _maps() -> list[tuple[str, Any]]:
    import cachetools

    out: list[tuple[str, Any]] = [("dict", dict)]
    for impl in ("classic", "swiss"):
        for backend in ("native", "python"):
            out.append((f"GoMap-{impl}-{backend}",
                        lambda impl=impl, backend=backend: GoMap(impl=impl, backend=backend,
                                                                 seed=3)))
    out += [(spec.label, spec.new) for spec in COMPANIONS.values()]  # every companion
    out += [("LRUCache", lambda: cachetools.LRUCache(maxsize=100)),
            ("TTLCache", lambda: cachetools.TTLCache(maxsize=100, ttl=600))]
    return out


MAPS = _maps()
