"""Plots that tell the truth: a release comparison labelled and coloured by release,
allocated bytes in their own panel, growth shading visible on a long run."""

from __future__ import annotations

import os
from typing import Any

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")


# --- plots that tell the truth -----------------------------------------------------------
def _figure(reports: list[Any]) -> Any:
    pytest.importorskip("matplotlib")
    from gomap.sim.plot import build_figure

    return build_figure(reports)


def _legend(ax: Any) -> list[str]:
    leg = ax.get_legend()
    return [t.get_text() for t in leg.get_texts()] if leg else []


def _lines_by_label(fig: Any) -> dict[str, Any]:
    return {ln.get_label(): ln for ax in fig.axes for ln in ax.get_lines()
            if not ln.get_label().startswith("_")}


def _sim(impl: str, pattern: str, go: str | None = None) -> Any:
    from gomap.layout.types import parse_key_type
    from gomap.sim.ops import KeyDomain
    from gomap.sim.simulator import simulate
    from gomap.sim.workloads import parse_pattern

    w = parse_pattern(pattern)
    return simulate(impl, "int64", "int64", w.ops(KeyDomain(parse_key_type("int64"))),
                    total=w.total, workload=w.spec(), go=go, samples=200)


def test_a_release_comparison_is_labelled_and_coloured_by_release() -> None:
    import matplotlib.pyplot as plt

    pat = "churn:size=56,cycles=300,hint=100"
    reports = [_sim("swiss", pat, "1.24"), _sim("swiss", pat, "1.25")]
    fig = _figure(reports)
    title = fig._suptitle.get_text()
    assert "Go 1.24" in title and "Go 1.25" in title and "swiss vs swiss" not in title
    for ax in fig.axes:
        labels = _legend(ax)
        assert len(labels) == len(set(labels)), labels  # no entry twice
    lines = _lines_by_label(fig)
    a = next(v for k, v in lines.items() if k.startswith("tombstones — Go 1.24"))
    b = next(v for k, v in lines.items() if k.startswith("tombstones — Go 1.25"))
    assert a.get_color() != b.get_color()
    # the entries are the same in both runs: one line, named for both, not two on top
    assert [k for k in lines if k.startswith("entries")] == ["entries — every run, the same"]
    plt.close(fig)


def test_allocated_bytes_have_their_own_panel_in_the_live_panels_unit() -> None:
    import matplotlib.pyplot as plt

    for impl, pattern in (("swiss", "fill:n=3000"), ("classic", "growshrink:cycles=2,"
                                                      "high=40000,low=4000")):
        fig = _figure([_sim(impl, pattern)])
        live_ax = next(ax for ax in fig.axes if "live" in " ".join(_legend(ax)))
        alloc_ax = next(ax for ax in fig.axes if "allocated since make" in _legend(ax))
        assert live_ax is not alloc_ax  # fill: allocated == live, it cannot hide
        assert "allocated since make" not in _legend(live_ax)
        assert live_ax.get_ylabel() == alloc_ax.get_ylabel()  # one unit
        assert len(fig.axes) == 4  # no twin axis
        plt.close(fig)


def test_growth_shading_stays_visible_on_a_long_run() -> None:
    import matplotlib.pyplot as plt

    from gomap.sim.plot import MIN_SHADE

    r = _sim("classic", "growshrink:cycles=3,high=30000,low=3000")
    fig = _figure([r])
    ax = fig.axes[0]
    spans = [p for p in ax.patches]
    assert spans
    lo, hi = ax.get_xlim()
    widths = [p.get_window_extent().width / ax.get_window_extent().width for p in spans]
    assert min(widths) >= MIN_SHADE * r.ops / (hi - lo) * 0.99
    plt.close(fig)
