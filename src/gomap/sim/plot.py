"""``--plot FILE.png``: bytes, entries, capacity and tombstones over the run, with the
growth events marked. Drawn with matplotlib's headless Agg backend."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gomap.engines import engine_names, get_engine
from gomap.sim.simulator import SimReport

PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#8c564b")
"""One colour per engine, in registry order."""


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _unit(n: float) -> tuple[str, float]:
    for unit, div in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if n >= 2 * div:
            return unit, float(div)
    return "bytes", 1.0


def _mark_events(ax: Any, r: SimReport, color: str) -> None:
    evs = r.events
    alpha = 0.5 if len(evs) <= 40 else max(0.08, 20 / len(evs))
    for ev in evs:
        start, end = ev["start_op"], ev.get("end_op")
        if end is None:
            end = r.ops
        if end > start:
            ax.axvspan(start, end, color=color, alpha=min(0.15, alpha), lw=0)
        ax.axvline(start, color=color, alpha=alpha, lw=0.6, ls=":")


def plot_reports(reports: list[SimReport], path: str | Path) -> None:
    """One figure: (1) live and allocated bytes, (2) entries and capacity,
    (3) tombstones (Swiss) / overflow buckets (classic); events as dotted lines
    (a classic growth is shaded from its start to its end)."""
    plt = _pyplot()
    fig, axes = plt.subplots(3, 1, figsize=(11, 9), sharex=True)
    ax_b, ax_e, ax_t = axes
    ax_a = ax_b.twinx()  # cumulative allocation is on another scale: its own axis
    top = max((p["live_bytes"] for r in reports for p in r.timeline), default=1)
    unit, div = _unit(top)
    atop = max((p["allocated_bytes"] for r in reports for p in r.timeline), default=1)
    aunit, adiv = _unit(atop)
    for r in reports:
        c = PALETTE[engine_names().index(r.impl) % len(PALETTE)]
        tl = r.timeline
        x = [p["op"] for p in tl]
        tag = f" ({r.impl})" if len(reports) > 1 else ""
        ax_b.plot(x, [p["live_bytes"] / div for p in tl], color=c, lw=1.8,
                  label=f"live{tag}")
        ax_a.plot(x, [p["allocated_bytes"] / adiv for p in tl], color=c, lw=0.9, ls="--",
                  alpha=0.8, label=f"allocated since make{tag} (right axis)")
        if r.rebuild and r.rebuild.get("live_bytes") is not None:
            ax_b.axhline(r.rebuild["live_bytes"] / div, color=c, lw=0.8, ls="-.", alpha=0.7,
                         label=f"if rebuilt at the end{tag}")
        ax_e.plot(x, [p["entries"] for p in tl], color=c, lw=1.6, label=f"entries{tag}")
        ax_e.plot(x, [p["capacity"] for p in tl], color=c, lw=1, ls="--",
                  label=f"slots{tag}")
        if get_engine(r.impl).tracks_overflow:
            ax_t.plot(x, [p["overflow_buckets"] or 0 for p in tl], color=c, lw=1.4,
                      label=f"overflow buckets{tag}")
        else:
            ax_t.plot(x, [p["tombstones"] or 0 for p in tl], color=c, lw=1.4,
                      label=f"tombstones{tag}")
        for ax in axes:
            _mark_events(ax, r, c)
    ax_b.set_ylabel(f"live {unit}")
    ax_a.set_ylabel(f"allocated {aunit}")
    ax_a.legend(fontsize=8, loc="lower right")
    ax_e.set_ylabel("entries / slots")
    ax_t.set_ylabel("count")
    ax_t.set_xlabel("operation")
    r0 = reports[0]
    impls = " vs ".join(r.impl for r in reports)
    fig.suptitle(f"map[{r0.key}]{r0.value} — {r0.workload or 'ops'} — {impls}\n"
                 "dotted lines: growth events (classic growths shaded until they finish)",
                 fontsize=10)
    ax_b.set_title("bytes", fontsize=9, loc="left")
    ax_e.set_title("entries and capacity", fontsize=9, loc="left")
    ax_t.set_title("tombstones (swiss) / overflow buckets (classic)", fontsize=9, loc="left")
    for ax in axes:
        ax.legend(fontsize=8, loc="upper left")
        ax.grid(alpha=0.3)
    fig.tight_layout()
    # Write exactly the path given: matplotlib would add ".png" to a name without a
    # known extension; with an explicit format it does not.
    ext = Path(path).suffix.lower().lstrip(".")
    fmt = ext if ext in fig.canvas.get_supported_filetypes() else "png"
    fig.savefig(str(path), dpi=110, format=fmt)
    plt.close(fig)
