"""``gomap demo``: a built-in workload that shows what happens inside a Go map.

Fill the map, delete most of it, refill part of it, then range over it while
deleting — and print, phase by phase, what the engine did: each growth and when it
finished, tombstones, overflow buckets, slots versus live entries. The point it
makes with numbers: a Go map never shrinks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table

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


@dataclass
class Recorder:
    """Collects the engine's events with the operation number they happened at."""

    spec: EngineSpec
    op: int = 0
    growths: list[dict[str, Any]] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    def __call__(self, event: str, details: dict[str, Any]) -> None:
        self.counts[event] = self.counts.get(event, 0) + 1
        if self.spec.growth_label(event, details) is not None:
            # a growth that completes within its operation ends where it starts
            end = None if self.spec.growth_end else self.op
            self.growths.append({"event": event, "start": self.op, "end": end, **details})
        elif event == self.spec.growth_end:
            for g in reversed(self.growths):
                if g["end"] is None:
                    g["end"] = self.op
                    break


def run_demo(console: Console, *, impl: str = DEFAULT_ENGINE, n: int = 20_000,
             seed: int = 1) -> None:
    """Run the demo workload on a ``map[int]int`` of ``n`` keys and print it."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"the demo needs at least 1 key, not {n!r}")
    rec = Recorder(get_engine(impl))
    m = GoMap(impl=impl, seed=seed, observer=rec)
    phases = Table(title=escape(f"gomap demo — map[int]int, {impl} engine, {n:,} keys"))
    for col in ("phase", "ops", "len", "table", "slots", "tombstones", "overflow", "load"):
        phases.add_column(col, justify="left" if col in ("phase", "table") else "right")

    def row(name: str) -> None:
        s = engine_stats(m)
        load = s["live"] / s["slots"] if s["slots"] else 0.0
        phases.add_row(name, f"{rec.op:,}", f"{len(m):,}", s["shape"], f"{s['slots']:,}",
                       f"{s['tombstones']:,}", f"{s['overflow']:,}", f"{load:.1%}")

    row("empty")
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
    row("range + delete odd")
    m.check_invariants()
    console.print(phases)

    growth = Table(title="growth events (op = operation number)")
    for col in ("event", "started at op", "finished at op", "details"):
        growth.add_column(col)
    for g in rec.growths:
        details = {k: v for k, v in g.items() if k not in ("event", "start", "end")}
        end = "-" if g["end"] is None else str(g["end"])
        growth.add_row(g["event"], f"{g['start']:,}", end if end == "-" else f"{int(end):,}",
                       " ".join(f"{k}={v}" for k, v in details.items()))
    console.print(growth)

    s = engine_stats(m)
    rebuilt = GoMap(impl=impl, seed=seed, hint=len(m))
    for k, v in m.items():
        rebuilt[k] = v
    r = engine_stats(rebuilt)
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
    console.print("events: " + ", ".join(f"{k}={v}" for k, v in sorted(rec.counts.items())))
