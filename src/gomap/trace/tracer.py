"""The tracer: every operation of a workload with the internal events it caused,
narrated, and the state change it made.

A :class:`Tracer` builds an accounted engine (so live bytes are known), listens to
its events and replays operations one at a time. For each operation it yields an
:class:`OpRecord`: the op and its index, every event with its details and its
narration (:mod:`gomap.trace.narration`), the counters that changed (``delta``),
and where the op landed (``touched``: the bucket and cell, or the table, group and
slot, with the Swiss probe sequence).

The counters are kept cheaply: O(1) engine fields, plus tombstones (and Swiss
``growthLeft``) updated from the few buckets or tables an op can change — the key's
chain (classic) or table (Swiss), and those named by the op's events — never by a
scan of the map. ``tests/trace/test_tracer.py`` holds them equal to a full scan after
every op.

Caveat: locating the key hashes it once more with the engine's hasher; keys that
do not equal themselves (NaN) are not located (their hash is a random draw, and
drawing would change the run).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from gomap.engines import get_engine
from gomap.events import local_events
from gomap.hashing import DefaultHasher, default_rand
from gomap.layout.maplayout import map_layout
from gomap.memory import AccountedEngine, accounted_engine
from gomap.ops import Replayer
from gomap.sim.ops import DEL, FILE_OP_NAMES, GET, MAKE, OP_NAMES, SET, Op
from gomap.trace.narration import Ctx, narrate, narration

CLASSIC_COUNTERS = ("count", "B", "noverflow", "nevacuate", "growing", "overflow_buckets",
                    "tombstones", "live_bytes", "allocated_bytes")
SWISS_COUNTERS = ("count", "tables", "dir_len", "global_depth", "capacity", "tombstones",
                  "growth_left", "live_bytes", "allocated_bytes")
COUNTERS = {"classic": CLASSIC_COUNTERS, "swiss": SWISS_COUNTERS}

_EMPTY_ONE = 1
_CTRL_EMPTY = 0x80
_NO_CHAINS: dict[str, Any] = {"chains": (), "grow": None, "done": False, "clear": False}
_NO_TABLES: dict[str, Any] = {"tables": (), "structural": False, "pruned": False,
                              "groups": None, "new": ()}

_TRACED = frozenset(range(len(OP_NAMES)))
"""The ops the tracer follows: all of the ops file's but clone and rebuild."""


# The events after which only the op's own chain / table needs recounting (from the
# event table: those not structural).
_CHAIN_EVENTS = local_events("classic")
_TABLE_EVENTS = local_events("swiss")


def _bucket_id(bk: Any) -> int:
    """A classic bucket's identity: the object's, or a native bucket view's ``ident``
    (``gomap.native.BucketView``: a fresh view object per access)."""
    ident = getattr(bk, "ident", None)
    return id(bk) if ident is None else int(ident)


def _same_chain(evs: list[EventRecord]) -> bool:
    """No event of the op moved entries between chains (no growth, no clear)."""
    return all(e.event in _CHAIN_EVENTS for e in evs)


def _same_table(evs: list[EventRecord]) -> bool:
    """No event of the op rebuilt, pruned or cleared a table."""
    return all(e.event in _TABLE_EVENTS for e in evs)


@dataclass(slots=True)
class EventRecord:
    """One internal event: its name, its details, what was captured at the moment,
    and (once the op is over) its narration."""

    event: str
    details: dict[str, Any]
    captured: dict[str, Any]
    narration: dict[str, Any] = field(default_factory=dict)


class OpRecord(NamedTuple):
    """One operation: ``i`` (0 is the ``make``), the op, its events, the counters it
    changed and where it landed."""

    i: int
    op: str
    key: Any
    events: list[EventRecord]
    counters: dict[str, Any]
    """The counters after the op (a live dict: copy it to keep it)."""
    delta: dict[str, Any]
    """Counter → change (numbers) or new value (``growing``), for counters that changed."""
    touched: dict[str, Any] | None
    """Classic: ``{"arr", "bucket", "pos", "cell", "tophash"}``; Swiss: ``{"table",
    "group", "slot", "ctrl", "probe"}`` (``table`` -1: the small group)."""
    viz: dict[str, Any]
    """What a page needs to redraw: changed chains (classic) or tables (Swiss)."""
    runtime: dict[str, Any] | None = None
    """With the real runtime beside (``--with-runtime``): ``{"equal", "diff", "header"}``."""


class Tracer:
    """Replays operations on one accounted engine and records each one.

    ``Tracer(impl, key_type, value_type, hint=0, seed=1)``; :meth:`run` takes the
    operations (a leading ``(MAKE, hint)`` overrides ``hint``) and yields one
    :class:`OpRecord` per op, the ``make`` first (index 0). Memory stays bounded:
    nothing is kept between ops.
    """

    def __init__(self, impl: str, key_type: str = "int64", value_type: str = "int64", *,
                 seed: int = 1, hasher: Any = None, rand: Any = None) -> None:
        if impl not in COUNTERS:
            raise ValueError(f"unknown engine {impl!r}: use classic or swiss")
        self.impl = impl
        self.layout = map_layout(key_type, value_type)
        self.rand = rand if rand is not None else default_rand(seed)
        self.hasher = hasher if hasher is not None else DefaultHasher(self.rand, stable=True)
        self.eng: AccountedEngine | None = None
        self._events: list[EventRecord] = []
        self._capture_rows = {e: r.capture for e, r in _rows(impl).items() if r.capture}
        self.counters: dict[str, Any] = {}

    # --- events -------------------------------------------------------------------
    def _on_event(self, event: str, details: dict[str, Any]) -> None:
        cap = self._capture_rows.get(event)
        captured = cap(self.eng.engine) if cap is not None and self.eng is not None else {}
        self._events.append(EventRecord(event, details, captured))

    def _narrate(self, pre: dict[str, Any]) -> None:
        for ev in self._events:
            if narration(self.impl, ev.event) is None:
                ev.narration = {"title": ev.event, "detail": "", "rule": None, "go": None}
                continue
            try:
                ev.narration = narrate(self.impl, ev.event,
                                       Ctx(ev.details, ev.captured, pre, self.counters))
            except (KeyError, TypeError) as e:  # a detail key the table expects is missing
                ev.narration = {"title": ev.event, "detail": f"(no narration: {e!r})",
                                "rule": None, "go": None}

    # --- the replay -----------------------------------------------------------------
    def run(self, ops: Iterable[Op], hint: int = 0) -> Iterator[OpRecord]:
        """Yield the record of each op (``make`` first, as op 0)."""
        it = iter(ops)
        first = next(it, None)
        pending: list[Op] = []
        if first is not None:
            if first[0] == MAKE:
                hint = int(first[1])
            else:
                pending.append(first)
        self._events = []
        self.eng = accounted_engine(self.impl, hint, self.layout, observer=self._on_event,
                                    hasher=self.hasher, rand=self.rand)
        probe = get_engine(self.impl).tracer_probe()(self)
        self.probe = probe
        self.counters = probe.full_counters()
        names = COUNTERS[self.impl]
        probe.vals = tuple(self.counters[k] for k in names)
        self._narrate({})
        yield OpRecord(0, "make", hint, self._events, self.counters, dict(self.counters),
                       None, probe.make_viz())
        advance = self._advance
        i = 0
        for src in (pending, it):
            for code, arg in src:
                i += 1
                if code == MAKE:
                    raise ValueError(f"op #{i}: make may only be the first operation")
                if code not in _TRACED:
                    raise ValueError(f"op #{i}: {FILE_OP_NAMES.get(code, code)} replaces the map; "
                                     f"trace and viz follow one map (use gomap simulate)")
                yield advance(probe, code, arg, i)

    def _advance(self, probe: Any, code: int, arg: Any, i: int,
                 runtime: dict[str, Any] | None = None) -> OpRecord:
        """Run op ``i`` through ``probe`` and make its record."""
        self._events = []
        prev = probe.vals
        touched = probe.step(code, arg, i)
        vals = probe.vals
        delta: dict[str, Any] = {}
        counters = self.counters
        if vals != prev:
            names = COUNTERS[self.impl]
            for j, v in enumerate(vals):
                if v != prev[j]:
                    k = names[j]
                    delta[k] = v if v is True or v is False else v - prev[j]
                    counters[k] = v
        if self._events:
            self._narrate(dict(zip(COUNTERS[self.impl], prev, strict=True)))
        return OpRecord(i, OP_NAMES[code], arg, self._events, counters, delta, touched,
                        probe.viz, runtime)

    def snapshot(self) -> dict[str, Any]:
        """The engine's snapshot now."""
        assert self.eng is not None
        return self.eng.snapshot()


def _rows(impl: str) -> dict[str, Any]:
    from gomap.trace.narration import TABLES

    return TABLES[impl]


# --- classic ------------------------------------------------------------------------
class _ClassicProbe:
    """Counters, the touched cell and the changed chains of a classic map."""

    def __init__(self, tr: Tracer) -> None:
        self.tr = tr
        assert tr.eng is not None
        self.eng = tr.eng
        self.apply = Replayer(engine=tr.eng).apply
        self.h: Any = tr.eng.engine
        self.acct: Any = tr.eng.acct
        self.viz: dict[str, Any] = {}

    def full_counters(self) -> dict[str, Any]:
        from gomap.classic.debug import stats

        h, acct = self.h, self.acct
        self.tomb = stats(h, deep=True).tombstones or 0
        return {"count": h.count, "B": h.B, "noverflow": h.noverflow, "nevacuate": h.nevacuate,
                "growing": h.oldbuckets is not None,
                "overflow_buckets": acct.overflow_buckets(),
                "tombstones": self.tomb,
                "live_bytes": acct.live, "allocated_bytes": acct.allocated}

    def make_viz(self) -> dict[str, Any]:
        return {"chains": [], "grow": None, "done": False, "clear": False}

    def _chain(self, b: int) -> list[Any]:
        out = []
        bk = self.h.buckets[b]
        while bk is not None:
            out.append(bk)
            bk = bk.overflow
        return out

    def _locate(self, hash: int, key: Any) -> dict[str, Any] | None:
        h = self.h
        if h.buckets is None:
            return None
        b = hash & ((1 << h.B) - 1)
        top = hash >> 56
        if top < 5:
            top += 5
        pos = 0
        bk = h.buckets[b]
        while bk is not None:
            th = bk.tophash
            if top in th:
                keys = bk.keys
                c = th.index(top)
                while True:
                    if keys[c] == key:
                        return {"arr": "new", "bucket": b, "pos": pos, "cell": c,
                                "tophash": top}
                    try:
                        c = th.index(top, c + 1)
                    except ValueError:
                        break
            bk = bk.overflow
            pos += 1
        return {"arr": "new", "bucket": b, "pos": None, "cell": None, "tophash": top}

    def step(self, code: int, key: Any, i: int) -> dict[str, Any] | None:
        h, tr = self.h, self.tr
        if code == GET and key == key:
            # A lookup changes nothing: only where the key is.
            self.apply((code, key), i)
            self.viz = _NO_CHAINS
            if h.buckets is None:
                return None
            return self._locate(tr.hasher(key, h.hash0), key)
        located = code in (SET, DEL, GET) and key == key
        hash = tr.hasher(key, h.hash0) if located else 0
        pre_objs: list[Any] = []
        touched = None
        if code in (SET, DEL) and h.buckets is not None and located:
            pre_objs = self._chain(hash & ((1 << h.B) - 1))
            if code == DEL:
                touched = self._locate(hash, key)
        pre_tomb = sum(bk.tophash.count(_EMPTY_ONE) for bk in pre_objs)
        self.apply((code, key), i)
        if pre_objs and _same_chain(tr._events):
            # The common case: no growth and no clear — only the key's chain changed (a
            # new, updated or deleted cell, emptyRest marks, maybe a new overflow bucket).
            b = hash & ((1 << h.B) - 1)
            if code == SET:
                touched = self._locate(hash, key)
            after = 0
            bk = h.buckets[b]
            while bk is not None:
                after += bk.tophash.count(_EMPTY_ONE)
                bk = bk.overflow
            self.tomb += after - pre_tomb
            acct = self.acct
            self.vals = (h.count, h.B, h.noverflow, h.nevacuate, h.oldbuckets is not None,
                         acct.overflow_buckets(), self.tomb, acct.live, acct.allocated)
            self.viz = {"chains": (("new", b),), "grow": None, "done": False, "clear": False}
            return touched
        grew = done = cleared = False
        sizes = None
        dests: list[tuple[str, int]] = []
        for ev in tr._events:
            e = ev.event
            if e == "hashGrow":
                grew = True
                sizes = ev.details.get("same_size")
            elif e == "evacuate":
                ob = ev.details["oldbucket"]
                dests.append(("old", ob))
                dests.append(("new", ob))
                if not ev.captured["same"]:
                    dests.append(("new", ob + ev.captured["newbit"]))
            elif e == "growDone":
                done = True
            elif e == "clear":
                cleared = True
        if code in (SET, GET) and located and h.buckets is not None:
            touched = self._locate(hash, key)
        chains: list[tuple[str, int]] = []
        if touched is not None and code != GET:
            chains.append(("new", touched["bucket"]))
        chains.extend(dests)
        tomb = self.tomb
        if cleared:
            tomb = 0
        elif code in (SET, DEL) and located:
            seen: dict[int, Any] = {}
            for arr, b in chains:
                if arr == "new":
                    bk = h.buckets[b]
                    while bk is not None:
                        seen[_bucket_id(bk)] = bk
                        bk = bk.overflow
            after = 0
            for bk in seen.values():
                after += bk.tophash.count(_EMPTY_ONE)
            if grew:
                # hashGrow: the whole former array (every tombstone) became the old one.
                tomb = after
            else:
                for bk in pre_objs:
                    if _bucket_id(bk) not in seen:
                        after += bk.tophash.count(_EMPTY_ONE)
                tomb += after - pre_tomb
        self.tomb = tomb
        acct = self.acct
        self.vals = (h.count, h.B, h.noverflow, h.nevacuate, h.oldbuckets is not None,
                     acct.overflow_buckets(), tomb, acct.live, acct.allocated)
        self.viz = {"chains": chains, "grow": (h.B, bool(sizes)) if grew else None,
                    "done": done, "clear": cleared}
        return touched


# --- swiss --------------------------------------------------------------------------
def swiss_table_for(m: Any, hash: int) -> Any:
    """The table of a Swiss map ``m`` (either backend) that ``hash`` selects, or ``None``
    for a small map (Go's ``directoryAt(hash >> globalShift)``)."""
    if m.dir_len == 0:
        return None
    return m.directory[0 if m.dir_len == 1 else hash >> m.global_shift]


def swiss_locate(m: Any, hash: int, key: Any) -> dict[str, Any] | None:
    """Where ``key`` sits in the Swiss map ``m`` (either backend): ``table`` (-1 for the
    small group), ``group``, ``slot``, its H2 ``ctrl`` byte and the ``probe`` sequence of
    groups; ``slot`` is ``None`` when the key is absent, and the result ``None`` when the
    map has no group at all. The probe is ``table.getWithKey``'s."""
    h2 = hash & 0x7F
    if m.dir_len == 0:
        g = m.small
        if g is None:
            return None
        for s in range(8):
            if g.ctrl[s] == h2 and g.keys[s] == key:
                return {"table": -1, "group": 0, "slot": s, "ctrl": h2, "probe": [0]}
        return {"table": -1, "group": 0, "slot": None, "ctrl": h2, "probe": [0]}
    t = swiss_table_for(m, hash)
    ctrl, keys, mask = t.ctrl, t.keys, t.length_mask
    offset = (hash >> 7) & mask
    step = 0
    probe = []
    while True:
        probe.append(offset)
        base = offset << 3
        end = base + 8
        s = ctrl.find(h2, base, end)
        while s >= 0:
            if keys[s] == key:
                return {"table": t.index, "group": offset, "slot": s - base, "ctrl": h2,
                        "probe": probe}
            s = ctrl.find(h2, s + 1, end)
        if ctrl.find(_CTRL_EMPTY, base, base + 8) >= 0 or len(probe) > mask:
            return {"table": t.index, "group": None, "slot": None, "ctrl": h2,
                    "probe": probe}
        step += 1
        offset = (offset + step) & mask


class _SwissProbe:
    """Counters, the touched slot (with the probe sequence) and the changed tables of
    a Swiss map."""

    def __init__(self, tr: Tracer) -> None:
        self.tr = tr
        assert tr.eng is not None
        self.eng = tr.eng
        self.apply = Replayer(engine=tr.eng).apply
        self.m: Any = tr.eng.engine
        self.acct: Any = tr.eng.acct
        self.viz: dict[str, Any] = {}

    def _tables(self) -> list[Any]:
        out = []
        last = None
        for t in self.m.directory:
            if t is not last:
                out.append(t)
                last = t
        return out

    def full_counters(self) -> dict[str, Any]:
        m, acct = self.m, self.acct
        tabs = self._tables()
        self.tomb = sum(t.tombstones() for t in tabs)
        self.gl = sum(t.growth_left for t in tabs)
        return {"count": m.used, "tables": acct.tables, "dir_len": m.dir_len,
                "global_depth": m.global_depth, "capacity": acct.capacity,
                "tombstones": self.tomb, "growth_left": self.gl,
                "live_bytes": acct.live, "allocated_bytes": acct.allocated}

    def make_viz(self) -> dict[str, Any]:
        return {"tables": self._tables(), "structural": True, "groups": None}

    def _table_for(self, hash: int) -> Any:
        return swiss_table_for(self.m, hash)

    def _locate(self, hash: int, key: Any) -> dict[str, Any] | None:
        return swiss_locate(self.m, hash, key)

    def step(self, code: int, key: Any, i: int) -> dict[str, Any] | None:
        m, tr = self.m, self.tr
        if code == GET and key == key:
            self.apply((code, key), i)
            self.viz = _NO_TABLES
            return self._locate(tr.hasher(key, m.seed), key)
        located = code in (SET, DEL, GET) and key == key
        hash = tr.hasher(key, m.seed) if located else 0
        t0 = self._table_for(hash) if located and code != GET else None
        t0_tomb = t0_gl = 0
        if t0 is not None:
            t0_tomb, t0_gl = t0.tombstones(), t0.growth_left
        touched = self._locate(hash, key) if code == DEL and located else None
        self.apply((code, key), i)
        evs = tr._events
        if t0 is not None and _same_table(evs):
            # The common case: the op stayed in the key's table (no rehash, no prune).
            if code == SET:
                touched = self._locate(hash, key)
            self.tomb += t0.tombstones() - t0_tomb
            self.gl += t0.growth_left - t0_gl
            acct = self.acct
            self.vals = (m.used, acct.tables, m.dir_len, m.global_depth, acct.capacity,
                         self.tomb, self.gl, acct.live, acct.allocated)
            self.viz = {"tables": (t0,), "structural": False, "pruned": False,
                        "groups": touched["probe"] if touched is not None else None,
                        "new": ()}
            return touched
        structural = False
        cleared = False
        new_tables: list[Any] = []
        pruned = False
        d = m.directory
        for ev in tr._events:
            e = ev.event
            if e == "tableGrow":
                structural = True
                new_tables.append(d[ev.details["index"]])
            elif e == "split":
                structural = True
                new_tables.append(d[ev.details["left_index"]])
                new_tables.append(d[ev.details["right_index"]])
            elif e == "smallToTable":
                structural = True
                new_tables.append(d[0])
            elif e == "directoryGrow":
                structural = True
            elif e == "pruneTombstones" and ev.details.get("pruned"):
                pruned = True
            elif e == "clear":
                cleared = True
        if code in (SET, GET) and located:
            touched = self._locate(hash, key)
        if cleared:
            tabs = self._tables()
            self.tomb = sum(t.tombstones() for t in tabs)
            self.gl = sum(t.growth_left for t in tabs)
            changed = tabs
        elif code in (SET, DEL) and located:
            t1 = self._table_for(hash)
            seen: dict[int, Any] = {}
            for t in new_tables:
                seen[id(t)] = t
            if t1 is not None:
                seen[id(t1)] = t1
            if t0 is not None:
                seen[id(t0)] = t0
            dt = dg = 0
            for t in seen.values():
                if t.index != -1:
                    dt += t.tombstones()
                    dg += t.growth_left
            if t0 is not None:
                dt -= t0_tomb
                dg -= t0_gl
            self.tomb += dt
            self.gl += dg
            changed = [t for t in seen.values() if t.index != -1]
        else:
            changed = []
        acct = self.acct
        self.vals = (m.used, acct.tables, m.dir_len, m.global_depth, acct.capacity, self.tomb,
                     self.gl, acct.live, acct.allocated)
        groups = None
        if touched is not None and code != GET:
            groups = touched["probe"]
        self.viz = {"tables": changed, "structural": structural or cleared,
                    "pruned": pruned, "groups": groups, "new": new_tables}
        return touched
