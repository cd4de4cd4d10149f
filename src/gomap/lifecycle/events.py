"""The lifecycle's event bus: every state change of a handle, as data, to any number of
isolated subscribers.

Events (``EVENTS``, one sentence each):

* ``created`` — a handle was registered.
* ``renewed`` — its deadline moved (a heartbeat), or it came back from an L2 grace period.
* ``expired`` — its deadline (and L2 grace) passed; ``on_expire`` runs next.
* ``released`` — it ended and its resource was reclaimed; ``cause`` is ``explicit``,
  ``expired`` or ``deleted`` (its map key was deleted).
* ``force_released`` — it was force-released (``reason`` says why) and reclaimed.
* ``release_failed`` — reclaiming its resource failed for good; it stays visible in
  ``registry.failed()``.
* ``ttl_adjusted`` — an adaptive policy changed a kind's TTL factor.

A subscriber is isolated: its exception is caught and counted
(``bus.errors``), and in ``"thread"`` mode it runs on the bus's own thread, so a slow
subscriber delays only other subscribers, never a release. The queue in ``"thread"``
mode is bounded; when it is full an event is dropped and counted (``bus.dropped``),
the release goes on. ``"sync"`` mode (the default under an injected clock) runs the
subscribers in the thread that made the change, for deterministic tests.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

__all__ = ["EVENTS", "EventBus", "LifecycleEvent", "audit_subscriber"]

EVENTS: dict[str, str] = {
    "created": "a handle was registered",
    "renewed": "its deadline moved (a heartbeat), or it came back from an L2 grace period",
    "expired": "its deadline (and L2 grace) passed; on_expire runs next",
    "released": "it ended and its resource was reclaimed (cause: explicit, expired, deleted)",
    "force_released": "it was force-released (reason says why) and reclaimed",
    "release_failed": "reclaiming its resource failed for good; it stays visible",
    "ttl_adjusted": "an adaptive policy changed a kind's TTL factor",
}


@dataclass(frozen=True)
class LifecycleEvent:
    """One event. ``ts`` is the registry's clock; ``handle`` is None for ``ttl_adjusted``."""

    event: str
    ts: float
    handle: int | None = None
    kind: str = "default"
    level: int = 0
    cause: str | None = None
    reason: str | None = None
    deadline: float | None = None
    ttl: float | None = None
    key: Any = None
    map: str | None = None
    detail: dict[str, Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}


Subscriber = Callable[[LifecycleEvent], None]
_STOP: Any = object()


class EventBus:
    """Delivers :class:`LifecycleEvent` to subscribers, isolated. ``mode`` is ``"sync"``
    or ``"thread"``; ``maxsize`` bounds the ``"thread"`` queue."""

    def __init__(self, mode: str = "thread", maxsize: int = 100_000) -> None:
        if mode not in ("sync", "thread"):
            raise ValueError(f"EventBus(mode={mode!r}): use 'sync' or 'thread'")
        self.mode = mode
        self._subs: tuple[tuple[Subscriber, frozenset[str] | None], ...] = ()
        self._lock = threading.Lock()
        self._queue: queue.Queue[Any] = queue.Queue(maxsize)
        self._thread: threading.Thread | None = None
        self.delivered = 0
        self.errors = 0
        self.dropped = 0
        self.last_error: BaseException | None = None

    @property
    def active(self) -> bool:
        """True when someone listens (the registry builds no event otherwise)."""
        return bool(self._subs)

    def subscribe(self, fn: Subscriber, events: set[str] | None = None) -> Callable[[], None]:
        """Call ``fn(event)`` for every event (or only the names in ``events``); returns
        a function that unsubscribes it."""
        if events is not None:
            unknown = set(events) - set(EVENTS)
            if unknown:
                raise ValueError(f"unknown lifecycle events {sorted(unknown)}; "
                                 f"known: {sorted(EVENTS)}")
        entry = (fn, frozenset(events) if events is not None else None)
        with self._lock:
            self._subs = (*self._subs, entry)
            if self.mode == "thread" and self._thread is None:
                self._thread = threading.Thread(target=self._run, name="gomap-lifecycle-bus",
                                                daemon=True)
                self._thread.start()

        def unsubscribe() -> None:
            with self._lock:
                self._subs = tuple(s for s in self._subs if s is not entry)

        return unsubscribe

    def publish(self, event: LifecycleEvent) -> None:
        if self.mode == "sync":
            self._deliver(event)
            return
        try:
            self._queue.put_nowait(event)
        except queue.Full:
            self.dropped += 1

    def _deliver(self, event: LifecycleEvent) -> None:
        for fn, names in self._subs:
            if names is not None and event.event not in names:
                continue
            try:
                fn(event)
                self.delivered += 1
            except Exception as exc:  # a subscriber never breaks a release
                self.errors += 1
                self.last_error = exc

    def _run(self) -> None:
        while True:
            event = self._queue.get()
            try:
                if event is _STOP:
                    return
                self._deliver(event)
            finally:
                self._queue.task_done()

    def flush(self, timeout: float | None = None) -> None:
        """Wait until every queued event was delivered (no-op in ``"sync"`` mode)."""
        if self.mode == "thread" and self._thread is not None:
            if timeout is None:
                self._queue.join()
            else:
                import time

                end = time.monotonic() + timeout
                while self._queue.unfinished_tasks and time.monotonic() < end:
                    time.sleep(0.001)

    def close(self) -> None:
        if self._thread is not None:
            with contextlib.suppress(queue.Full):
                self._queue.put(_STOP, timeout=1.0)
            self._thread.join(2.0)
            self._thread = None


def audit_subscriber(auditor: Any, map: str = "lifecycle") -> Subscriber:
    """A subscriber that feeds every event to ``auditor.emit`` (gomap.audit's one entry
    point) with ``source="lifecycle"``: ``op`` is the event name, ``key`` the handle's
    map key when it is tied to one (else its id), ``found`` True, ``caller`` empty (a
    lifecycle event has no Python call site of its own), and the event's fields as
    extras (``event``, ``handle``, ``kind``, ``level``, ``cause``, ``reason``,
    ``deadline``, ``ttl``, ``detail``)."""

    def feed(event: LifecycleEvent) -> None:
        fields = event.as_dict()
        key = fields.pop("key", None)
        map_name = fields.pop("map", None) or map
        fields.pop("ts", None)
        auditor.emit(event.event, key if key is not None else event.handle, map=map_name,
                     found=True, source="lifecycle", caller=[], **fields)

    return feed
