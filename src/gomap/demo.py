"""``gomap demo``: a built-in workload that shows what happens inside a Go map.

Fill the map, delete most of it, refill part of it, then range over it while
deleting — and print, phase by phase, what the engine did: each growth and when it
finished, tombstones, overflow buckets, slots versus live entries. The point it
makes with numbers: a Go map never shrinks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rich import box
from rich.console import Console
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from gomap.engines import DEFAULT_ENGINE, EngineSpec, get_engine
from gomap.gomap import GoMap


def engine_stats(m: GoMap) -> dict[str, Any]:
    """Capacity and occupancy figures for either engine (from ``stats``)."""
    st = m.stats(deep=True)
    return {
        "shape": " ".join(f"{k}={v}" for k, v in st.shape.items()),
        "slots": st.capacity + 8 * (st.overflow_buckets or 0),
        "live": st.entries,
        "tombstones": st.tombstones or 0,
        "overflow": st.overflow_buckets or 0,
        "growing": st.growing,
    }


NARRATED_KINDS = ("grow", "split", "prune")
"""The tracer's event families the demo tells event by event (growth, splits, prunes);
the rest (tombstones, evacuations, overflow buckets) are counted."""

SHOWN = 8
"""Narrated events shown in full at the start (the last one is always shown)."""


@dataclass
class Recorder:
    """Collects the engine's growth events, narrated by the tracer's table
    (:mod:`gomap.trace.narration`), with the operation number they happened at."""

    spec: EngineSpec
    m: Any = None
    op: int = 0
    told: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    def __call__(self, event: str, details: dict[str, Any]) -> None:
        from gomap.trace.narration import Ctx, event_kinds, narrate, narration

        self.counts[event] = self.counts.get(event, 0) + 1
        if event_kinds(self.spec.name).get(event) not in NARRATED_KINDS:
            return
        row = narration(self.spec.name, event)
        eng = self.m.engine if self.m is not None else None
        try:
            cap = row.capture(eng) if row is not None and row.capture and eng is not None \
                else {}
            pre = {"noverflow": getattr(eng, "noverflow", 0), "count": len(self.m or ())}
            told = narrate(self.spec.name, event, Ctx(details, cap, pre, pre))
        except (KeyError, TypeError, AttributeError):  # a figure the rule needs is not here
            told = {"title": event, "detail": "", "rule": None, "go": None}
        self.told.append((self.op, told))


def _shape(spec: EngineSpec, st: Any) -> str:
    sh = st.shape
    if "B" in sh:
        return f"B={sh['B']}"
    tables = sh.get("tables", 0)
    return "small group" if not tables else f"{tables} table" + ("s" if tables > 1 else "")


def run_demo(console: Console, *, impl: str = DEFAULT_ENGINE, n: int = 20_000,
             seed: int = 1) -> None:
    """Run the demo workload on a ``map[int]int`` of ``n`` keys and print it: the
    phases, then each growth as the tracer narrates it (its rule with the numbers and
    the Go function), then the never-shrinks account. Fits 80 columns."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"the demo needs at least 1 key, not {n!r}")
    spec = get_engine(impl)
    rec = Recorder(spec)
    m = GoMap(impl=impl, seed=seed, observer=rec)
    rec.m = m
    phases = Table(title=escape(f"gomap demo — map[int]int, {impl} ({spec.label}), {n:,} keys"),
                   title_justify="left", box=box.SIMPLE_HEAD, padding=(0, 1, 0, 0),
                   pad_edge=False)
    cols = ["phase", "op", "len", "layout", "slots", "load", "tombstones"]
    if spec.tracks_overflow:
        cols.append("overflow")
    for col in cols:
        phases.add_column(col, justify="left" if col in ("phase", "layout") else "right",
                          no_wrap=True)

    def row(name: str) -> None:
        st = m.stats(deep=True)
        s = engine_stats(m)
        load = s["live"] / s["slots"] if s["slots"] else 0.0
        cells = [name, f"{rec.op:,}", f"{len(m):,}", _shape(spec, st), f"{s['slots']:,}",
                 f"{load:.0%}", f"{s['tombstones']:,}"]
        if spec.tracks_overflow:
            cells.append(f"{s['overflow']:,}")
        phases.add_row(*cells)

    row("make")
    for k in range(n):
        rec.op += 1
        m[k] = k
    row(f"fill {n:,}")
    peak_slots = engine_stats(m)["slots"]
    for k in range(n):
        if k % 10:
            rec.op += 1
            m.delete(k)
    row("delete 90%")
    for k in range(n, n + n // 4):
        rec.op += 1
        m[k] = k
    row(f"refill {n // 4:,}")
    produced: set[int] = set()
    steps = 0
    for k in m:
        produced.add(k)
        steps += 1
        rec.op += 1
        if k % 2:
            m.delete(k)
    row("range, delete odd")
    m.check_invariants()
    console.print(phases)

    console.print()
    console.print(Text("What happened inside, event by event (the rule that fired, with "
                       "its numbers, and the Go function):", style="bold"))
    told = rec.told
    shown = told if len(told) <= SHOWN + 2 else [*told[:SHOWN], None, told[-1]]
    events = Table.grid(padding=(0, 1))
    events.add_column(justify="right", no_wrap=True, style="dim")
    events.add_column(ratio=1)
    for item in shown:
        if item is None:
            rest = told[SHOWN:-1]
            kinds: dict[str, int] = {}
            for _, t in rest:
                kinds[t["title"]] = kinds.get(t["title"], 0) + 1
            events.add_row("…", Text(f"{len(rest):,} more like these: " + ", ".join(
                f"{c:,} {k}" for k, c in kinds.items()), style="dim"))
            continue
        op, t = item
        line = Text(t["title"], style="bold")
        line.append(f" — {t['rule'] or t['detail']}")
        if t.get("go"):
            line.append(f" ({t['go']['func']}, {t['go']['file']})", style="dim")
        events.add_row(f"op {op:,}", line)
    if not told:
        events.add_row("", Text("no growth: the map fit its first allocation", style="dim"))
    console.print(events)

    s = engine_stats(m)
    rebuilt = GoMap(impl=impl, seed=seed, hint=len(m))
    for k, v in m.items():
        rebuilt[k] = v
    r = engine_stats(rebuilt)
    console.print()
    console.print(
        Panel(
            f"Peak: {peak_slots:,} slots for {n:,} entries. Now: {s['slots']:,} slots hold "
            f"{s['live']:,} entries ({s['tombstones']:,} tombstones).\n"
            f"The map never shrinks: deleting frees cells, never buckets or groups. "
            f"A map rebuilt with make(map, len(m)) and a copy would need {r['slots']:,} "
            f"slots ({r['slots'] / max(1, s['slots']):.0%} of now).\n"
            f"Ranging while deleting produced {steps:,} entries"
            f"{', each once' if steps == len(produced) else ', SOME TWICE (bug!)'}.",
            title="the map never shrinks",
        )
    )
    counted = {k: v for k, v in sorted(rec.counts.items())}
    console.print(Text("all events: " + ", ".join(f"{k} {v:,}" for k, v in counted.items()),
                       style="dim"))
