"""``gomap demo`` narrates each growth, fits 80 columns, and says so when the map
never grows."""

from __future__ import annotations

import pytest

from tests.support.cli import gomap


# --- gomap demo narrates and fits 80 columns ---------------------------------------------
@pytest.mark.parametrize("impl, rule", [
    ("classic", "hashGrow — count+1 = 14 > 6.5 × 2^1 = 13"),
    ("swiss", "growToTable — 8 of 8 slots used, insert #9"),
])
def test_demo_narrates_each_growth_and_fits_80_columns(impl: str, rule: str) -> None:
    import re

    p = gomap("demo", "--impl", impl, "-n", "20000", env={"COLUMNS": "80"})
    assert p.returncode == 0, p.stderr.decode()
    out = p.stdout.decode()
    assert all(len(line) <= 80 for line in out.splitlines())
    assert not re.search(r"\w…", out), "a cell was cut"
    for header in ("tombstones", "slots", "load", "layout"):
        assert header in out
    flat = " ".join(out.split())
    assert " ".join(rule.split()) in flat
    assert "old_capacity=" not in out and "dropped_tombstones=" not in out  # no raw fields
    assert "more like these" in out  # the long middle is summarised, not 40 rows


def test_demo_of_a_map_that_never_grows_says_so() -> None:
    from rich.console import Console

    from gomap.demo import run_demo

    c = Console(width=80, record=True)
    run_demo(c, impl="swiss", n=5)
    assert "no growth" in c.export_text()
