"""The simulator: ops files, workload generators, reports, JSON, plots and the CLI."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from gomap.cli import main
from gomap.gokeys import IfaceKey
from gomap.layout.types import parse_go_type
from gomap.sim.ops import (
    CLEAR,
    DEL,
    GET,
    MAKE,
    RANGE,
    SET,
    KeyDomain,
    KeyLiteralError,
    OpsFileError,
    go_quote,
    parse_literal,
    parse_ops_lines,
    read_ops_file,
)
from gomap.sim.simulator import simulate
from gomap.sim.workloads import PATTERNS, WorkloadError, parse_pattern

os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.fixture(autouse=True)
def _wide_console(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")  # rich wraps at the terminal width


def dom(t: str) -> KeyDomain:
    return KeyDomain(parse_go_type(t))


# --- literals and the ops file ----------------------------------------------------------
def test_go_literals() -> None:
    assert parse_literal("42") == 42
    assert parse_literal("-0x2a") == -42
    assert parse_literal("0b101") == 5
    assert parse_literal("0o17") == parse_literal("017") == 15
    assert parse_literal("1_000") == 1000
    assert parse_literal('"a\\tb\\u00e9\\U0001F600"') == "a\tb\u00e9\U0001F600"
    assert parse_literal("`raw\\n`") == "raw\\n"
    assert parse_literal("'x'") == ord("x")
    assert parse_literal("1.5") == 1.5 and parse_literal("1e3") == 1000.0
    assert parse_literal("true") is True
    for bad in ("", "abc", '"unterminated', '"bad \\q escape"', "0x", "1.2.3"):
        with pytest.raises(ValueError):
            parse_literal(bad)
    s = "q\"\\\u00e9\U0001F600"
    assert parse_literal(go_quote(s)) == s


def test_ops_file_format(tmp_path: Path) -> None:
    p = tmp_path / "w.ops"
    p.write_text(
        "# a workload\n"
        "make 16\n"
        "set 1      # a trailing comment\n"
        "set 0x10\n"
        "\n"
        "get 1\n"
        "del 1\n"
        "iter\n"
        "clear\n"
    )
    ops = read_ops_file(p, dom("int64"))
    assert ops == [(MAKE, 16), (SET, 1), (SET, 16), (GET, 1), (DEL, 1), (RANGE, None),
                   (CLEAR, None)]
    s = list(parse_ops_lines(['set "a # not a comment"  # comment', "del `b`"], dom("string")))
    assert s == [(SET, "a # not a comment"), (DEL, "b")]


def test_one_ops_vocabulary():
    """The ops file's words are aliases of gomap.ops' codes: every word of OPS's
    file column parses to its code; the old name sim.ops.ITER is RANGE, with a warning."""
    import gomap.ops
    import gomap.sim.ops

    for op in gomap.ops.OPS:
        if not op.file_name:
            continue
        line = {"hint": "make 3", "key": f"{op.file_name} 7", "": op.file_name}[op.arg]
        (parsed,) = parse_ops_lines([line], dom("int64"))
        assert parsed[0] == op.code, op
    assert gomap.ops.FILE_OP_NAMES[RANGE] == "iter" and gomap.ops.OP_NAMES[RANGE] == "range"
    with pytest.warns(DeprecationWarning, match="RANGE"):
        assert gomap.sim.ops.ITER == RANGE != gomap.ops.ITER


@pytest.mark.parametrize(
    "lines,lineno,msg",
    [
        (["set 1", "sett 2"], 2, "unknown operation 'sett'"),
        (["set 1", "", "# c", "set"], 4, "set needs a key"),
        (["set 300"], 1, "constant 300 overflows int8"),
        (["set 1", "clear now"], 2, "clear takes no argument"),
        (["set 1", "make 5"], 2, "make may only be the first operation"),
        (['set "x'], 1, "not a Go literal"),
        (["get 1.5"], 1, "constant 1.5 truncated to integer"),
        (["get true"], 1, "is not an integer"),
    ],
)
def test_bad_ops_lines_name_their_line(lines: list[str], lineno: int, msg: str) -> None:
    with pytest.raises(OpsFileError) as e:
        list(parse_ops_lines(lines, dom("int8"), "w.ops"))
    assert e.value.lineno == lineno
    assert msg in str(e.value)
    assert str(e.value).startswith(f"w.ops:{lineno}: ")
    assert lines[lineno - 1] in str(e.value)


def test_key_domains_follow_go_types() -> None:
    assert dom("string").from_value(5) == "5"
    with pytest.raises(KeyLiteralError, match="quote it"):
        dom("string").from_literal(5)
    assert dom("int8").from_value(130) == -126  # wraps like int8(130)
    assert dom("uint16").from_literal(65535) == 65535
    assert dom("float64").from_literal(3) == 3.0
    assert dom("bool").from_literal(True) is True
    assert dom("any").from_literal("x") == IfaceKey("x") != "x"
    assert dom("any").from_literal(5) == IfaceKey(5) != IfaceKey(5.0)
    assert dom("[17]int64").from_literal(9) == 9
    with pytest.raises(KeyLiteralError, match="n-th distinct value"):
        dom("struct{a int32; b string}").from_literal("x")


# --- workloads --------------------------------------------------------------------------
@pytest.mark.parametrize("name", PATTERNS)
def test_every_pattern_generates_as_many_ops_as_it_announces(name: str) -> None:
    small = {"fill": "n=300", "drain": "n=300,keep=0.2", "churn": "size=40,cycles=3",
             "growshrink": "cycles=3,high=200,low=20", "mix": "n=500,space=50,iter=0.02,clear=0.01",
             "hinted": "n=100", "default": "n=300"}
    w = parse_pattern(f"{name}:{small[name]},keys=string:6")
    ops = list(w.ops(dom("string")))
    assert ops[0][0] == MAKE
    assert len(ops) - 1 == w.total
    assert ops == list(parse_pattern(f"{name}:{small[name]},keys=string:6").ops(dom("string")))


def test_workload_shapes() -> None:
    w = parse_pattern("churn:size=10,cycles=2,keys=seq")
    ops = list(w.ops(dom("int64")))[1:]
    assert [c for c, _ in ops[:10]] == [SET] * 10
    assert [c for c, _ in ops[10:14]] == [DEL, SET, DEL, SET]  # constant size
    live: set[int] = set()
    for c, k in ops:
        live.add(k) if c == SET else live.discard(k)
    assert len(live) == 10
    d = list(parse_pattern("drain:n=100,keep=0.25").ops(dom("int64")))[1:]
    assert sum(c == DEL for c, _ in d) == 75
    assert parse_pattern("hinted:n=2k").hint == 2000
    assert parse_pattern("fill:n=1M").total == 1_000_000
    assert parse_pattern("fill:n=1e3,hint=10").hint == 10
    keys = [k for c, k in parse_pattern("fill:n=50,keys=string:12").ops(dom("string")) if c == SET]
    assert all(len(k) == 12 for k in keys) and len(set(keys)) == 50


@pytest.mark.parametrize(
    "spec,msg",
    [
        ("shrink", "unknown pattern 'shrink'"),
        ("fill:m=3", "unknown parameter 'm'"),
        ("fill:n=x", "is not a number"),
        ("fill:n=1.5", "whole number"),
        ("drain:keep=2", "keep is a fraction"),
        ("fill:keys=uuid", "use seq, random or string:LENGTH"),
        ("growshrink:low=9,high=3", "low must not exceed high"),
        ("mix:set=0,get=0,del=0", "add up to zero"),
        ("fill:n", "is not param=value"),
    ],
)
def test_bad_patterns_say_why(spec: str, msg: str) -> None:
    with pytest.raises(WorkloadError, match=None) as e:
        parse_pattern(spec)
    assert msg in str(e.value)


# --- the simulator ----------------------------------------------------------------------
def _run(impl: str, spec: str, **kw: object) -> object:
    w = parse_pattern(spec)
    return simulate(impl, "int64", "int64", w.ops(dom("int64")), total=w.total,
                    workload=w.spec(), **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize("impl", ["classic", "swiss"])
def test_simulate_reports_the_never_shrinks_account(impl: str) -> None:
    r = _run(impl, "drain:n=20000,keep=0.05")
    d = r.as_dict()  # type: ignore[attr-defined]
    for key in ("impl", "key", "value", "ops", "live_bytes", "allocated_bytes",
                "peak_live_bytes", "events", "timeline"):
        assert key in d
    assert d["ops"] == 20000 + 19000
    assert d["entries"] == 1000 and d["max_entries"] == 20000
    assert d["peak_live_bytes"] >= d["live_bytes"] > d["rebuild"]["live_bytes"]
    assert d["rebuild"]["ratio"] > 5 and "never shrinks" in d["rebuild"]["advice"]
    assert d["allocated_bytes"] >= d["peak_live_bytes"]
    kinds = {e["kind"] for e in d["events"]}
    assert kinds & ({"grow"} if impl == "classic" else {"table grow", "split"})
    assert all(e["start_op"] <= e["end_op"] for e in d["events"] if e["end_op"] is not None)
    json.dumps(d)  # JSON-able


def test_classic_growth_events_start_and_end_at_different_ops() -> None:
    r = _run("classic", "fill:n=5000")
    spans = [(e["start_op"], e["end_op"]) for e in r.events]  # type: ignore[attr-defined]
    assert any(b > a for a, b in spans)
    last = r.events[-1]  # type: ignore[attr-defined]
    assert last["end_op"] is None or last["end_op"] <= 5000


def test_timeline_is_sampled_and_bounded() -> None:
    r = _run("swiss", "mix:n=60000,space=3000", samples=50)
    tl = r.timeline  # type: ignore[attr-defined]
    assert 50 <= len(tl) <= 52
    assert tl[0]["op"] == 0 and tl[-1]["op"] == 60000
    fields = {"op", "live_bytes", "allocated_bytes", "entries", "capacity", "tombstones"}
    assert fields <= set(tl[1])
    # without a known total the stride doubles as the run goes
    w = parse_pattern("mix:n=30000,space=100")
    r2 = simulate("classic", "int64", "int64", w.ops(dom("int64")), samples=20)
    assert len(r2.timeline) <= 41


def test_simulate_matches_the_accounted_gomap() -> None:
    from gomap import GoMap

    w = parse_pattern("churn:size=500,cycles=3")
    r = simulate("classic", "string", "int64", w.ops(dom("string")), seed=9, rebuild=False)
    m = GoMap(impl="classic", key_type="string", value_type="int64", seed=9)
    for code, k in list(w.ops(dom("string")))[1:]:
        if code == SET:
            m[k] = 0
        else:
            m.delete(k)
    assert (r.live_bytes, r.allocated_bytes) == (m.memory().live_bytes,
                                                 m.memory().allocated_bytes)


def test_progress_is_reported() -> None:
    seen: list[int] = []
    _run("swiss", "fill:n=10000", progress=seen.append, rebuild=False)
    assert seen[-1] == 10000 and len(seen) >= 2


@pytest.mark.slow
def test_a_million_operations_stay_bounded() -> None:
    seen: list[int] = []
    r = _run("swiss", "mix:n=1M,space=2000", progress=seen.append)
    assert r.ops == 1_000_000  # type: ignore[attr-defined]
    assert len(r.timeline) <= 1002  # type: ignore[attr-defined]
    assert len(seen) >= 200


# --- the CLI ----------------------------------------------------------------------------
def test_cli_simulate_writes_json_and_plot(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                           ) -> None:
    js, png = tmp_path / "r.json", tmp_path / "r.png"
    rc = main(["simulate", "--impl", "classic", "--key", "string", "--value", "[]byte",
               "--pattern", "churn:size=300,cycles=2,keys=string:8", "--json", str(js),
               "--plot", str(png), "--seeds", "3"])
    assert rc == 0
    out = capsys.readouterr().out
    assert "map[string][]uint8" in out and "never shrinks" in out and "3 hash seeds" in out
    d = json.loads(js.read_text())
    assert d["impl"] == "classic" and d["key"] == "string" and d["value"] == "[]uint8"
    assert len(d["seed_runs"]) == 3 and "live_bytes" in d["spread"]
    assert png.stat().st_size > 10_000
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_cli_simulate_runs_an_ops_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                       ) -> None:
    p = tmp_path / "w.ops"
    p.write_text("make 100\n" + "".join(f"set {i}\n" for i in range(200)) + "iter\nclear\n")
    assert main(["simulate", "--ops", str(p), "--key", "uint16", "--value", "bool"]) == 0
    assert "202 operations" in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv,msg",
    [
        (["--key", "[]int"], "not comparable"),
        (["--key", "map[int]int"], "invalid map key type map[int]int"),
        (["--value", "strin"], "unknown type 'strin'"),
        (["--pattern", "fill:n=-1"], "n must be >= 0"),
        (["--ops", "x.ops", "--pattern", "fill"], "not both"),
        (["--ops", "/nonexistent/w.ops"], "cannot read the file"),
        (["--seeds", "0", "--pattern", "fill:n=10"], "--seeds must be at least 1"),
    ],
)
def test_cli_bad_input_exits_2(argv: list[str], msg: str, capsys: pytest.CaptureFixture[str]
                               ) -> None:
    assert main(["simulate", *argv]) == 2
    assert msg in capsys.readouterr().err.replace("\n", " ")  # errors go to stderr


def test_cli_bad_ops_line_exits_2_with_the_line(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    p = tmp_path / "w.ops"
    p.write_text("set 1\nset 2\nput 3\n")
    assert main(["simulate", "--ops", str(p)]) == 2
    out = capsys.readouterr().err
    assert "w.ops:3:" in out and "unknown operation 'put'" in out and "put 3" in out


def test_cli_compare(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    js, png = tmp_path / "c.json", tmp_path / "c.png"
    rc = main(["compare", "--key", "int64", "--value", "struct{}", "--pattern",
               "drain:n=5000,keep=0.1", "--json", str(js), "--plot", str(png)])
    assert rc == 0
    out = capsys.readouterr().out
    assert "classic" in out and "swiss" in out and "gomap compare" in out
    d = json.loads(js.read_text())
    assert d["classic"]["impl"] == "classic" and d["swiss"]["impl"] == "swiss"
    assert d["classic"]["ops"] == d["swiss"]["ops"] == 9500
    assert png.exists()
