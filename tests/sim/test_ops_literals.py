"""Ops files read Go's literals (gomap.sim.ops): floats, hex, binary, NaN and Inf,
runes, constants Go rejects, ``make`` hints as Go constants, and SIMULATE.md's ops
example as written. Through ``python -m gomap`` exactly as a user runs it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support import REPO
from tests.support.cli import gomap, report


# --- Go literals in ops files ------------------------------------------------------------
@pytest.mark.parametrize("key,lines,entries", [
    ("float64", ["NaN", "NaN", "+Inf", "-Inf", "math.NaN()", "math.Inf(1)", "math.Inf(-1)"], 5),
    ("float64", ["0x1p-2", "0.25", "0x1.8p1", "3"], 2),
    ("float64", ["0x10", "16", "1e1", "10.0"], 2),
    ("int64", ["0x10", "16", "1e1", "10.0", "0b1010"], 2),
    ("float32", ["0.1", "0.10000000000000001", "0.1000000001"], 1),
    ("any", ["1", "1.0", "'1'", '"1"', "true", "1", "49"], 6),  # '1' is int32(49), not 49
    ("struct{}", ["0", "0"], 1),
])
def test_ops_literals_follow_go(key: str, lines: list[str], entries: int) -> None:
    ops = "".join(f"set {x}\n" for x in lines)
    d = report(gomap("simulate", "--key", key, "--ops", "-", "--json", "-", stdin=ops))
    assert d["entries"] == entries and d["ops"] == len(lines)


@pytest.mark.parametrize("key,line,msg", [
    ("float64", "1e309", "constant 1e309 overflows float64"),
    ("float32", "1e39", "constant 1e39 overflows float32"),
    ("int64", "1.5", "truncated to integer"),
    ("int8", "300", "constant 300 overflows int8"),
    ("int64", "NaN", "is not an integer"),
    ("struct{}", "1", "has only one value"),
    ("struct{_ int}", "2", "has only one value"),
    ("any", "9223372036854775808", "overflows int"),
])
def test_ops_literals_go_rejects_are_rejected(key: str, line: str, msg: str) -> None:
    p = gomap("simulate", "--key", key, "--ops", "-", stdin=f"set {line}\n")
    assert p.returncode == 2
    assert p.stderr.decode().startswith(f"<stdin>:1: {msg}") or msg in p.stderr.decode()


def test_make_hints_are_go_constants() -> None:
    d = report(gomap("simulate", "--ops", "-", "--json", "-", stdin="make 1e3\nset 1\n"))
    assert d["hint"] == 1000
    for bad, msg in [("make -1", "negative"), ("make 1.5", "integer"),
                     ("make 9223372036854775808", "overflows int")]:
        p = gomap("simulate", "--ops", "-", stdin=bad + "\n")
        assert p.returncode == 2 and msg in p.stderr.decode(), bad


def test_a_huge_offending_line_is_echoed_once_and_truncated() -> None:
    line = "set " + "9" * 5000
    p = gomap("simulate", "--key", "int64", "--ops", "-", stdin=line + "\n")
    err = p.stderr.decode()
    assert p.returncode == 2
    assert len(err) < 1200 and "more characters" in err


def test_the_simulate_docs_ops_example_runs_as_written(tmp_path: Path) -> None:
    import shlex

    doc = (REPO / "docs" / "SIMULATE.md").read_text()
    start = doc.index("# my.ops — ")
    body = doc[start:doc.index("```", start)]
    cmd = body.splitlines()[0].split("— ", 1)[1].split("(")[0]
    (tmp_path / "my.ops").write_text(body)
    args = shlex.split(cmd)
    assert args[:2] == ["gomap", "simulate"]
    d = report(gomap(*args[1:], "--json", "-", cwd=tmp_path))
    assert d["ops"] == len([ln for ln in body.splitlines()
                            if ln.split("#")[0].strip() and not ln.startswith("make")])
