"""Rendering simulation reports: ``rich`` tables for the terminal, JSON for files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gomap.engines import get_engine
from gomap.sim.simulator import SimReport

if TYPE_CHECKING:  # rich is imported where a report is drawn (--quiet runs skip it)
    from rich.console import Console
    from rich.panel import Panel
    from rich.table import Table


def human(n: int | float | None) -> str:
    """``2,770,464 B (2.6 MiB)``."""
    if n is None:
        return "—"
    n = int(n)
    for unit, div in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if abs(n) >= div:
            return f"{n:,} B ({n / div:.1f} {unit})"
    return f"{n:,} B"


def _num(n: Any) -> str:
    """A count as a person reads it: ``5,543,856``; a median between two counts keeps
    its half (``5,543,856.5``)."""
    if n is None:
        return "—"
    if isinstance(n, float):
        if n.is_integer():
            return f"{int(n):,}"
        return f"{n:,.1f}" if (2 * n).is_integer() else f"{n:,.3f}"
    return f"{n:,}"


def run_label(r: SimReport) -> str:
    """``Go 1.24.11, Swiss tables``: the release and design a report modelled."""
    spec = get_engine(r.impl)
    if not r.go or r.go == spec.go_version:
        return spec.label  # the pinned release: "Go 1.27, Swiss tables"
    return f"Go {r.go}, {spec.design}"


def layout_line(r: SimReport) -> str:
    lay = r.layout
    k, v = lay["key"], lay["value"]
    ind = []
    if k["indirect"]:
        ind.append(f"keys stored indirectly ({lay['indirect_key_object']} B objects)")
    if v["indirect"]:
        ind.append(f"values stored indirectly ({lay['indirect_elem_object']} B objects)")
    extra = ("; " + ", ".join(ind)) if ind else ""
    return get_engine(r.impl).layout_text(lay) + extra


def summary_table(reports: list[SimReport]) -> Table:
    """Final figures, one column per report."""
    from rich.table import Table

    t = Table(show_header=len(reports) > 1, header_style="bold")
    t.add_column("")
    for r in reports:
        t.add_column(f"{r.impl} ({run_label(r)})", justify="right")

    def row(name: str, f: Any) -> None:
        t.add_row(name, *[f(r) for r in reports])

    row("live bytes now", lambda r: human(r.live_bytes))
    row("peak live bytes", lambda r: f"{human(r.peak_live_bytes)} at op {r.peak_op:,}")
    row("allocated since make", lambda r: f"{human(r.allocated_bytes)} in {r.allocations:,} "
        "allocations")
    row("GC scan work / cycle", lambda r: _scan(r))
    row("entries now / at most", lambda r: f"{r.entries:,} / {r.max_entries:,}")
    row("slots (capacity)", lambda r: _num(r.capacity))
    row("load (entries / slots)", lambda r: f"{r.load:.1%}")
    row("tombstones", lambda r: _tomb(r))
    row("overflow buckets", lambda r: "— (no overflow buckets)" if r.overflow_buckets is None
        else _num(r.overflow_buckets))
    row("growth events", lambda r: ", ".join(f"{n:,} {k}" for k, n in r.event_counts.items())
        or "none")
    row("live bytes by kind", lambda r: ", ".join(
        f"{k.replace('_', ' ')} {v:,}" for k, v in r.breakdown.items() if v))
    return t


def _tomb(r: SimReport) -> str:
    if r.tombstones is None:
        return "—"
    note = get_engine(r.impl).tombstone_note
    if note.startswith("deleted"):
        return f"{r.tombstones:,} {note}"
    return f"{r.tombstones:,} ({note})"


def events_table(r: SimReport, limit: int = 14) -> Table:
    from rich.table import Table

    t = Table(title=f"growth events ({sum(r.event_counts.values()):,})", title_justify="left")
    for col in ("#", "event", "started at op", "ended at op", "detail"):
        t.add_column(col, justify="right" if col != "event" and col != "detail" else "left")
    evs = r.events
    shown: list[tuple[int, dict[str, Any] | None]] = list(enumerate(evs))
    if len(evs) > limit:
        shown = [*list(enumerate(evs))[: limit - 3], (-1, None),
                 *[(i, evs[i]) for i in range(len(evs) - 2, len(evs))]]
    for i, ev in shown:
        if ev is None:
            t.add_row("…", f"{len(evs) - limit + 1 + r.events_dropped:,} more", "", "", "")
            continue
        end = "in progress" if ev.get("end_op") is None else f"{ev['end_op']:,}"
        if ev.get("ended_by"):
            end += f" ({ev['ended_by']})"
        t.add_row(str(i + 1), ev["kind"], f"{ev['start_op']:,}", end, _detail(ev))
    return t


def _detail(ev: dict[str, Any]) -> str:
    k = ev["kind"]
    if k in ("grow", "same-size grow"):
        return f"B={ev.get('B')}, {ev.get('count', 0):,} entries"
    if k == "table grow":
        dropped = ev.get("dropped_tombstones", 0)
        return (f"{ev.get('old_capacity')}→{ev.get('new_capacity')} slots"
                + (f", {dropped} tombstones dropped" if dropped else ""))
    if k == "split":
        return f"2×1024 slots, depth {ev.get('local_depth')}"
    if k == "directory grow":
        return f"{ev.get('old_dir_len')}→{ev.get('new_dir_len')} entries"
    if k == "small→table":
        return f"{ev.get('used')} entries → {ev.get('capacity')} slots"
    return ""


def _scan(r: SimReport) -> str:
    """The GC's scan work now, against a rebuilt map's (deletes do not lower it)."""
    if not r.scan_bytes:
        return "0 (pointer-free: noscan)"
    rb = (r.rebuild or {}).get("scan_bytes")
    return human(r.scan_bytes) + ("" if rb is None else f" (rebuilt: {human(rb)})")


def _ratio(r: SimReport) -> str:
    rb = r.rebuild or {}
    if not rb.get("entries") or not rb.get("ratio"):
        return "— (empty map)"
    return f"{rb['ratio']:.2f}x"


def rebuild_panel(r: SimReport) -> Panel:
    from rich.panel import Panel
    from rich.text import Text

    rb = r.rebuild or {}
    body = Text()
    body.append(f"now:     {human(r.live_bytes)} for {r.entries:,} entries\n")
    body.append(f"rebuilt: {human(rb.get('live_bytes'))} with make(map[{r.key}]{r.value}, "
                f"{rb.get('entries', 0):,}) and a copy\n")
    if rb.get("ratio") and rb.get("entries"):
        body.append(f"ratio:   {_ratio(r)}\n")
    body.append("\n" + str(rb.get("advice", "")), style="bold")
    return Panel(body, title="the map never shrinks", title_align="left")


def render(console: Console, r: SimReport, spread: dict[str, Any] | None = None) -> None:
    from rich.console import Group
    from rich.markup import escape
    from rich.panel import Panel
    from rich.text import Text

    title = escape(f"map[{r.key}]{r.value}")
    head = (f"[bold]{title}[/] on [bold]{r.impl}[/] ({run_label(r)}) — "
            f"{escape(r.workload or 'ops')}: {r.ops:,} operations"
            + (f", make hint {r.hint:,}" if r.hint else "") + f" — {r.seconds:.1f}s")
    lines = [Text.from_markup(head), Text(layout_line(r), style="dim")]
    if r.partial:
        lines.append(Text(f"PARTIAL: interrupted (Ctrl-C) after {r.ops:,} operations; the "
                          "figures are the map's at that point", style="bold yellow"))
    console.print(Panel(Group(*lines), title="gomap simulate", title_align="left"))
    console.print(summary_table([r]))
    if r.events:
        console.print(events_table(r))
    if r.rebuild is not None:
        console.print(rebuild_panel(r))
    if spread:
        console.print(spread_table(spread))


def spread_table(spread: dict[str, Any]) -> Table:
    from rich.table import Table

    seeds = spread["seeds"]
    t = Table(title=f"across {len(seeds)} hash seeds ({seeds[0]}..{seeds[-1]})",
              title_justify="left")
    for col in ("figure", "min", "median", "max"):
        t.add_column(col, justify="right" if col != "figure" else "left")
    for name in ("live_bytes", "peak_live_bytes", "allocated_bytes", "overflow_buckets",
                 "tombstones"):
        if name in spread:
            s = spread[name]
            t.add_row(name.replace("_", " "), _num(s["min"]), _num(s["median"]), _num(s["max"]))
    return t


def render_compare(console: Console, reports: list[SimReport]) -> None:
    from rich.markup import escape
    from rich.panel import Panel
    from rich.table import Table
    from rich.text import Text

    r0 = reports[0]
    console.print(Panel(
        Text.from_markup(f"[bold]{escape(f'map[{r0.key}]{r0.value}')}[/] — "
                         f"{escape(r0.workload or 'ops')}: "
                         f"{r0.ops:,} operations, " + " vs ".join(r.impl for r in reports)),
        title="gomap compare", title_align="left"))
    for r in reports:
        console.print(Text(f"{r.impl}: {layout_line(r)}", style="dim"))
    console.print(summary_table(reports))
    t = Table(title="the map never shrinks", title_justify="left")
    t.add_column("")
    for r in reports:
        t.add_column(r.impl, justify="right")
    t.add_row("bytes now", *[human(r.live_bytes) for r in reports])
    t.add_row("bytes if rebuilt", *[human((r.rebuild or {}).get("live_bytes")) for r in reports])
    t.add_row("ratio", *[_ratio(r) for r in reports])
    console.print(t)
    a, b = reports[0], reports[-1]
    if a.live_bytes and b.live_bytes:
        small, big = sorted(reports, key=lambda r: r.live_bytes)[::len(reports) - 1]
        console.print(f"[bold]{small.impl}[/] ends with {big.live_bytes - small.live_bytes:,} "
                      f"fewer live bytes ({small.live_bytes / big.live_bytes:.0%} of "
                      f"{big.impl}'s); peak {human(a.peak_live_bytes)} ({a.impl}) vs "
                      f"{human(b.peak_live_bytes)} ({b.impl}).")


def write_json(path: str | Path, data: dict[str, Any]) -> None:
    Path(path).write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
