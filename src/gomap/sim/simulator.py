"""The simulator: a workload through an accounted engine, with a bounded record of
what happened.

:func:`simulate` runs operations (from a built-in pattern or an ops file) on one
map of the given Go key/value types and returns a :class:`SimReport`: final and
peak bytes (live and cumulative allocated, byte-exact with the Go runtime — see
:mod:`gomap.memory`), entries against capacity, load, tombstones, overflow buckets,
each growth with the operation at which it started and ended, a sampled timeline
(at most ``samples`` points, so memory stays bounded on any run length) and the
"never shrinks" account: the bytes the map holds now against a map rebuilt with
``make(map[K]V, len(m))`` and filled with the same entries.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from gomap.engines import EngineSpec, get_engine
from gomap.hashing import DefaultHasher, Hasher, Rand, default_rand
from gomap.layout.maplayout import MapLayout, map_layout
from gomap.memory import AccountedEngine, accounted_engine
from gomap.ops import CLONE, MAKE, REBUILD, SET, Op, Replayer
from gomap.versions import GoBehaviour, go_behaviour

MAX_EVENTS = 2000
"""Growth events kept in a report (later ones are counted, not listed)."""


@dataclass
class SimReport:
    """Everything :func:`simulate` found out; :meth:`as_dict` is the ``--json`` report."""

    impl: str
    key: str
    value: str
    workload: str
    ops: int = 0
    go: str = ""
    """The Go release modelled (``1.27.3``)."""
    hint: int = 0
    seed: int = 1
    live_bytes: int = 0
    allocated_bytes: int = 0
    allocations: int = 0
    peak_live_bytes: int = 0
    peak_op: int = 0
    scan_bytes: int = 0
    """The GC's scan work for the map per cycle now (:attr:`MemoryStats.scan_bytes`)."""
    entries: int = 0
    max_entries: int = 0
    capacity: int = 0
    load: float = 0.0
    tombstones: int | None = None
    overflow_buckets: int | None = None
    breakdown: dict[str, int] = field(default_factory=dict)
    shape: dict[str, Any] = field(default_factory=dict)
    events: list[dict[str, Any]] = field(default_factory=list)
    event_counts: dict[str, int] = field(default_factory=dict)
    events_dropped: int = 0
    timeline: list[dict[str, Any]] = field(default_factory=list)
    rebuild: dict[str, Any] | None = None
    layout: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0
    backend: str = "python"
    """The engine's backend: ``native`` (C) or ``python`` (the reference)."""
    partial: bool = False
    """The run was interrupted (Ctrl-C): the figures are the map's after ``ops``
    operations, not the workload's end."""

    def as_dict(self) -> dict[str, Any]:
        return {
            "impl": self.impl,
            "go": self.go,
            "key": self.key,
            "value": self.value,
            "workload": self.workload,
            "ops": self.ops,
            "hint": self.hint,
            "seed": self.seed,
            "live_bytes": self.live_bytes,
            "allocated_bytes": self.allocated_bytes,
            "allocations": self.allocations,
            "peak_live_bytes": self.peak_live_bytes,
            "peak_op": self.peak_op,
            "scan_bytes": self.scan_bytes,
            "entries": self.entries,
            "max_entries": self.max_entries,
            "capacity": self.capacity,
            "load": round(self.load, 6),
            "tombstones": self.tombstones,
            "overflow_buckets": self.overflow_buckets,
            "breakdown": dict(self.breakdown),
            "shape": dict(self.shape),
            "events": list(self.events),
            "event_counts": dict(self.event_counts),
            "events_dropped": self.events_dropped,
            "timeline": list(self.timeline),
            "rebuild": self.rebuild,
            "layout": self.layout,
            "seconds": round(self.seconds, 3),
            "backend": self.backend,
            **({"partial": True} if self.partial else {}),
        }


class SimulationInterrupted(KeyboardInterrupt):
    """Ctrl-C during :func:`simulate`: ``report`` holds the figures of the operations
    done so far (``report.partial`` is set; no rebuild account)."""

    def __init__(self, report: SimReport) -> None:
        super().__init__(f"interrupted after {report.ops:,} operations")
        self.report = report


class _Recorder:
    """Growth events with the op numbers they started and ended at (a subscriber of
    :attr:`events_wanted` only). The op number is ``op``, or the engine's own ``op``
    while the native engine runs the loop (``clock``)."""

    def __init__(self, spec: EngineSpec) -> None:
        self.spec = spec
        self.op = 0
        self.clock: Any = None
        self.events_wanted = frozenset(
            e for e in (*spec.growth_labels, spec.growth_end, "clear") if e)
        self.events: list[dict[str, Any]] = []
        self.counts: dict[str, int] = {}
        self.dropped = 0
        self.open: dict[str, Any] | None = None

    def __call__(self, event: str, d: dict[str, Any]) -> None:
        if self.clock is not None:
            self.op = self.clock.op
        kind = self.spec.growth_label(event, d)
        if kind is not None:
            ev = self._add(kind, d)
            if self.spec.growth_end:
                ev["end_op"] = None
                self.open = ev
        elif self.open is not None:
            if event == self.spec.growth_end:
                self.open["end_op"] = self.op
                self.open = None
            elif event == "clear":  # clear drops the old buckets: the growth ends here
                self.open["end_op"] = self.op
                self.open["ended_by"] = "clear"
                self.open = None

    def _add(self, kind: str, d: dict[str, Any]) -> dict[str, Any]:
        self.counts[kind] = self.counts.get(kind, 0) + 1
        ev = {"kind": kind, "start_op": self.op, "end_op": self.op}
        ev.update({k: v for k, v in d.items() if isinstance(v, (int, float, str, bool))})
        if len(self.events) < MAX_EVENTS:
            self.events.append(ev)
        else:
            self.dropped += 1
        return ev


def _figures(eng: AccountedEngine, deep: bool = False) -> dict[str, Any]:
    """Shape figures from the engine's :meth:`stats` (O(1), or O(tables) for Swiss)."""
    st = eng.stats(deep)
    out: dict[str, Any] = {"entries": st.entries, "capacity": st.capacity,
                           "overflow_buckets": st.overflow_buckets,
                           "tombstones": st.tombstones, "growing": st.growing}
    out.update(st.shape)
    return out


def _new_engine(impl: str, hint: int, layout: MapLayout, hasher: Hasher, rand: Rand,
                go: GoBehaviour | None = None) -> AccountedEngine:
    return accounted_engine(impl, hint, layout, hasher=hasher, rand=rand,
                            go=go_behaviour(go, impl), unbox_int_keys=True)


def simulate(
    impl: str,
    key_type: str,
    value_type: str,
    ops: Iterable[Op],
    *,
    total: int | None = None,
    workload: str = "",
    seed: int = 1,
    hasher: Hasher | None = None,
    rand: Rand | None = None,
    samples: int = 1000,
    progress: Callable[[int], None] | None = None,
    rebuild: bool = True,
    go: str | GoBehaviour | None = None,
) -> SimReport:
    """Run ``ops`` on a ``map[key_type]value_type`` of engine ``impl`` as Go ``go``
    builds it (a release such as ``"1.24"``, or a :class:`~gomap.versions.GoBehaviour`;
    default: the engine's pinned release).

    ``ops`` may start with ``(MAKE, hint)``. ``total`` (the number of operations,
    if known) sets the timeline's sampling stride; ``samples`` caps its length.
    ``seed`` seeds the map's hashing and random draws (``hasher``/``rand`` replace
    them, e.g. with a real runtime's). ``progress(done)`` is called every 4096 ops.
    """
    t0 = time.perf_counter()
    release = go_behaviour(go, impl)
    layout = map_layout(key_type, value_type)
    if rand is None:
        rand = default_rand(seed)
    if hasher is None:
        hasher = DefaultHasher(rand, stable=True)
    it: Iterator[Op] = iter(ops)
    first = next(it, None)
    hint = 0
    pending: list[Op] = []
    if first is not None:
        if first[0] == MAKE:
            hint = int(first[1])
        else:
            pending.append(first)
    eng = _new_engine(impl, hint, layout, hasher, rand, release)
    rep = SimReport(impl, layout.key.expr, layout.elem.expr, workload, hint=hint, seed=seed,
                    layout=layout.describe(), go=release.release)
    spec = get_engine(impl)
    spec.release_layout(rep.layout, release)
    rep.backend = getattr(eng.engine, "backend", "python")
    rec = _Recorder(spec)
    eng.subscribe(rec, rec.events_wanted)
    raw, cnt = eng.engine, spec.count_attr
    acct = eng.acct
    stride = max(1, (total or 0) // max(1, samples)) if total else 1024
    timeline: list[dict[str, Any]] = []

    native_sample = getattr(raw, "_sample", None) if getattr(acct, "native", False) else None

    # clone / rebuild replace the map: the allocations of the maps dropped so far.
    dropped_alloc = dropped_allocs = 0

    def sample(op: int) -> None:
        nonlocal stride
        if native_sample is not None:  # the same point, built in C
            point = native_sample(op)
            if dropped_alloc:
                point["allocated_bytes"] += dropped_alloc
            timeline.append(point)
        else:
            f = _figures(eng)
            timeline.append({"op": op, "live_bytes": acct.live,
                             "allocated_bytes": dropped_alloc + acct.allocated,
                             "entries": f["entries"],
                             "capacity": f["capacity"], "tombstones": f["tombstones"],
                             "overflow_buckets": f["overflow_buckets"],
                             "growing": f["growing"]})
        if len(timeline) >= 2 * samples:  # unknown length: thin out, double the stride
            del timeline[1::2]
            stride *= 2

    sample(0)
    peak, peak_op, max_entries = acct.live, 0, 0
    next_sample = stride
    i = 0
    chain: Iterable[Op] = pending if pending else ()
    replayer = Replayer(engine=eng)
    apply = replayer.apply
    native_loop = getattr(raw, "_replay", None) if getattr(acct, "native", False) else None

    def replace(op: Op) -> None:
        """clone / rebuild: the new map takes over (both are live during the copy)."""
        nonlocal eng, raw, acct, native_loop, native_sample, dropped_alloc, dropped_allocs
        nonlocal peak, peak_op
        old = eng
        apply(op)
        eng = replayer.engine
        old_acct = old.acct
        both = old_acct.live + eng.acct.live
        if both > peak:
            peak, peak_op = both, i
        dropped_alloc += old_acct.allocated
        dropped_allocs += old_acct.allocations
        old.unsubscribe(rec)
        eng.subscribe(rec, rec.events_wanted)
        raw, acct = eng.engine, eng.acct
        native = getattr(acct, "native", False)
        native_loop = getattr(raw, "_replay", None) if native else None
        native_sample = getattr(raw, "_sample", None) if native else None

    def step(op: Op) -> None:
        nonlocal i, peak, peak_op, max_entries
        i += 1
        rec.op = i
        code = op[0]
        if code == MAKE:
            raise ValueError(f"op #{i}: make may only be the first operation")
        if code in (CLONE, REBUILD):
            replace(op)
            return
        apply(op)  # a SET without an elem stores None: values cost nothing here
        if code == SET:
            n = getattr(raw, cnt)
            if n > max_entries:
                max_entries = n
        if acct.live > peak:
            peak, peak_op = acct.live, i

    interrupted = False
    try:
        for src in (iter(chain), it):
            if native_loop is not None:
                # The loop in C: it stops at each sample and progress point, and before
                # an op it leaves to Python (iterators, a misplaced make).
                rec.clock = raw
                while True:
                    stop = next_sample if progress is None else min(next_sample, (i | 4095) + 1)
                    before = i
                    i, op, ended, peak, peak_op, max_entries = native_loop(
                        src, i, stop, peak, peak_op, max_entries)
                    if op is not None:
                        rec.clock = None
                        step(op)
                        rec.clock = raw
                    if i >= next_sample:
                        sample(i)
                        next_sample = i + stride
                    if progress is not None and i != before and not i & 4095:
                        progress(i)
                    if ended:
                        break
                rec.clock = None
                continue
            for op in src:
                step(op)
                if i >= next_sample:
                    sample(i)
                    next_sample = i + stride
                if progress is not None and not i & 4095:
                    progress(i)
    except KeyboardInterrupt:
        # Ctrl-C: report what the map is after the operations done so far. In the
        # native loop, the engine's own counter knows how far it got.
        interrupted = True
        rec.clock = None
        if native_loop is not None:  # the C loop's own figures since it last returned
            i = max(i, getattr(raw, "op", 0))
            max_entries = max(max_entries, getattr(raw, cnt))
        if acct.live > peak:
            peak, peak_op = acct.live, i
    if not timeline or timeline[-1]["op"] != i:
        sample(i)
    if progress is not None:
        progress(i)
    rep.ops = i
    st = eng.memory()
    rep.live_bytes, rep.allocated_bytes, rep.allocations = st.live_bytes, \
        dropped_alloc + st.allocated_bytes, dropped_allocs + st.allocations
    rep.peak_live_bytes, rep.peak_op = peak, peak_op
    rep.scan_bytes = st.scan_bytes
    rep.breakdown = st.live
    f = _figures(eng, deep=True)
    rep.entries, rep.capacity, rep.max_entries = f["entries"], f["capacity"], max_entries
    rep.load = rep.entries / rep.capacity if rep.capacity else 0.0
    rep.overflow_buckets = f["overflow_buckets"]
    rep.tombstones = f["tombstones"]
    rep.shape = {k: v for k, v in f.items() if k not in ("entries", "capacity")}
    rep.events, rep.event_counts, rep.events_dropped = rec.events, rec.counts, rec.dropped
    rep.timeline = timeline
    if interrupted:
        rep.partial = True
        rep.seconds = time.perf_counter() - t0
        raise SimulationInterrupted(rep)
    if rebuild:
        rep.rebuild = rebuild_account(impl, layout, eng, hasher, rand, st.live_bytes,
                                      max_entries)
    rep.seconds = time.perf_counter() - t0
    return rep


REBUILD_MIN_RATIO = 1.25
"""A map holding less than this many times a rebuilt one's bytes is "about as small"."""
REBUILD_MIN_SAVING = 64 * 1024
"""A rebuild that saves no more than this many bytes is not worth a copy."""


def rebuild_advice(live_now: int, rebuilt: int, entries: int, max_entries: int | None,
                   copy: str, growing: bool = False) -> str:
    """The "never shrinks" advice, from the figures only: the map's live bytes now,
    a rebuilt map's (``make(map, entries)`` + copy), its entries now and at most
    (None: unknown), the Go code of the copy, and whether an incremental growth is
    still in progress. Every sentence follows from them."""
    ratio = live_now / rebuilt if rebuilt else float("inf")
    saving = live_now - rebuilt
    if entries == 0:
        if live_now > 1024:
            return (f"The map is empty but still holds {live_now:,} bytes: a Go map never "
                    f"shrinks. Drop it (m = nil) or replace it with a new map.")
        return "The map is empty and small: nothing to gain by replacing it."
    if ratio < REBUILD_MIN_RATIO:
        return (f"The map is about as small as a rebuilt one would be ({ratio:.2f}x its "
                f"{rebuilt:,} bytes): nothing to gain by copying it.")
    if saving <= REBUILD_MIN_SAVING:
        return (f"The map holds {ratio:.2f}x what a rebuilt one would ({live_now:,} bytes "
                f"against {rebuilt:,}), but a copy would save only {saving:,} bytes: not "
                f"worth it.")
    head = (f"The map holds {ratio:.2f}x the memory it needs ({live_now:,} bytes where a "
            f"map rebuilt at {entries:,} entries takes {rebuilt:,})")
    if max_entries is not None and max_entries < entries * REBUILD_MIN_RATIO and growing:
        return (f"{head}, but it is in the middle of a growth: Go keeps the old buckets "
                f"until later writes have evacuated them all, and then they are freed. "
                f"No need to copy it.")
    if max_entries is not None and max_entries < entries * REBUILD_MIN_RATIO:
        # It never held many more entries than now: deletes did not leave it oversized.
        return (f"{head}, though it never held more than {max_entries:,} entries: the "
                f"extra is not room left by deleted entries but what it grew to under "
                f"deletes and inserts (tombstones, overflow buckets, growths they "
                f"caused). A copy saves {saving:,} bytes until the same churn grows it "
                f"again: {copy}")
    held = f" after holding {max_entries:,} entries" if max_entries is not None else ""
    return (f"{head}{held}: a Go map never shrinks — deleting frees no buckets or groups. "
            f"If it stays this small, rebuild it: {copy}")


def rebuild_account(impl: str, layout: MapLayout, eng: AccountedEngine, hasher: Hasher,
                    rand: Rand, live_now: int, max_entries: int | None = None
                    ) -> dict[str, Any]:
    """The "never shrinks" account: the map now against ``make(map, len(m))`` + copy;
    the advice is :func:`rebuild_advice`'s."""
    n = len(eng)
    # The ops' REBUILD (what the memory oracle checks against Go), counted rather than
    # copied where the native engine can (AccountedEngine.rebuilt_memory).
    st, capacity = eng.rebuilt_memory()
    rebuilt = st.live_bytes
    saving = live_now - rebuilt
    ratio = live_now / rebuilt if rebuilt else float("inf")
    k, v = layout.key.expr, layout.elem.expr
    copy = (f"m2 := make(map[{k}]{v}, len(m)); for k, v := range m {{ m2[k] = v }}; m = m2")
    growing = bool(eng.engine.stats().growing)
    advice = rebuild_advice(live_now, rebuilt, n, max_entries, copy, growing)
    return {"entries": n, "live_bytes": rebuilt, "allocated_bytes": st.allocated_bytes,
            "scan_bytes": st.scan_bytes,
            "capacity": capacity, "saving_bytes": saving,
            "ratio": round(ratio, 4) if rebuilt else None, "advice": advice, "copy": copy}


def seed_spread(reports: list[SimReport]) -> dict[str, Any]:
    """min / median / max of the figures that depend on the hash seed."""
    import statistics  # (--seeds only: start-up)

    out: dict[str, Any] = {"seeds": [r.seed for r in reports]}
    for name in ("live_bytes", "peak_live_bytes", "allocated_bytes", "overflow_buckets",
                 "tombstones"):
        vals = [getattr(r, name) for r in reports if getattr(r, name) is not None]
        if vals:
            out[name] = {"min": min(vals), "median": statistics.median(vals), "max": max(vals)}
    return out
