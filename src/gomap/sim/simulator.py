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

import itertools
import operator
import statistics
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from gomap.engines import EngineSpec, get_engine
from gomap.hashing import DefaultHasher, Hasher, Rand, default_rand
from gomap.layout.maplayout import HMAP_CLEARSEQ_SIZE, MapLayout, map_layout
from gomap.memory import AccountedEngine, accounted_engine
from gomap.ops import MAKE, SET, Op, Replayer
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
        }


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
                            go=go_behaviour(go, impl))


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
    if impl == "classic" and release.hmap_clear_seq:
        rep.layout["classic"]["hmap_size"] = HMAP_CLEARSEQ_SIZE  # + clearSeq (Go 1.24+)
    rep.backend = getattr(eng.engine, "backend", "python")
    spec = get_engine(impl)
    rec = _Recorder(spec)
    eng.subscribe(rec, rec.events_wanted)
    raw, cnt = eng.engine, spec.count_attr
    acct = eng.acct
    stride = max(1, (total or 0) // max(1, samples)) if total else 1024
    timeline: list[dict[str, Any]] = []

    native_sample = getattr(raw, "_sample", None) if getattr(acct, "native", False) else None

    def sample(op: int) -> None:
        nonlocal stride
        if native_sample is not None:  # the same point, built in C
            timeline.append(native_sample(op))
        else:
            f = _figures(eng)
            timeline.append({"op": op, "live_bytes": acct.live,
                             "allocated_bytes": acct.allocated, "entries": f["entries"],
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
    apply = Replayer(engine=eng).apply

    def step(op: Op) -> None:
        nonlocal i, peak, peak_op, max_entries
        i += 1
        rec.op = i
        code = op[0]
        if code == MAKE:
            raise ValueError(f"op #{i}: make may only be the first operation")
        apply(op)  # a SET without an elem stores None: values cost nothing here
        if code == SET:
            n = getattr(raw, cnt)
            if n > max_entries:
                max_entries = n
        if acct.live > peak:
            peak, peak_op = acct.live, i

    native_loop = getattr(raw, "_replay", None) if getattr(acct, "native", False) else None
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
    if not timeline or timeline[-1]["op"] != i:
        sample(i)
    if progress is not None:
        progress(i)
    rep.ops = i
    st = eng.memory()
    rep.live_bytes, rep.allocated_bytes, rep.allocations = st.live_bytes, st.allocated_bytes, \
        st.allocations
    rep.peak_live_bytes, rep.peak_op = peak, peak_op
    rep.breakdown = st.live
    f = _figures(eng, deep=True)
    rep.entries, rep.capacity, rep.max_entries = f["entries"], f["capacity"], max_entries
    rep.load = rep.entries / rep.capacity if rep.capacity else 0.0
    rep.overflow_buckets = f["overflow_buckets"]
    rep.tombstones = f["tombstones"]
    rep.shape = {k: v for k, v in f.items() if k not in ("entries", "capacity")}
    rep.events, rep.event_counts, rep.events_dropped = rec.events, rec.counts, rec.dropped
    rep.timeline = timeline
    if rebuild:
        rep.rebuild = rebuild_account(impl, layout, eng, hasher, rand, st.live_bytes)
    rep.seconds = time.perf_counter() - t0
    return rep


def rebuild_account(impl: str, layout: MapLayout, eng: AccountedEngine, hasher: Hasher,
                    rand: Rand, live_now: int) -> dict[str, Any]:
    """The "never shrinks" account: the map now against ``make(map, len(m))`` + copy."""
    n = len(eng)
    fresh = _new_engine(impl, n, layout, hasher, rand, getattr(eng.engine, "go", None))
    it = eng.engine.iterator()
    native_loop = getattr(fresh.engine, "_replay", None) \
        if getattr(fresh.acct, "native", False) else None
    if native_loop is not None and hasattr(it, "__next__"):
        # The copy in C: the iterator's (k, e) pairs become (SET, k, e) ops for the loop.
        ops = map(operator.add, itertools.repeat((SET,)), it)
        done = native_loop(ops, 0, n + 1, 0, 0, 0)
        if done[1] is not None or not done[2]:
            raise RuntimeError(f"rebuild: the native copy stopped at {done[:2]!r}")
    else:
        while (kv := it.next()) is not None:
            fresh.assign(kv[0], kv[1])
    st = fresh.memory()
    rebuilt = st.live_bytes
    saving = live_now - rebuilt
    ratio = live_now / rebuilt if rebuilt else float("inf")
    k, v = layout.key.expr, layout.elem.expr
    copy = (f"m2 := make(map[{k}]{v}, len(m)); for k, v := range m {{ m2[k] = v }}; m = m2")
    if n == 0 and live_now > 1024:
        advice = (f"The map is empty but still holds {live_now:,} bytes: a Go map never "
                  f"shrinks. Drop it (m = nil) or replace it with a new map.")
    elif saving > 64 * 1024 and ratio >= 1.25:
        advice = (f"The map holds {ratio:.1f}x the memory it needs ({live_now:,} bytes where a "
                  f"map rebuilt at {n:,} entries takes {rebuilt:,}): a Go map never shrinks — "
                  f"deleting frees no buckets or groups. If it stays this small, rebuild it: "
                  f"{copy}")
    else:
        advice = ("The map is about as small as a rebuilt one would be: nothing to gain by "
                  "copying it.")
    return {"entries": n, "live_bytes": rebuilt, "allocated_bytes": st.allocated_bytes,
            "capacity": fresh.stats().capacity, "saving_bytes": saving,
            "ratio": round(ratio, 4) if rebuilt else None, "advice": advice, "copy": copy}


def seed_spread(reports: list[SimReport]) -> dict[str, Any]:
    """min / median / max of the figures that depend on the hash seed."""
    out: dict[str, Any] = {"seeds": [r.seed for r in reports]}
    for name in ("live_bytes", "peak_live_bytes", "allocated_bytes", "overflow_buckets",
                 "tombstones"):
        vals = [getattr(r, name) for r in reports if getattr(r, name) is not None]
        if vals:
            out[name] = {"min": min(vals), "median": statistics.median(vals), "max": max(vals)}
    return out
