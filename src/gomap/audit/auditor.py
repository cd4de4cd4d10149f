"""The pipeline: ``Auditor.emit`` → a bounded buffer → one background writer → sinks.

Accounting (the promise of this module). Every record that :meth:`Auditor.emit` is
called with ends up in exactly one of five counters, and one lock makes every change a
single step, so a :meth:`Auditor.stats` snapshot always satisfies::

    emitted == written + dropped_newest + dropped_oldest + failed + pending

- ``pending``: in the buffer, or taken by the writer and not yet settled;
- ``written``: every sink took it (directly, or its fallback did);
- ``dropped_newest`` / ``dropped_oldest``: the buffer was full and the overflow policy
  the user chose dropped it (the new record, or the oldest waiting one);
- ``failed``: a sink (and its fallback) could not take it, its breaker was open, or it
  was emitted after :meth:`Auditor.close`.

``seq`` is assigned under the same lock, gap-free, so a reader of a sink can count the
missing seqs and find exactly ``dropped_newest + dropped_oldest + failed``.

``durable_seq``: the highest seq such that every record up to it is settled and every
one of them that was written is durable (fsync'd or committed) in every durable sink.
A record dropped or failed below it is counted, never silently missing.

Fork: a forked child starts its auditors afresh (empty buffer, counters at zero, seq
from 0, no writer until its first record, sinks reopened), so it never writes the
records its parent had buffered; the parent writes them. Records carry ``pid``.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import sys
import threading
import time
import weakref
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pybreaker

from gomap.audit.record import NO_KEY, SCHEMA_VERSION, FrameFilter, Redactor, make_redactor
from gomap.audit.sinks import Sink

_log = logging.getLogger("gomap.audit")
_time_ns = time.time_ns
_monotonic_ns = time.monotonic_ns
_current_thread = threading.current_thread

OVERFLOW_POLICIES = ("block", "drop_newest", "drop_oldest")


@dataclass(frozen=True)
class SinkStats:
    """One sink's counts: records it took, records it could not take (``failed``) and,
    of those, how many its fallback took; the breaker's state."""

    name: str
    written: int
    failed: int
    fallback: int
    breaker: str


@dataclass(frozen=True)
class AuditStats:
    """A consistent snapshot of the counters (taken under the auditor's lock)."""

    emitted: int
    written: int
    dropped_newest: int
    dropped_oldest: int
    failed: int
    pending: int
    durable_seq: int
    seq: int
    sinks: tuple[SinkStats, ...] = field(default=())

    @property
    def dropped(self) -> int:
        """``dropped_newest + dropped_oldest``."""
        return self.dropped_newest + self.dropped_oldest

    def check(self) -> None:
        """Raise ``AssertionError`` unless the accounting identity holds."""
        total = (self.written + self.dropped_newest + self.dropped_oldest + self.failed
                 + self.pending)
        if self.emitted != total:
            raise AssertionError(f"invariant failed: emitted {self.emitted} != {total} "
                                 f"(written+dropped+failed+pending) in {self}")


class _SinkSlot:
    """The writer's view of one sink: its breaker and counts (changed under the lock)."""

    __slots__ = ("breaker", "failed", "fallback", "last_ok", "sink", "written")

    def __init__(self, sink: Sink, breaker: Any) -> None:
        self.sink = sink
        self.breaker = breaker
        self.written = 0
        self.failed = 0
        self.fallback = 0
        self.last_ok = 0  # highest seq this sink took


class _BreakerListener(pybreaker.CircuitBreakerListener):
    """pybreaker listener: a state change becomes an audit record (``op: "breaker"``)."""

    def __init__(self, auditor: Auditor, sink_name: str) -> None:
        self._auditor = weakref.ref(auditor)
        self._sink = sink_name

    def state_change(self, cb: Any, old_state: Any, new_state: Any) -> None:
        a = self._auditor()
        if a is not None:
            a._emit_internal("breaker", self._sink, sink=self._sink,
                             **{"from": getattr(old_state, "name", str(old_state)),
                                "to": getattr(new_state, "name", str(new_state))})


class Auditor:
    """A bounded, lossless-by-accounting audit pipeline with one background writer.

    ``sinks``: where records go (:mod:`gomap.audit.sinks`). ``capacity``: the buffer's
    bound. ``overflow``: what :meth:`emit` does when it is full: ``"block"`` (wait for
    room), ``"drop_newest"`` (drop this record), ``"drop_oldest"`` (drop the oldest
    waiting one); each drop is counted. ``batch``: records per sink write.
    ``flush_interval``: the writer's longest wait before writing a partial batch.
    ``frames``: user frames kept in ``caller`` (0: none); ``skip``: more path or module
    prefixes that are not the user's. ``redact``: ``"repr"``, ``"drop"``,
    ``"hash:<salt>"`` or a callable (:mod:`gomap.audit.record`). ``fallback``: a sink
    that gets the batches a sink could not take. ``breaker_fail_max`` consecutive
    failures open a sink's breaker for ``breaker_reset`` seconds. ``sys_audit``: also
    raise ``sys.audit("gomap.delete", map, op, key, found, seq)`` (PEP 578).

    >>> from gomap.audit import Auditor, CallableSink
    >>> got = []
    >>> with Auditor([CallableSink(got.extend)], frames=0) as a:
    ...     a.emit("delete", "k", map="m", found=True)
    1
    >>> [(r["seq"], r["op"], r["key"], r["found"]) for r in got]
    [(1, 'delete', "'k'", True)]
    """

    def __init__(self, sinks: Iterable[Sink] = (), *, capacity: int = 65536,
                 overflow: str = "block", batch: int = 512, flush_interval: float = 0.2,
                 frames: int = 1, skip: Iterable[str] = (),
                 redact: str | Redactor | None = "repr", fallback: Sink | None = None,
                 breaker_fail_max: int = 5, breaker_reset: float = 30.0,
                 sys_audit: bool = False) -> None:
        if overflow not in OVERFLOW_POLICIES:
            raise ValueError(f"overflow must be one of {', '.join(OVERFLOW_POLICIES)}, "
                             f"got {overflow!r}")
        if not isinstance(capacity, int) or capacity < 1:
            raise ValueError(f"capacity must be an int >= 1, got {capacity!r}")
        if not isinstance(batch, int) or batch < 1:
            raise ValueError(f"batch must be an int >= 1, got {batch!r}")
        if flush_interval <= 0:
            raise ValueError(f"flush_interval must be > 0 seconds, got {flush_interval!r}")
        sinks = list(sinks)
        for s in [*sinks, *([fallback] if fallback is not None else [])]:
            if not isinstance(s, Sink):
                raise TypeError(f"a sink must be a gomap.audit.Sink (wrap a function in "
                                f"CallableSink), not {type(s).__name__}")
        self.capacity = capacity
        self.overflow = overflow
        self.batch = batch
        self.flush_interval = float(flush_interval)
        self.frames = FrameFilter(frames, skip)
        self.redact: Redactor = make_redactor(redact)
        self.sys_audit = sys_audit
        self.fallback = fallback
        self._breaker_args = (breaker_fail_max, breaker_reset)
        self._slots = [_SinkSlot(s, self._new_breaker(s)) for s in sinks]
        self._init_state()
        _live.add(self)

    def _new_breaker(self, sink: Sink) -> pybreaker.CircuitBreaker:
        fail_max, reset = self._breaker_args
        return pybreaker.CircuitBreaker(fail_max=fail_max, reset_timeout=reset, name=sink.name,
                                        listeners=[_BreakerListener(self, sink.name)])

    # --- state (also what a forked child starts from) ----------------------------------
    def _init_state(self) -> None:
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)      # the writer waits here
        self._progress = threading.Condition(self._lock)  # flush() and blocked emits
        self._buf: deque[dict[str, Any]] = deque()
        self._seq = 0
        self._emitted = 0
        self._written = 0
        self._dropped_newest = 0
        self._dropped_oldest = 0
        self._failed = 0
        self._in_flight: list[dict[str, Any]] = []
        self._durable = 0
        self._flush_req = 0   # flush() calls so far (tickets)
        self._flush_done = 0  # the writer has written and synced for tickets up to this
        self._flush_target = 0  # the seq the newest flush() waits for
        self._closing = False
        self._closed = False
        self._writer: threading.Thread | None = None
        self._writer_ident: int | None = None
        self._writer_idle = False  # waiting for a batch: the emit that fills one wakes it
        self._fallback_last_ok = 0  # the highest seq the fallback sink took
        self._pid = os.getpid()

    # --- emit ------------------------------------------------------------------------------
    def emit(self, op: str, key: Any, *, map: str | None, found: bool,
             source: str = "python", caller: list[dict[str, Any]] | None = None,
             thread: dict[str, Any] | None = None, pid: int | None = None,
             ts: int | None = None, mono: int | None = None, **fields: Any) -> int:
        """Record one operation; returns the record's ``seq``.

        Never raises because of a sink; blocks only under ``overflow="block"`` while
        the buffer is full. ``key`` goes through the redaction policy; ``caller`` is
        computed from the Python stack when it is ``None`` and ``source`` is
        ``"python"``; ``**fields`` are kept as they are."""
        if caller is None and source == "python":
            caller = self.frames.caller(1)
        if thread is None:
            t = _current_thread()
            thread = t.__dict__.get("_gomap_audit_thread")
            if thread is None or thread["name"] != t.name:  # one dict per thread, shared
                thread = t.__dict__["_gomap_audit_thread"] = {"id": t.ident, "name": t.name}
        rec: dict[str, Any] = {
            "v": SCHEMA_VERSION, "seq": 0, "ts": ts, "mono": mono, "source": source,
            "map": map, "op": op, "key": None if key is NO_KEY else self.redact(key),
            "found": bool(found),
            "thread": thread, "pid": self._pid if pid is None else pid, "caller": caller}
        if fields:
            rec.update(fields)
        with self._lock:
            buf = self._buf
            if len(buf) < self.capacity and not self._closing and self._writer is not None:
                # The common case, inlined from _enqueue: room, open, writer running.
                self._seq = seq = self._seq + 1
                rec["seq"] = seq
                if ts is None:
                    rec["ts"] = _time_ns()
                if mono is None:
                    rec["mono"] = _monotonic_ns()
                self._emitted += 1
                buf.append(rec)
                if self._writer_idle and len(buf) >= self.batch:
                    self._writer_idle = False
                    self._wake.notify()
                fast = True
            else:
                fast = False
        if not fast:
            seq = self._enqueue(rec, internal=False)
        if self.sys_audit:
            sys.audit("gomap.delete", map, op, rec["key"], rec["found"], seq)
        return seq

    def _enqueue(self, rec: dict[str, Any], internal: bool) -> int:
        with self._lock:
            buf = self._buf
            if len(buf) >= self.capacity and not internal and not self._closing:
                policy = self.overflow
                if policy == "drop_newest":
                    self._seq += 1
                    self._emitted += 1
                    self._dropped_newest += 1
                    return self._seq
                if policy == "drop_oldest":
                    buf.popleft()
                    self._dropped_oldest += 1
                elif threading.get_ident() != self._writer_ident:  # block
                    self._ensure_writer()
                    while len(buf) >= self.capacity and not self._closing:
                        self._progress.wait()
            self._seq += 1
            seq = rec["seq"] = self._seq
            if rec["ts"] is None:
                rec["ts"] = time.time_ns()
            if rec["mono"] is None:
                rec["mono"] = time.monotonic_ns()
            self._emitted += 1
            if (self._closing and not internal) or self._closed:  # after close(): counted
                self._failed += 1
                return seq
            buf.append(rec)
            if self._writer is None:
                self._ensure_writer()
            if self._writer_idle and len(buf) >= self.batch:
                self._writer_idle = False
                self._wake.notify()
            return seq

    def _emit_internal(self, op: str, key: Any, **fields: Any) -> int:
        """A record of the pipeline itself (a breaker's state change, a hook's error):
        never blocked, never dropped by the overflow policy."""
        rec: dict[str, Any] = {
            "v": SCHEMA_VERSION, "seq": 0, "ts": None, "mono": None, "source": "gomap",
            "map": None, "op": op, "key": key, "found": False,
            "thread": {"id": threading.get_ident(), "name": threading.current_thread().name},
            "pid": self._pid, "caller": []}
        rec.update(fields)
        return self._enqueue(rec, internal=True)

    # --- the writer --------------------------------------------------------------------------
    def _ensure_writer(self) -> None:
        """Start the writer (lock held)."""
        if self._writer is None and not self._closed:
            t = threading.Thread(target=self._run, name="gomap-audit-writer", daemon=True)
            self._writer = t
            t.start()
            self._writer_ident = t.ident

    def _run(self) -> None:
        lock = self._lock
        while True:
            with lock:
                idle = self._flush_req == self._flush_done and not self._closing
                if not self._buf and idle:
                    self._writer_idle = True
                    self._wake.wait(self.flush_interval)
                if self._buf and len(self._buf) < self.batch and (
                        self._flush_req == self._flush_done and not self._closing):
                    self._writer_idle = True
                    self._wake.wait(self.flush_interval)  # gather a fuller batch
                self._writer_idle = False
                n = min(self.batch, len(self._buf))
                take = [self._buf.popleft() for _ in range(n)]
                self._in_flight = take
                if take:
                    self._progress.notify_all()  # room in the buffer
                flushing, target = self._flush_req, self._flush_target
                closing = self._closing
            if take:
                self._deliver(take)
            with lock:
                # A flush is served once every record up to its target has left the
                # buffer (later records need not: producers may never pause).
                covered = not self._buf or self._buf[0]["seq"] > target
                serve = flushing > self._flush_done and covered
                drained = not self._buf
            if serve or (closing and drained):
                self._sync_all()
            else:
                self._poll_all()
            with lock:
                if serve:
                    self._flush_done = flushing
                self._durable = max(self._durable, self._durable_locked())
                self._progress.notify_all()
                if closing and not self._buf:
                    self._closed = True
                    self._progress.notify_all()
                    return

    def _deliver(self, batch: list[dict[str, Any]]) -> None:
        """Give ``batch`` to every sink (outside the lock), then settle its records."""
        last = batch[-1]["seq"]
        ok_all = True
        results: list[tuple[_SinkSlot, bool, bool]] = []
        for slot in self._slots:
            ok = self._call(slot, batch)
            via_fallback = False
            if not ok and self.fallback is not None:
                via_fallback = self._fallback(batch)
            results.append((slot, ok, via_fallback))
            if not ok and not via_fallback:
                ok_all = False
        n = len(batch)
        with self._lock:
            if any(fb for _, _, fb in results):
                self._fallback_last_ok = last
            for slot, ok, via_fallback in results:
                if ok:
                    slot.written += n
                    slot.last_ok = last
                else:
                    slot.failed += n
                    if via_fallback:
                        slot.fallback += n
            if ok_all:
                self._written += n
            else:
                self._failed += n
            self._in_flight = []  # settled: out of pending in the same step

    def _call(self, slot: _SinkSlot, batch: list[dict[str, Any]]) -> bool:
        try:
            slot.breaker.call(slot.sink.write, batch)
            return True
        except Exception as exc:
            if type(exc).__name__ != "CircuitBreakerError":
                _log.warning("audit sink %s failed a batch of %d: %r", slot.sink.name,
                             len(batch), exc)
            return False

    def _fallback(self, batch: list[dict[str, Any]]) -> bool:
        assert self.fallback is not None
        try:
            self.fallback.write(batch)
            return True
        except Exception as exc:
            _log.warning("audit fallback sink %s failed: %r", self.fallback.name, exc)
            return False

    def _sync_all(self) -> None:
        for s in self._sinks_and_fallback():
            try:
                s.sync()
            except Exception as exc:
                _log.warning("audit sink %s failed to sync: %r", s.name, exc)

    def _poll_all(self) -> None:
        now = time.monotonic()
        for s in self._sinks_and_fallback():
            try:
                s.poll(now)
            except Exception as exc:
                _log.warning("audit sink %s failed to sync: %r", s.name, exc)

    def _sinks_and_fallback(self) -> list[Sink]:
        out = [slot.sink for slot in self._slots]
        if self.fallback is not None:
            out.append(self.fallback)
        return out

    def _durable_locked(self) -> int:
        """The durable watermark now (lock held); see the module docstring."""
        if self._in_flight:
            horizon = self._in_flight[0]["seq"] - 1
        elif self._buf:
            horizon = self._buf[0]["seq"] - 1
        else:
            horizon = self._seq
        for slot in self._slots:
            s = slot.sink
            if s.durable and s.synced_seq < slot.last_ok:
                horizon = min(horizon, s.synced_seq)
        fb = self.fallback
        if fb is not None and fb.durable and fb.synced_seq < self._fallback_last_ok:
            horizon = min(horizon, fb.synced_seq)
        return max(self._durable, horizon)

    # --- the user's calls ---------------------------------------------------------------------
    def stats(self) -> AuditStats:
        """A consistent snapshot of the counters (one lock acquisition)."""
        with self._lock:
            self._durable = self._durable_locked()
            sinks = tuple(SinkStats(sl.sink.name, sl.written, sl.failed, sl.fallback,
                                    str(sl.breaker.current_state))
                          for sl in self._slots)
            return AuditStats(
                emitted=self._emitted, written=self._written,
                dropped_newest=self._dropped_newest, dropped_oldest=self._dropped_oldest,
                failed=self._failed, pending=len(self._buf) + len(self._in_flight),
                durable_seq=self._durable, seq=self._seq, sinks=sinks)

    def flush(self, timeout: float | None = None) -> int:
        """Write every record emitted so far, make it durable, and return
        ``durable_seq`` (which may stay below the last seq if ``timeout`` seconds
        pass first, for instance behind a hanging sink)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._lock:
            if self._writer is None or self._closed:
                self._durable = self._durable_locked()
                return self._durable
            self._flush_req += 1
            ticket = self._flush_req
            self._flush_target = self._seq
            self._wake.notify()
            while True:
                self._durable = self._durable_locked()
                if self._flush_done >= ticket or self._closed or not (
                        self._writer is not None and self._writer.is_alive()):
                    return self._durable
                if deadline is None:
                    self._progress.wait(1.0)
                else:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        return self._durable
                    self._progress.wait(left)

    def close(self, timeout: float | None = None) -> int:
        """Flush, stop the writer, close the sinks; returns ``durable_seq``. A record
        emitted afterwards is counted ``failed``."""
        with self._lock:
            if self._closed and self._writer is None:
                return self._durable
            self._closing = True
            self._wake.notify()
            writer = self._writer
        if writer is not None and writer is not threading.current_thread():
            writer.join(timeout)
        with self._lock:
            self._closed = True
            self._writer = None
            self._progress.notify_all()
        for s in self._sinks_and_fallback():
            try:
                s.close()
            except Exception as exc:
                _log.warning("audit sink %s failed to close: %r", s.name, exc)
        _live.discard(self)
        with self._lock:
            return self._durable_locked()

    def __enter__(self) -> Auditor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        s = self.stats()
        return (f"Auditor(sinks={[sl.sink.name for sl in self._slots]}, "
                f"overflow={self.overflow!r}, emitted={s.emitted}, pending={s.pending}, "
                f"durable_seq={s.durable_seq})")

    # --- fork ------------------------------------------------------------------------------
    def _after_fork_child(self) -> None:
        self._init_state()
        for s in self._sinks_and_fallback():
            s.after_fork_child()
        for slot in self._slots:
            slot.written = slot.failed = slot.fallback = slot.last_ok = 0
            # pybreaker holds its lock during a sink call: the parent's writer may have
            # held it at the fork, and that thread does not exist here.
            slot.breaker = self._new_breaker(slot.sink)


_live: weakref.WeakSet[Auditor] = weakref.WeakSet()


_held: list[threading.Lock] = []


def _before_fork() -> None:
    # No auditor is mid-change while the process is copied.
    for a in list(_live):
        a._lock.acquire()
        _held.append(a._lock)


def _after_fork_parent() -> None:
    while _held:
        _held.pop().release()


def _after_fork_child() -> None:
    _held.clear()
    for a in list(_live):
        a._after_fork_child()


os.register_at_fork(before=_before_fork, after_in_parent=_after_fork_parent,
                    after_in_child=_after_fork_child)


def _close_all_at_exit() -> None:
    for a in list(_live):
        with contextlib.suppress(Exception):  # never fail the interpreter's exit
            a.close(timeout=5.0)


atexit.register(_close_all_at_exit)


def live_auditors() -> Sequence[Auditor]:
    """The auditors not yet closed (for diagnostics)."""
    return list(_live)


HookFn = Callable[[Any], Any]
