"""The lifecycle registry: handles with deadlines, one timer heap, one worker.

Model
-----
A :class:`Handle` stands for one resource (a connection, a channel, a lock, a lease).
It is *registered* with a TTL and moves through these states::

    active ──deadline──▶ [L2: expiring (grace; renew() → active)] ──▶ expiring ──▶ released
       │                                                                       ├─▶ release_failed
       ├──release() / key deleted──▶ expiring (while reclaiming) ─────────────┤
       └──force_release(reason)────▶ expiring (while reclaiming) ─────────────┴─▶ force_released

``expiring`` is the state between the decision that a handle ends and the end of its
reclamation (an L2 grace period, an L3 retry wait, or the reclaim call itself).

Rules (each checked by tests/test_lifecycle_*.py):

1. A handle *ends* once, under the registry's lock: by its deadline, by ``release()``,
   by its map key being deleted, or by ``force_release``. Whoever ends it runs what
   follows; every later attempt is a no-op returning False.
2. ``on_expire(handle)`` runs exactly once if the handle ended by its deadline,
   ``on_force_release(handle, reason)`` exactly once if it was force-released, and
   neither ever runs after ``release()`` (or a deletion of its key) ended it.
3. No user callback (``on_expire``, ``on_force_release``, ``reclaim``) runs concurrently
   with any other: they run one at a time under the registry's callback lock (a
   re-entrant lock: a callback may call the registry).
4. One timer structure: a binary heap of ``(due, seq, handle)``. A renew pushes a new
   entry; the old one is recognised as stale when popped (``seq != handle._seq``). The
   heap is rebuilt without stale entries when they outnumber the live ones.
5. ``tick()`` processes, synchronously and in ``(due, seq)`` order, every entry due at
   or before ``clock()``: within a tick, callbacks run in deadline order. The worker
   thread (started by default only with the default clock) sleeps until the earliest
   due time and calls ``tick()``.
6. When a handle ends for any cause other than ``deleted``, its tied map key (if any)
   is deleted; when a tied key is deleted, its handle is released with cause
   ``deleted`` — one table per tied map serves both directions (``tie()``).
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import math
import os
import socket
import threading
import time
from bisect import bisect_left
from collections import deque
from collections.abc import Callable, Iterator, MutableMapping
from enum import Enum
from typing import Any

from gomap.lifecycle.adaptive import AdaptiveTTL
from gomap.lifecycle.events import EventBus, LifecycleEvent
from gomap.lifecycle.levels import External, Grace, Level, as_level

__all__ = ["Handle", "HandleClosedError", "LeaseLostError", "Registry", "State"]

Clock = Callable[[], float]

# Phases of a handle inside the registry (what its heap entry means when it is due).
_ACTIVE = 0      # due = deadline
_GRACE = 1       # due = deadline + grace (L2)
_RETRY = 2       # due = next reclaim attempt (L3)
_RECLAIMING = 3  # ended, reclaim running; no live heap entry
_DONE = 4        # final state reached

#: Latency histogram bucket upper bounds (seconds), Prometheus style.
LATENCY_BUCKETS = (0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
                   30.0, 60.0, math.inf)

_BATCH = 256  # heap entries decided per lock acquisition in tick()

CAUSES = ("explicit", "expired", "deleted", "replaced", "force")
_RELEASE_CAUSES = ("explicit", "deleted", "replaced")


class State(str, Enum):
    """A handle's state (the value is the name used in events and metrics)."""

    ACTIVE = "active"
    EXPIRING = "expiring"
    RELEASED = "released"
    FORCE_RELEASED = "force_released"
    RELEASE_FAILED = "release_failed"


_RELEASED = State.RELEASED
_EXPIRING = State.EXPIRING
_FORCE_RELEASED = State.FORCE_RELEASED


class HandleClosedError(RuntimeError):
    """``renew()`` on a handle that has already ended."""


class LeaseLostError(RuntimeError):
    """``renew()`` of a lease handle whose lease is no longer ours; the handle has been
    force-released. Stop using the resource: another owner may hold it."""


def _check_ttl(ttl: Any, what: str = "ttl") -> float:
    if isinstance(ttl, bool) or not isinstance(ttl, (int, float)) or not math.isfinite(ttl) \
            or ttl <= 0:
        raise ValueError(f"{what}={ttl!r}: a TTL is a finite number of seconds > 0")
    return float(ttl)


class Handle:
    """One registered resource. Read ``id``, ``resource``, ``deadline``, ``state``,
    ``cause`` (why it ended), ``reason`` (of a force release), ``error`` (the last
    reclaim or callback exception), ``attempts`` (reclaim attempts), ``lease``.

    >>> r = Registry(clock=lambda: 0.0)
    >>> with r.register("conn", ttl=5) as h:
    ...     h.state.value, h.deadline
    ('active', 5.0)
    >>> h.state.value, h.cause
    ('released', 'explicit')
    """

    __slots__ = ("__weakref__", "_due", "_end_state", "_ended", "_phase", "_registry",
                 "_retry", "_seq", "_start", "_tie", "attempts", "cause", "deadline", "ended_at",
                 "error", "id", "kind", "lease", "level", "on_expire", "on_force_release",
                 "reason", "reclaim", "resource", "state", "ttl")

    def __init__(self, registry: Registry, hid: int, resource: Any, ttl: float, kind: str,
                 level: Level, on_expire: Callable[[Handle], Any] | None,
                 on_force_release: Callable[[Handle, str], Any] | None,
                 reclaim: Callable[[Any], Any] | None) -> None:
        self._registry = registry
        self.id = hid
        self.resource = resource
        self.ttl = ttl
        self.kind = kind
        self.level = level
        self.on_expire = on_expire
        self.on_force_release = on_force_release
        self.reclaim = reclaim
        self.state = State.ACTIVE
        self.deadline = 0.0
        self.cause: str | None = None
        self.reason: str | None = None
        self.error: BaseException | None = None
        self.attempts = 0
        self.ended_at: float | None = None
        self.lease: Any = None
        self._tie: Any = None
        self._due = 0.0
        self._seq = -1
        self._phase = _ACTIVE
        self._ended = False
        self._end_state = State.RELEASED
        self._start = 0.0
        self._retry: Any = None

    @property
    def active(self) -> bool:
        """True until the handle ends (an L2 grace period still counts as not ended)."""
        return not self._ended

    @property
    def key(self) -> Any:
        """The map key this handle is tied to, or None."""
        return self._tie[1] if self._tie is not None else None

    def renew(self, ttl: float | None = None) -> float:
        """Heartbeat: the deadline becomes ``now + ttl`` (default: the handle's TTL), times
        its kind's adaptive factor; returns the new deadline. During an L2 grace period
        it brings the handle back to ``active``. A lease handle renews its lease first.
        Raises :class:`HandleClosedError` on an ended handle, :class:`LeaseLostError`
        when the lease was lost."""
        return self._registry.renew(self, ttl)

    def release(self) -> bool:
        """End the handle and reclaim its resource by its level (no callback runs; no
        L2 grace). False if it had already ended."""
        return self._registry.release(self)

    def __enter__(self) -> Handle:
        return self

    def __exit__(self, *exc: object) -> None:
        self._registry.release(self)

    def __repr__(self) -> str:
        return (f"<Handle {self.id} {self.kind} L{self.level.number} {self.state.value} "
                f"deadline={self.deadline:.6g}{' cause=' + self.cause if self.cause else ''}>")


class _Tie:
    """The table of one tied map: key → handle, and the map wrapper that reports deletes."""

    def __init__(self, registry: Registry, wrapped: Any, name: str) -> None:
        self.registry = registry
        self.wrapped = wrapped
        self.name = name
        self.table: dict[Any, Handle] = {}
        self.lock = threading.Lock()

    def key_deleted(self, key: Any) -> None:
        """The map's on_delete hook: the key is gone, so its handle is released. Never
        raises: ``audited`` puts hooks behind a circuit breaker, and an open breaker would
        skip the releases of the next deletes."""
        try:
            with self.lock:
                h = self.table.pop(key, None)
            if h is not None:
                self.registry.release(h, cause="deleted")
        except Exception as exc:
            self.registry._tie_error(exc)

    def handle_ended(self, h: Handle) -> None:
        """The handle ended (not by deletion): delete its key if it is still this one's."""
        key = h._tie[1]
        with self.lock:
            if self.table.get(key) is not h:
                return
            del self.table[key]
        with contextlib.suppress(KeyError):
            del self.wrapped[key]


class Registry:
    """Handles, one timer heap, one worker thread, an event bus, metrics.

    ``clock``: a function returning seconds (default ``time.monotonic``); with another
    clock no worker starts unless ``worker=True``: call ``tick()`` to advance.
    ``store``: a :class:`~gomap.lifecycle.leases.LeaseStore` for :meth:`acquire`.
    ``levels``: override the policies of levels 1, 2, 3 (``{2: Grace(5.0)}``).
    ``events``: ``"sync"`` or ``"thread"`` (default: ``"thread"`` with the default
    clock, ``"sync"`` otherwise) or an :class:`EventBus`.
    """

    def __init__(self, clock: Clock | None = None, store: Any = None, *,
                 levels: dict[int, Level] | None = None, worker: bool | None = None,
                 events: str | EventBus | None = None, owner: str | None = None) -> None:
        simulated = clock is not None
        self.clock: Clock = clock if clock is not None else time.monotonic
        self.store = store
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self.levels: dict[int, Level] = {n: as_level(n) for n in (1, 2, 3)}
        for n, lv in (levels or {}).items():
            lvl = as_level(lv)
            if lvl.number != n:
                raise ValueError(f"levels[{n}] is an L{lvl.number} policy")
            self.levels[n] = lvl
        if isinstance(events, EventBus):
            self.bus = events
        else:
            self.bus = EventBus(events or ("sync" if simulated else "thread"))
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)
        self._cb_lock = threading.RLock()
        self._heap: list[tuple[float, int, Handle]] = []
        self._seq = itertools.count()
        self._ids = itertools.count(1)
        self._stale = 0
        self._policies: dict[str, AdaptiveTTL] = {}
        self._failed: dict[int, Handle] = {}
        self._leases: dict[Any, Handle] = {}
        self._ties: dict[int, _Tie] = {}
        # counters (plain numbers; metrics() copies them)
        self.registered = 0
        self.renewals = 0
        self.expirations = 0
        self.active_count = 0
        self.pending_count = 0
        self._pending_by_kind: dict[str, int] = {}
        self.ended_by_cause = dict.fromkeys(CAUSES, 0)
        self.n_released = 0
        self.n_force_released = 0
        self.n_release_failed = 0
        self.callback_errors = 0
        self.reclaim_attempts = 0
        self.takeovers = 0
        self.tie_errors = 0
        self.last_tie_error: Exception | None = None
        self._latencies: deque[float] = deque(maxlen=100_000)
        self._lat_buckets = [0] * len(LATENCY_BUCKETS)
        self._lat_sum = 0.0
        self._lat_count = 0
        self._worker: threading.Thread | None = None
        self._closing = False
        if store is not None and hasattr(store, "on_takeover"):
            store.on_takeover(self._takeover_seen)
        if worker or (worker is None and not simulated):
            self.start()

    # --- registering ---------------------------------------------------------------
    def register(self, resource: Any, ttl: float, *,
                 on_expire: Callable[[Handle], Any] | None = None,
                 on_force_release: Callable[[Handle, str], Any] | None = None,
                 kind: str = "default", level: Level | int = 1,
                 reclaim: Callable[[Any], Any] | None = None,
                 _now: float | None = None) -> Handle:
        """Register ``resource`` for ``ttl`` seconds (times its kind's adaptive factor).

        ``on_expire(handle)`` runs once if the deadline passes; ``on_force_release(handle,
        reason)`` once on a force release; ``reclaim(resource)`` gives the resource back
        whenever the handle ends, by ``level`` (1, 2, 3 or a :class:`Level`). O(log n).
        """
        # fast paths for the common arguments; anything else takes the checking path
        base = ttl if type(ttl) is float and 0.0 < ttl < math.inf else _check_ttl(ttl)
        if type(kind) is not str:
            raise ValueError(f"kind={kind!r}: a kind is a string (it names a TTL policy)")
        lvl = self.levels.get(level) if type(level) is int else None
        if lvl is None:
            lvl = as_level(level, self.levels)
        h = Handle(self, 0, resource, base, kind, lvl, on_expire, on_force_release, reclaim)
        now = self.clock() if _now is None else _now
        eff = self._effective(kind, base) if self._policies else base
        with self._lock:
            h.id = next(self._ids)
            h.deadline = h._due = due = now + eff
            # inlined: self._push(h)
            heap = self._heap
            first = not heap or due < heap[0][0]
            h._seq = seq = next(self._seq)
            heapq.heappush(heap, (due, seq, h))
            if first and self._worker is not None:
                self._cond.notify()
            self.registered += 1
            self.active_count += 1
        if self.bus._subs:
            self._emit("created", h, ttl=eff)
        return h

    def _effective(self, kind: str, ttl: float) -> float:
        p = self._policies.get(kind)
        return ttl if p is None else ttl * p.factor

    def _push(self, h: Handle) -> None:
        # caller holds self._lock
        heap = self._heap
        first = not heap or h._due < heap[0][0]
        h._seq = seq = next(self._seq)
        heapq.heappush(heap, (h._due, seq, h))
        if first and self._worker is not None:
            self._cond.notify()

    # --- the handle's own operations ----------------------------------------------
    def renew(self, h: Handle, ttl: float | None = None) -> float:
        """See :meth:`Handle.renew`."""
        base = h.ttl if ttl is None else _check_ttl(ttl)
        if h._ended:
            raise HandleClosedError(f"handle {h.id} has ended ({h.state.value}, cause "
                                    f"{h.cause}); register a new one")
        now = self.clock()
        if h.lease is not None:
            try:
                ok = h.lease.renew(base)
            except Exception as exc:
                ok, why = False, f"lease renew failed: {exc!r}"
            else:
                why = "lease lost (expired or taken over)"
            if not ok:
                self.force_release(h, why)
                raise LeaseLostError(f"handle {h.id}: {why} for {h.lease.resource_id!r}")
        eff = self._effective(h.kind, base)
        with self._lock:
            if h._ended:
                raise HandleClosedError(f"handle {h.id} has ended ({h.state.value}, cause "
                                        f"{h.cause}); register a new one")
            if h._phase == _GRACE:
                h._phase = _ACTIVE
                h.state = State.ACTIVE
                self.pending_count -= 1
                self._pending_by_kind[h.kind] -= 1
                self.active_count += 1
            if ttl is not None:
                h.ttl = base
            h.deadline = h._due = now + eff
            self._stale += 1
            self._push(h)
            self.renewals += 1
            if self._stale > 1024 and self._stale > len(self._heap) // 2:
                self._compact()
        if self.bus.active:
            self._emit("renewed", h, ttl=eff)
        return h.deadline

    def _compact(self) -> None:
        # caller holds self._lock: drop stale entries, keep (due, seq) order.
        self._heap = [e for e in self._heap if e[2]._seq == e[1]
                      and e[2]._phase in (_ACTIVE, _GRACE, _RETRY)]
        heapq.heapify(self._heap)
        self._stale = 0

    def release(self, h: Handle, cause: str = "explicit") -> bool:
        """End ``h`` (cause ``explicit``; ``deleted`` when its key went) and reclaim its
        resource; no callback runs. False if it had already ended."""
        if cause not in _RELEASE_CAUSES:
            raise ValueError(f"cause={cause!r}: release() takes one of {_RELEASE_CAUSES}")
        now = self.clock()
        with self._lock:
            if h._ended:
                return False
            self._begin_end(h, cause, _RELEASED, now)
            if h.reclaim is None and h._tie is None:  # nothing to call: finish at once
                latency = self._finish_locked(h, _RELEASED, now)
                fast = True
            else:
                fast = False
        if fast:
            if self._policies or self.bus._subs:
                self._finished(h, now, latency)
            return True
        if cause != "deleted" and h._tie is not None:
            h._tie[0].handle_ended(h)
        self._reclaim(h)
        return True

    def force_release(self, h: Handle, reason: str) -> bool:
        """End ``h`` now whatever its deadline: ``on_force_release(h, reason)`` runs once,
        then its resource is reclaimed (no L2 grace). False if it had already ended."""
        if not isinstance(reason, str) or not reason:
            raise ValueError("force_release needs a reason (a non-empty string)")
        now = self.clock()
        with self._lock:
            if h._ended:
                return False
            self._begin_end(h, "force", State.FORCE_RELEASED, now)
            h.reason = reason
        self._callback(h.on_force_release, h, reason)
        if h._tie is not None:
            h._tie[0].handle_ended(h)
        self._reclaim(h)
        return True

    # --- ending and reclaiming ---------------------------------------------------------
    def _begin_end(self, h: Handle, cause: str, end_state: State, start: float) -> None:
        # caller holds self._lock
        h._ended = True
        h.cause = cause
        h._end_state = end_state
        h._start = start
        if h._phase == _ACTIVE:
            self.active_count -= 1
            self.pending_count += 1
            self._pending_by_kind[h.kind] = self._pending_by_kind.get(h.kind, 0) + 1
            self._stale += 1
        elif h._phase == _GRACE:
            self._stale += 1
        h._phase = _RECLAIMING
        h.state = State.EXPIRING
        self.ended_by_cause[cause] += 1

    def _callback(self, fn: Callable[..., Any] | None, *args: Any) -> None:
        if fn is None:
            return
        try:
            with self._cb_lock:
                fn(*args)
        except Exception as exc:
            with self._lock:
                self.callback_errors += 1
            args[0].error = exc

    def _reclaim(self, h: Handle) -> None:
        fn = h.reclaim
        if fn is None:
            self._finish(h)
        elif isinstance(h.level, External):
            self._attempt(h)
        else:
            with self._lock:
                self.reclaim_attempts += 1
            h.attempts += 1
            try:
                with self._cb_lock:
                    fn(h.resource)
            except Exception as exc:
                h.error = exc
                self._fail(h)
                return
            self._finish(h)

    def _attempt(self, h: Handle) -> None:
        level = h.level
        assert isinstance(level, External) and h.reclaim is not None
        if h._retry is None:
            h._retry = level.new_state(self.clock())
        st = h._retry
        with self._lock:
            self.reclaim_attempts += 1
        h.attempts += 1
        try:
            with self._cb_lock:
                h.reclaim(h.resource)
        except Exception as exc:
            now = self.clock()
            h.error = exc
            st.set_exception((type(exc), exc, None))
            st.outcome_timestamp = now
            if not level.retry(st) or level.stop(st):
                self._fail(h)
                return
            delay = float(level.wait(st))
            st.prepare_for_next_attempt()
            with self._lock:
                h._phase = _RETRY
                h._due = now + max(0.0, delay)
                self._push(h)
            return
        self._finish(h)

    def _finish(self, h: Handle, state: State | None = None) -> None:
        now = self.clock()
        with self._lock:
            latency = self._finish_locked(h, state or h._end_state, now)
        self._finished(h, now, latency)

    def _finish_many(self, hs: list[Handle]) -> None:
        now = self.clock()
        with self._lock:
            lats = [self._finish_locked(h, h._end_state, now) for h in hs]
        if self._policies or self.bus.active:
            for h, latency in zip(hs, lats, strict=True):
                self._finished(h, now, latency)

    def _finish_locked(self, h: Handle, st: State, now: float) -> float:
        # caller holds self._lock: h reaches its final state st at now
        latency = now - h._start
        if latency < 0.0:
            latency = 0.0
        h.state = st
        h._phase = _DONE
        h.ended_at = now
        self.pending_count -= 1
        self._pending_by_kind[h.kind] -= 1
        if st is _RELEASED:
            self.n_released += 1
        elif st is _FORCE_RELEASED:
            self.n_force_released += 1
        else:
            self.n_release_failed += 1
            self._failed[h.id] = h
        self._latencies.append(latency)
        self._lat_sum += latency
        self._lat_count += 1
        self._lat_buckets[bisect_left(LATENCY_BUCKETS, latency)] += 1
        if h.lease is not None:
            self._leases.pop((h.lease.resource_id, h.lease.token), None)
        return latency

    def _finished(self, h: Handle, now: float, latency: float) -> None:
        # after the lock: the adaptive policy's sample, the event
        if self._policies:
            p = self._policies.get(h.kind)
            if p is not None:
                p.observe(now, latency)
        if self.bus.active:
            st = h.state
            name = "released" if st is _RELEASED else \
                "force_released" if st is _FORCE_RELEASED else "release_failed"
            self._emit(name, h, detail={"latency": latency, "attempts": h.attempts,
                                        **({"error": repr(h.error)} if h.error else {})})

    def _fail(self, h: Handle) -> None:
        self._finish(h, State.RELEASE_FAILED)

    # --- time ------------------------------------------------------------------------------
    def tick(self) -> int:
        """Process, in ``(due, seq)`` order, every heap entry due at or before ``clock()``
        (read once): expire handles, end L2 grace periods, make L3 retry attempts. Then
        evaluate the adaptive policies that are due. Returns the number of entries acted
        on. Deterministic under an injected clock."""
        now = self.clock()
        n = 0
        while True:
            batch: list[tuple[int, Handle]] = []
            expired = 0
            with self._lock:  # decide up to _BATCH transitions under one acquisition
                heap = self._heap
                while heap and heap[0][0] <= now and len(batch) < _BATCH:
                    due, seq, h = heapq.heappop(heap)
                    phase = h._phase
                    if seq != h._seq or phase >= _RECLAIMING:
                        self._stale -= 1
                        continue
                    if phase == _ACTIVE:
                        lvl = h.level
                        if isinstance(lvl, Grace) and lvl.grace > 0:
                            h._phase = _GRACE
                            h.state = State.EXPIRING
                            h._due = due + lvl.grace
                            self.active_count -= 1
                            self.pending_count += 1
                            self._pending_by_kind[h.kind] = \
                                self._pending_by_kind.get(h.kind, 0) + 1
                            h._seq = seq = next(self._seq)
                            heapq.heappush(heap, (h._due, seq, h))
                            n += 1
                            continue
                        # inlined: self._begin_end(h, "expired", _RELEASED, due), with
                        # the entry just popped being the live one (no stale count)
                        h._ended = True
                        h.cause = "expired"
                        h._end_state = _RELEASED
                        h._start = due
                        self.active_count -= 1
                        self.pending_count += 1
                        kind = h.kind
                        self._pending_by_kind[kind] = self._pending_by_kind.get(kind, 0) + 1
                        h._phase = _RECLAIMING
                        h.state = _EXPIRING
                        expired += 1
                        batch.append((0, h))
                    elif phase == _GRACE:
                        self._begin_end(h, "expired", _RELEASED, due)
                        self._stale -= 1
                        self.expirations += 1
                        batch.append((0, h))
                    else:  # _RETRY
                        h._phase = _RECLAIMING
                        batch.append((1, h))
                self.ended_by_cause["expired"] += expired
                self.expirations += expired
            if not batch:
                break
            n += len(batch)
            done: list[Handle] = []
            emit = self.bus.active
            for what, h in batch:  # in (due, seq) order
                if what:
                    self._attempt(h)
                    continue
                if emit:
                    self._emit("expired", h)
                if h.on_expire is not None:
                    self._callback(h.on_expire, h)
                if h._tie is not None:
                    h._tie[0].handle_ended(h)
                if h.reclaim is None:
                    done.append(h)
                else:
                    self._reclaim(h)
            if done:
                self._finish_many(done)
        if self._policies:
            self._evaluate(now)
        return n

    def next_due(self) -> float | None:
        """The earliest due time on the heap (stale entries included), or None."""
        with self._lock:
            return self._heap[0][0] if self._heap else None

    def start(self) -> None:
        """Start the worker thread (idempotent)."""
        with self._lock:
            if self._worker is not None:
                return
            self._closing = False
            self._worker = threading.Thread(target=self._run, name="gomap-lifecycle",
                                            daemon=True)
            self._worker.start()

    def _run(self) -> None:
        while True:
            with self._lock:
                if self._closing:
                    return
                timeout: float | None = None
                if self._heap:
                    timeout = self._heap[0][0] - self.clock()
                if self._policies:
                    timeout = 1.0 if timeout is None else min(timeout, 1.0)
                if timeout is None or timeout > 0:
                    self._cond.wait(timeout)
                if self._closing:
                    return
            self.tick()

    def close(self, release: bool = False) -> None:
        """Stop the worker (and the bus thread); with ``release=True`` first release every
        live handle, L1 first, then L2, then L3."""
        if release:
            live = sorted(self.handles(), key=lambda h: (h.level.number, h._due))
            for h in live:
                self.release(h)
        with self._lock:
            self._closing = True
            self._cond.notify_all()
        if self._worker is not None and self._worker is not threading.current_thread():
            self._worker.join(5.0)
        self._worker = None
        self.bus.flush(2.0)
        self.bus.close()

    def __enter__(self) -> Registry:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- introspection -------------------------------------------------------------------
    def handles(self) -> list[Handle]:
        """Every handle that has not reached a final state (active or expiring)."""
        with self._lock:
            seen: dict[int, Handle] = {}
            for _, seq, h in self._heap:
                if seq == h._seq and h._phase in (_ACTIVE, _GRACE, _RETRY):
                    seen[h.id] = h
        return sorted(seen.values(), key=lambda h: h.id)

    def failed(self) -> list[Handle]:
        """Every handle in state ``release_failed`` (never silently forgotten)."""
        with self._lock:
            return list(self._failed.values())

    def forget_failed(self, h: Handle) -> bool:
        """Drop a ``release_failed`` handle from :meth:`failed` (after handling it)."""
        with self._lock:
            return self._failed.pop(h.id, None) is not None

    def latency_percentile(self, q: float) -> float | None:
        """The ``q`` quantile (0..1, nearest rank) of the last 100 000 cleanup latencies."""
        with self._lock:
            vals = sorted(self._latencies)
        if not vals:
            return None
        return vals[max(0, math.ceil(q * len(vals)) - 1)]

    def metrics(self) -> dict[str, Any]:
        """Plain numbers: counts by state and cause, attempts, errors, latency p50/p95/p99."""
        with self._lock:
            m: dict[str, Any] = {
                "registered": self.registered,
                "active": self.active_count,
                "pending": self.pending_count,
                "renewals": self.renewals,
                "expirations": self.expirations,
                "released": self.n_released,
                "force_released": self.n_force_released,
                "release_failed": self.n_release_failed,
                "failed_visible": len(self._failed),
                "ended_by_cause": dict(self.ended_by_cause),
                "reclaim_attempts": self.reclaim_attempts,
                "callback_errors": self.callback_errors,
                "takeovers": self.takeovers,
                "tie_errors": self.tie_errors,
                "heap_entries": len(self._heap),
                "event_subscriber_errors": self.bus.errors,
                "events_dropped": self.bus.dropped,
                "ttl_factors": {k: p.factor for k, p in self._policies.items()},
                "cleanup_latency_count": self._lat_count,
                "cleanup_latency_sum": self._lat_sum,
            }
        for name, q in (("p50", 0.5), ("p95", 0.95), ("p99", 0.99)):
            m[f"cleanup_latency_{name}"] = self.latency_percentile(q)
        return m

    def latency_histogram(self) -> tuple[tuple[float, ...], list[int], float, int]:
        """(bucket bounds, per-bucket counts, sum, count) of cleanup latencies."""
        with self._lock:
            return LATENCY_BUCKETS, list(self._lat_buckets), self._lat_sum, self._lat_count

    def prometheus_collector(self) -> Any:
        """A ``prometheus_client`` collector for this registry (needs the ``prometheus``
        extra): ``registry = CollectorRegistry(); registry.register(r.prometheus_collector())``."""
        from gomap.lifecycle.prom import RegistryCollector

        return RegistryCollector(self)

    # --- events ----------------------------------------------------------------------------
    def subscribe(self, fn: Callable[[LifecycleEvent], Any],
                  events: set[str] | None = None) -> Callable[[], None]:
        """Subscribe to the event bus; returns the unsubscribe function."""
        return self.bus.subscribe(fn, events)

    def feed_audit(self, auditor: Any, map: str = "lifecycle") -> Callable[[], None]:
        """Feed every event to ``auditor.emit`` (``source="lifecycle"``)."""
        from gomap.lifecycle.events import audit_subscriber

        return self.bus.subscribe(audit_subscriber(auditor, map))

    def _emit(self, name: str, h: Handle | None, *, ttl: float | None = None,
              detail: dict[str, Any] | None = None, kind: str | None = None) -> None:
        if h is None:
            ev = LifecycleEvent(name, self.clock(), kind=kind or "default", detail=detail)
        else:
            tie = h._tie
            ev = LifecycleEvent(name, self.clock(), h.id, h.kind, h.level.number, h.cause,
                                h.reason, h.deadline, ttl, tie[1] if tie else None,
                                tie[0].name if tie else None, detail)
        self.bus.publish(ev)

    # --- adaptive TTL ------------------------------------------------------------------------
    def set_policy(self, kind: str, policy: AdaptiveTTL | None) -> None:
        """Adapt the TTLs of ``kind`` by ``policy`` (None removes it)."""
        with self._lock:
            if policy is None:
                self._policies.pop(kind, None)
            else:
                self._policies[kind] = policy

    def policy(self, kind: str) -> AdaptiveTTL | None:
        return self._policies.get(kind)

    def _evaluate(self, now: float) -> None:
        for kind, p in list(self._policies.items()):
            if not p.due(now):
                continue
            change = p.evaluate(now, self._pending_by_kind.get(kind, 0))
            if change is not None:
                change["at"] = now
                self._emit("ttl_adjusted", None, kind=kind, detail=change)

    # --- map entries ---------------------------------------------------------------------------
    def tie(self, mapping: MutableMapping[Any, Any], name: str = "map") -> Any:
        """Return ``mapping`` wrapped so that its deletes release handles: deleting a tied
        key (any delete path of the returned mapping) releases its handle with cause
        ``deleted``, and a handle that ends otherwise deletes its key. ``mapping`` may be a
        ``GoMap``, a companion, any ``MutableMapping``, or an ``audited`` wrapper (used as
        it is). Use the returned mapping for every change, then :meth:`put` or
        :meth:`bind`."""
        wrapped: Any = mapping
        if not callable(getattr(mapping, "on_delete", None)):
            from gomap.audit import audited

            wrapped = audited(mapping, None, name=name)
        tie = _Tie(self, wrapped, name)
        wrapped.on_delete(tie.key_deleted)
        with self._lock:
            self._ties[id(wrapped)] = tie
        return wrapped

    def _tie_error(self, exc: Exception) -> None:
        with self._lock:
            self.tie_errors += 1
        self.last_tie_error = exc

    def _tie_of(self, wrapped: Any) -> _Tie:
        tie = self._ties.get(id(wrapped))
        if tie is None or tie.wrapped is not wrapped:
            raise ValueError("this mapping is not tied to this registry: "
                             "use m = registry.tie(mapping) first")
        return tie

    def bind(self, h: Handle, wrapped: Any, key: Any) -> Handle:
        """Tie ``h`` to ``wrapped[key]`` (``wrapped`` from :meth:`tie`). A handle already
        bound to that key is released with cause ``replaced``."""
        tie = self._tie_of(wrapped)
        if h._tie is not None:
            raise ValueError(f"handle {h.id} is already tied to key {h._tie[1]!r}")
        with tie.lock:
            old = tie.table.get(key)
            tie.table[key] = h
            h._tie = (tie, key)
        if old is not None and old is not h:
            old._tie = None
            self.release(old, cause="replaced")
        if h._ended:  # ended before it was bound: the key goes as well
            tie.handle_ended(h)
        return h

    def put(self, wrapped: Any, key: Any, value: Any, ttl: float, **kw: Any) -> Handle:
        """``wrapped[key] = value`` and a handle for ``value`` tied to it (``register``'s
        keyword arguments)."""
        tie = self._tie_of(wrapped)
        with tie.lock:
            old = tie.table.pop(key, None)
        if old is not None:
            old._tie = None
            self.release(old, cause="replaced")
        wrapped[key] = value
        h = self.register(value, ttl, **kw)
        return self.bind(h, wrapped, key)

    # --- leases ------------------------------------------------------------------------------
    def acquire(self, resource_id: str, ttl: float, *, owner: str | None = None,
                level: Level | int = 3, **kw: Any) -> Handle | None:
        """Take the lease on ``resource_id`` from the registry's store for ``ttl`` seconds;
        None if another owner holds it. The handle's resource is the
        :class:`~gomap.lifecycle.leases.Lease` (``handle.lease.token`` is the fencing
        token); its deadline is measured from before the request, so it ends no later
        than the store's lease; renew() renews the lease; the handle's end releases
        it (L3 by default: retried). Taking over a lapsed lease force-releases the
        handle that held it if it lives in this process."""
        if self.store is None:
            raise ValueError("Registry(store=...) is needed for acquire()")
        ttl = _check_ttl(ttl)
        now = self.clock()
        lease = self.store.acquire(resource_id, owner or self.owner, ttl)
        if lease is None:
            return None

        def reclaim(lease: Any) -> None:
            lease.release()

        h = self.register(lease, ttl, kind=kw.pop("kind", "lease"), level=level,
                          reclaim=reclaim, _now=now, **kw)
        h.lease = lease
        with self._lock:
            self._leases[(resource_id, lease.token)] = h
        return h

    def _takeover_seen(self, resource_id: str, previous_owner: str, previous_token: int,
                       new_owner: str, new_token: int) -> None:
        """The store saw a lapsed lease taken over: force-release its handle if ours."""
        with self._lock:
            h = self._leases.get((resource_id, previous_token))
        if h is not None and self.force_release(
                h, f"lease taken over by {new_owner} (token {new_token})"):
            with self._lock:
                self.takeovers += 1

    def __iter__(self) -> Iterator[Handle]:
        return iter(self.handles())

    def __len__(self) -> int:
        return self.active_count + self.pending_count
