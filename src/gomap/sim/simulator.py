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

import statistics
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from gomap.hashing import DefaultHasher, Hasher, Rand, default_rand
from gomap.layout.maplayout import MapLayout, map_layout
from gomap.memory import AccountedClassic, AccountedEngine, accounted_engine
from gomap.sim.ops import CLEAR, DEL, GET, ITER, MAKE, SET, Op

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

    def as_dict(self) -> dict[str, Any]:
        return {
            "impl": self.impl,
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
        }


class _Recorder:
    """Growth events with the op numbers they started and ended at."""

    def __init__(self, impl: str, eng: AccountedEngine) -> None:
        self.op = 0
        self.events: list[dict[str, Any]] = []
        self.counts: dict[str, int] = {}
        self.dropped = 0
        self.open: dict[str, Any] | None = None
        acct = eng.acct
        if impl == "classic":
            acct.on("hashGrow", self._hash_grow)
            acct.on("growDone", self._grow_done)
            acct.on("clear", self._clear)
        else:
            acct.on("smallToTable", lambda d: self._add("small→table", d))
            acct.on("tableGrow", lambda d: self._add("table grow", d))
            acct.on("split", lambda d: self._add("split", d))
            acct.on("directoryGrow", lambda d: self._add("directory grow", d))

    def _add(self, kind: str, d: dict[str, Any], end: int | None = -1) -> dict[str, Any]:
        self.counts[kind] = self.counts.get(kind, 0) + 1
        ev = {"kind": kind, "start_op": self.op, "end_op": self.op if end == -1 else end}
        ev.update({k: v for k, v in d.items() if isinstance(v, (int, float, str, bool))})
        if len(self.events) < MAX_EVENTS:
            self.events.append(ev)
        else:
            self.dropped += 1
        return ev

    def _hash_grow(self, d: dict[str, Any]) -> None:
        kind = "same-size grow" if d.get("sameSize") else "grow"
        self.open = self._add(kind, d, end=None)

    def _grow_done(self, d: dict[str, Any]) -> None:
        if self.open is not None:
            self.open["end_op"] = self.op
            self.open = None

    def _clear(self, d: dict[str, Any]) -> None:
        if self.open is not None:  # clear drops the old buckets: the growth ends here
            self.open["end_op"] = self.op
            self.open["ended_by"] = "clear"
            self.open = None


def _figures(impl: str, eng: AccountedEngine, with_tombstones: bool) -> dict[str, Any]:
    """Cheap (O(1), plus O(tables) for Swiss tombstones) shape figures."""
    acct: Any = eng.acct
    e: Any = eng.engine
    if impl == "classic":
        nb = 0 if e.buckets is None else 1 << e.B
        return {"entries": e.count, "capacity": 8 * nb, "overflow_buckets": acct.overflow_buckets(),
                "tombstones": None, "growing": e.oldbuckets is not None, "B": e.B}
    return {"entries": e.used, "capacity": acct.capacity, "overflow_buckets": None,
            "tombstones": acct.tombstones() if with_tombstones else None,
            "growing": False, "tables": acct.tables, "dir_len": e.dir_len}


def _new_engine(impl: str, hint: int, layout: MapLayout, hasher: Hasher, rand: Rand
                ) -> AccountedEngine:
    return accounted_engine(impl, hint, layout, hasher=hasher, rand=rand)


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
) -> SimReport:
    """Run ``ops`` on a ``map[key_type]value_type`` of engine ``impl``.

    ``ops`` may start with ``(MAKE, hint)``. ``total`` (the number of operations,
    if known) sets the timeline's sampling stride; ``samples`` caps its length.
    ``seed`` seeds the map's hashing and random draws (``hasher``/``rand`` replace
    them, e.g. with a real runtime's). ``progress(done)`` is called every 4096 ops.
    """
    t0 = time.perf_counter()
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
    eng = _new_engine(impl, hint, layout, hasher, rand)
    rep = SimReport(impl, layout.key.expr, layout.elem.expr, workload, hint=hint, seed=seed,
                    layout=layout.describe())
    rec = _Recorder(impl, eng)
    acct = eng.acct
    assign, delete, lookup = eng.assign, eng.delete, eng.lookup
    stride = max(1, (total or 0) // max(1, samples)) if total else 1024
    timeline: list[dict[str, Any]] = []
    ent_attr = "count" if impl == "classic" else "used"
    raw = eng.engine

    def sample(op: int) -> None:
        nonlocal stride
        f = _figures(impl, eng, True)
        timeline.append({"op": op, "live_bytes": acct.live, "allocated_bytes": acct.allocated,
                         "entries": f["entries"], "capacity": f["capacity"],
                         "tombstones": f["tombstones"], "overflow_buckets": f["overflow_buckets"],
                         "growing": f["growing"]})
        if len(timeline) >= 2 * samples:  # unknown length: thin out, double the stride
            del timeline[1::2]
            stride *= 2

    sample(0)
    peak, peak_op, max_entries = acct.live, 0, 0
    next_sample = stride
    i = 0
    chain: Iterable[Op] = pending if pending else ()
    for src in (chain, it):
        for code, arg in src:
            i += 1
            rec.op = i
            if code == SET:
                assign(arg, i)
                n = getattr(raw, ent_attr)
                if n > max_entries:
                    max_entries = n
            elif code == DEL:
                delete(arg)
            elif code == GET:
                lookup(arg)
            elif code == ITER:
                itr = eng.iterator()
                while itr.next() is not None:
                    pass
            elif code == CLEAR:
                eng.clear()
            else:
                raise ValueError(f"op #{i}: make may only be the first operation")
            if acct.live > peak:
                peak, peak_op = acct.live, i
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
    f = _figures(impl, eng, True)
    rep.entries, rep.capacity, rep.max_entries = f["entries"], f["capacity"], max_entries
    rep.load = rep.entries / rep.capacity if rep.capacity else 0.0
    rep.overflow_buckets = f["overflow_buckets"]
    rep.tombstones = f["tombstones"]
    rep.shape = {k: v for k, v in f.items() if k not in ("entries", "capacity")}
    if isinstance(eng, AccountedClassic):
        from gomap.classic.debug import stats

        s = stats(eng.engine)
        rep.tombstones = s["emptyOne"]
        rep.shape["noverflow"] = s["noverflow"]
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
    fresh = _new_engine(impl, n, layout, hasher, rand)
    it = eng.engine.iterator()
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
            "capacity": _figures(impl, fresh, False)["capacity"], "saving_bytes": saving,
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
