"""``--go`` on the command line: compare releases, simulate one, verify one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gomap.cli import main
from gomap.versions import GO_RELEASES
from tests.support.cli import run
from tests.support.oracle import require_go

CHURN = "churn:size=5000,cycles=8"


def test_compare_go_puts_the_churn_difference_down_to_prune_tombstones(tmp_path: Path) -> None:
    out = tmp_path / "up.json"
    p = run("compare", "--go", "1.24,1.25,1.27", "--pattern", CHURN, "--no-progress",
            "--json", str(out))
    assert p.returncode == 0, p.stderr
    newest = [GO_RELEASES[m].newest for m in ("1.24", "1.25", "1.27")]  # what a minor means
    assert f"Go {newest[0]} → Go {newest[1]}" in p.stdout
    assert "prune_tombstones (Go 1.25)" in p.stdout
    data = json.loads(out.read_text())
    assert [r["go"] for r in data["releases"]] == newest
    up24, up25 = data["upgrades"]
    (prune,) = [e for e in up24["effects"] if e["cause"] == "prune_tombstones"]
    assert prune["reached"] and prune["live_bytes"] < 0
    # The rule steps add up to the whole difference (nothing unattributed).
    assert all(e["cause"] != "unattributed" for u in data["upgrades"] for e in u["effects"])
    for key in ("live_bytes", "allocated_bytes"):
        assert sum(e[key] for e in up24["effects"]) == up24["total"][key]
    assert up25["total"]["live_bytes"] == 0  # 1.25 -> 1.27: churn is not what changed


def test_compare_go_names_the_design_change_and_the_small_map_rule(tmp_path: Path) -> None:
    ops = tmp_path / "ops.txt"
    # Eight keys, then an update of one: Go 1.26 grows the full small map to a table.
    ops.write_text("".join(f"set {i}\n" for i in range(8)) + "set 3\n")
    out = tmp_path / "up.json"
    assert main(["compare", "--go", "1.23,1.26,1.27", "--ops", str(ops), "--no-progress",
                 "--json", str(out)]) == 0
    d23, d26 = json.loads(out.read_text())["upgrades"]
    assert d23["design_changed"] and d23["effects"][0]["cause"] == "design"
    (small,) = [e for e in d26["effects"] if e["cause"] == "small_update_in_place"]
    assert small["reached"] and small["live_bytes"] < 0
    assert small["growth"] == {"small→table": -1}


@pytest.mark.parametrize(("args", "message"), [
    (["compare", "--go", "1.24"], "two or more"),
    (["compare", "--go", "1.24,1.19"], "not supported"),
    (["compare", "--go", "1.23,1.24", "--impl", "swiss"], "starts with Go 1.24"),
    (["compare", "--impl", "swiss"], "needs --go"),
    (["simulate", "--go", "1.26", "--impl", "classic"], "noswissmap"),
    (["simulate", "--go", "1.24,1.25"], "one release"),
    (["verify", "--go", "1.27", "--impl", "classic"], "has no 'classic'"),
])
def test_bad_go_arguments_exit_2(args: list[str], message: str) -> None:
    p = run(*args, "--no-progress" if args[0] != "verify" else "--no-shapes")
    assert p.returncode == 2, p.stdout + p.stderr
    assert message in " ".join((p.stdout + p.stderr).split())
    assert "Traceback" not in p.stderr


def test_simulate_go_1_24_classic_is_the_noswissmap_build(tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    assert main(["simulate", "--go", "1.24", "--impl", "classic", "--pattern", "fill:n=10",
                 "--no-progress", "--json", str(out)]) == 0
    r = json.loads(out.read_text())
    assert (r["impl"], r["go"], r["layout"]["classic"]["hmap_size"]) == ("classic", "1.24.11", 56)


@pytest.mark.oracle
def test_verify_go_runs_that_release() -> None:
    require_go("1.25.5")
    p = run("verify", "--go", "1.25", "--impl", "classic", "--key", "int64", "--ops", "2000",
            "--no-shapes")
    assert p.returncode == 0, p.stdout + p.stderr
    assert "Go 1.25.5 runtime" in p.stdout and "exact" in p.stdout
