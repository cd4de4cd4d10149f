"""``--plot FILE.png``: what a map holds and costs over a run, one panel per quantity.

Designed to be read right at first sight:

* one colour per run (engine or Go release), named in every legend entry and the title
  says what differs between the runs (``Go 1.24.11 vs Go 1.25.5``);
* live bytes and bytes allocated since ``make`` each have their own panel, in the same
  unit, so neither hides under the other and no second axis in other units invites a
  false comparison;
* a growth that spans operations (classic's incremental growth) is shaded from its
  start to its end, never narrower than a visible band; instant growths (Swiss
  splits, table grows) are ticks along the top of each panel.

Drawn with matplotlib's headless Agg backend.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gomap.engines import get_engine
from gomap.sim.simulator import SimReport

PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b")
"""One colour per run, in the order the runs are given."""

MIN_SHADE = 0.004
"""The narrowest growth band drawn, as a fraction of the x range (0.4 %)."""


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


def run_names(reports: list[SimReport]) -> tuple[list[str], str]:
    """(a name per run, the title's account of what differs): the engine when the
    engines differ, the Go release when the releases differ, both when both do."""
    impls = {r.impl for r in reports}
    gos = {r.go for r in reports}
    if len(reports) == 1:
        r = reports[0]
        return [f"{r.impl}"], f"{r.impl}, Go {r.go}"
    names = []
    for r in reports:
        parts = []
        if len(gos) > 1 or len(impls) == 1:
            parts.append(f"Go {r.go}")
        if len(impls) > 1:
            parts.append(r.impl if len(gos) > 1 else f"{r.impl} (Go {r.go})")
        names.append(" ".join(parts))
    what = " vs ".join(names)
    if len(impls) == 1:
        what += f" (both {next(iter(impls))})" if len(reports) == 2 else \
            f" (all {next(iter(impls))})"
    return names, what


def _growths(ax: Any, r: SimReport, color: str, span: float) -> tuple[int, int]:
    """Shade growths in progress, tick instant ones; (shaded, ticked) counts."""
    shaded = ticked = 0
    ticks = []
    for ev in r.events:
        start, end = ev["start_op"], ev.get("end_op")
        if end is None:
            end = r.ops
        if end > start:
            width = max(end - start, MIN_SHADE * span)
            ax.axvspan(start, start + width, color=color, alpha=0.18, lw=0)
            shaded += 1
        else:
            ticks.append(start)
            ticked += 1
    if ticks:
        # along the top edge, in axes coordinates: visible however many there are
        ax.plot(ticks, [0.97] * len(ticks), "|", color=color, ms=7, mew=1,
                transform=ax.get_xaxis_transform(), alpha=0.8)
    return shaded, ticked


SHARED = "#222222"
"""The colour of a line several runs share exactly (drawn once, named for all of them)."""


def _series(ax: Any, reports: list[SimReport], names: list[str], what: str,
            ys: Any, **style: Any) -> None:
    """Draw ``ys(report) -> (x, y) or None`` for every run: each in its run's colour,
    but runs whose lines are identical as one line in :data:`SHARED`, labelled with
    all their names, so that no line hides under another."""
    groups: dict[Any, list[int]] = {}
    for i, r in enumerate(reports):
        xy = ys(r)
        if xy is None:
            continue
        groups.setdefault((tuple(xy[0]), tuple(xy[1])), []).append(i)
    n = len(groups)
    for k, ((x, y), idx) in enumerate(groups.items()):
        st = dict(style)
        if st.get("ls") == "--" and n > 1:
            # interleaved dashes: lines that lie on (or near) each other all show
            st["ls"] = (4 * k, (4, 4 * (n - 1)))
        if len(idx) == 1 or len(reports) == 1:
            color, who = PALETTE[idx[0] % len(PALETTE)], names[idx[0]]
        else:
            color = SHARED
            who = ("every run" if len(idx) == len(reports)
                   else " = ".join(names[i] for i in idx)) + ", the same"
        label = f"{what} — {who}" if len(reports) > 1 else what
        unit, scale = st.pop("unit", ""), st.pop("scale", 1.0)
        if st.pop("hline", False):
            raw = y[0] * scale
            shown = f"{raw:,.0f} B" if raw < 10 * 1024 else f"{y[0]:,.3g} {unit}"
            ax.axhline(y[0], color=color, label=f"{label}: {shown}", **st)
        else:
            ax.plot(list(x), list(y), color=color, label=label, **st)


def build_figure(reports: list[SimReport]) -> Any:
    """The figure of :func:`plot_reports` (a matplotlib ``Figure``)."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    plt = _pyplot()
    overflow = [get_engine(r.impl).tracks_overflow for r in reports]
    fig, axes = plt.subplots(4, 1, figsize=(11, 11), sharex=True,
                             gridspec_kw={"height_ratios": [3, 2, 2, 2]})
    ax_live, ax_alloc, ax_e, ax_t = axes
    top = max((max(p["live_bytes"], p["allocated_bytes"]) for r in reports
               for p in r.timeline), default=1)
    unit, div = _unit(top)
    names, what = run_names(reports)
    span = max((r.ops for r in reports), default=1) or 1

    def field(name: str, scale: float = 1.0, only: Any = None) -> Any:
        def xy(r: SimReport) -> Any:
            if only is not None and not only(r):
                return None
            return ([p["op"] for p in r.timeline],
                    [(p[name] or 0) / scale for p in r.timeline])
        return xy

    def rebuilt(r: SimReport) -> Any:
        if not r.rebuild or r.rebuild.get("live_bytes") is None:
            return None
        return [0], [r.rebuild["live_bytes"] / div]

    def tracks(r: SimReport) -> bool:
        return get_engine(r.impl).tracks_overflow

    _series(ax_live, reports, names, "live", field("live_bytes", div), lw=1.8)
    _series(ax_live, reports, names, "if rebuilt at the end", rebuilt, lw=1, ls="--",
            hline=True, unit=unit, scale=div)
    _series(ax_alloc, reports, names, "allocated since make", field("allocated_bytes", div),
            lw=1.6)
    _series(ax_e, reports, names, "entries", field("entries"), lw=1.8)
    _series(ax_e, reports, names, "slots", field("capacity"), lw=1, ls="--")
    _series(ax_t, reports, names, "overflow buckets", field("overflow_buckets", only=tracks),
            lw=1.4)
    _series(ax_t, reports, names, "tombstones",
            field("tombstones", only=lambda r: not tracks(r)), lw=1.4)
    shaded = ticked = 0
    for i, r in enumerate(reports):
        c = PALETTE[i % len(PALETTE)]
        for ax in axes:
            s, t = _growths(ax, r, c, span)
        shaded += s
        ticked += t
    ax_live.set_ylabel(unit)
    ax_alloc.set_ylabel(unit)
    ax_live.set_ylim(bottom=0)
    ax_alloc.set_ylim(bottom=0)
    ax_e.set_ylabel("count")
    ax_t.set_ylabel("count")
    ax_t.set_xlabel("operation")
    ax_live.set_title(f"live bytes (what the map holds now; {unit})", fontsize=9, loc="left")
    ax_alloc.set_title(f"allocated since make (every allocation added up, never goes down; "
                       f"{unit})", fontsize=9, loc="left")
    ax_e.set_title("entries and slots", fontsize=9, loc="left")
    kinds = [k for k, on in (("overflow buckets", any(overflow)),
                             ("tombstones", not all(overflow))) if on]
    ax_t.set_title(" and ".join(kinds), fontsize=9, loc="left")
    r0 = reports[0]
    fig.suptitle(f"map[{r0.key}]{r0.value} — {r0.workload or 'ops'}: {what}", fontsize=11)
    for ax in axes:
        ax.legend(fontsize=8, loc="upper left")
        ax.grid(alpha=0.3)
    key: list[Any] = []
    if shaded:
        key.append(Patch(color="grey", alpha=0.3, label="growth in progress (shaded)"))
    if ticked:
        key.append(Line2D([], [], marker="|", ls="", color="grey", ms=8,
                          label="growth event (tick at the top)"))
    if key:
        fig.legend(handles=key, loc="lower right", fontsize=8, ncol=len(key), frameon=False)
    fig.tight_layout(rect=(0, 0.02, 1, 1))
    return fig


def plot_reports(reports: list[SimReport], path: str | Path) -> None:
    """Write :func:`build_figure` of ``reports`` to exactly ``path`` (PNG unless its
    extension names another format matplotlib writes)."""
    plt = _pyplot()
    fig = build_figure(reports)
    # Write exactly the path given: matplotlib would add ".png" to a name without a
    # known extension; with an explicit format it does not.
    ext = Path(path).suffix.lower().lstrip(".")
    fmt = ext if ext in fig.canvas.get_supported_filetypes() else "png"
    fig.savefig(str(path), dpi=110, format=fmt)
    plt.close(fig)
