"""The tracer: exact event sequences and narration numbers for named workloads,
counters equal to a full scan after every op, the page's delta-encoded steps equal
to the engine's snapshot after every op, and the JSONL / Chrome exports against
their schemas."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gomap.layout.types import parse_key_type
from gomap.sim.ops import CLEAR, DEL, GET, MAKE, RANGE, SET, KeyDomain
from gomap.sim.simulator import simulate
from gomap.sim.workloads import parse_pattern
from gomap.trace.export import header, write_trace
from gomap.trace.narration import TABLES
from gomap.trace.tracer import Tracer
from gomap.trace.viz import KeyTable, embed_json, record_steps
from tests.support import DATA, REPO
from tests.support.trace import (
    PageTwin,
    expected_state,
    normalise_page_state,
    snapshot_counters,
)

DOCS = REPO / "docs"


def pattern_ops(pattern: str, key: str = "int64") -> Any:
    return parse_pattern(pattern).ops(KeyDomain(parse_key_type(key)))


def check_every_op(impl: str, ops: Any, key: str = "int64", value: str = "int64") -> int:
    """Trace ``ops``; after every op the counters equal a full scan and the page's
    steps rebuild the engine's snapshot. Returns the number of events seen."""
    keys = KeyTable()
    twin = PageTwin(impl, keys.texts)
    n_events = 0
    seen: list[Any] = []

    def check(tr: Tracer) -> None:
        eng = tr.eng
        assert eng is not None
        eng.check_invariants()
        snap = eng.snapshot()
        want = snapshot_counters(snap, eng.memory().live_bytes)
        got = {k: int(tr.counters[k]) for k in want}
        assert got == want, f"op {len(seen)}"
        seen.append(snap)

    steps, _, _ = record_steps(impl, key, value, iter(ops), keys, check=check)
    for i, step in enumerate(steps):
        twin.apply(step[2])
        n_events += len(step[1] or ())
        assert normalise_page_state(twin.state()) == expected_state(seen[i]), f"step {i}"
    return n_events


@pytest.mark.parametrize("pattern,key,value", [
    ("mix:n=1500,space=150,set=0.5,get=0.2,del=0.3,iter=0.004,clear=0.002", "int64", "int64"),
    ("churn:size=200,cycles=3", "int64", "int64"),
    ("drain:n=450,keep=0.05,keys=string:6", "string", "[40]int64"),
    ("hinted:n=300", "int64", "int64"),
])
def test_counters_and_page_steps_equal_the_engine_after_every_op(
        impl: str, pattern: str, key: str, value: str) -> None:
    assert check_every_op(impl, pattern_ops(pattern, key), key, value) > 0


OPS = st.lists(st.tuples(st.sampled_from([SET, SET, SET, DEL, DEL, GET, RANGE, CLEAR]),
                         st.integers(0, 40)), max_size=150)


@given(OPS)
def test_random_scripts_keep_counters_and_steps_exact(script: list[tuple[int, int]]) -> None:
    for impl in ("classic", "swiss"):
        ops = [(MAKE, 0)] + [(c, k if c in (SET, DEL, GET) else None) for c, k in script]
        check_every_op(impl, ops)


def _events(impl: str, pattern: str) -> list[tuple[int, str, dict[str, Any], dict[str, Any]]]:
    out = []
    for rec in Tracer(impl).run(pattern_ops(pattern)):
        for ev in rec.events:
            out.append((rec.i, ev.event, ev.details, ev.narration))
    return out


def test_classic_fill_growth_starts_and_ends_where_the_simulator_says() -> None:
    evs = _events("classic", "fill:n=200,keys=seq")
    grows = [(i, d["B"]) for i, e, d, _ in evs if e == "hashGrow"]
    dones = [i for i, e, _, _ in evs if e == "growDone"]
    # Doubling points: count+1 > 6.5 * 2^B, i.e. inserts #9, #14, #27, #53, #105.
    assert [i for i, _ in grows] == [9, 14, 27, 53, 105]
    assert [b for _, b in grows] == [1, 2, 3, 4, 5]
    rep = simulate("classic", "int64", "int64", pattern_ops("fill:n=200,keys=seq"),
                   rebuild=False)
    assert [(e["start_op"], e["end_op"]) for e in rep.events] == list(zip(
        [i for i, _ in grows], dones, strict=True))
    rules = {i: n["rule"] for i, e, _, n in evs if e == "hashGrow"}
    assert rules[14] == "count+1 = 14 > 6.5 × 2^1 = 13 → hashGrow (doubling to 2^2 buckets)"
    assert rules[9] == "count+1 = 9 > bucketCnt 8 (one bucket) → hashGrow (doubling to 2^1 buckets)"
    gw = [(i, n["rule"]) for i, e, _, n in evs if e == "growWork" and i > 105]
    # The 106th insert continues the growth from 16 to 32 buckets.
    _, rule = gw[0]
    m = re.fullmatch(r"growWork: evacuate old bucket (\d+) & 15 = (\d+) \(the key's\), then "
                     r"old bucket nevacuate = (\d+) → nevacuate = (\d+)", rule)
    assert m, rule
    assert int(m.group(1)) & 15 == int(m.group(2))


def test_swiss_events_match_the_simulator_and_narrate_their_numbers() -> None:
    pat = "fill:n=3000,keys=seq"
    evs = _events("swiss", pat)
    rep = simulate("swiss", "int64", "int64", pattern_ops(pat), rebuild=False)
    names = {"smallToTable": "small→table", "tableGrow": "table grow", "split": "split",
             "directoryGrow": "directory grow"}
    mine = [(names[e], i) for i, e, _, _ in evs if e in names]
    assert mine == [(e["kind"], e["start_op"]) for e in rep.events]
    first = next((i, n) for i, e, _, n in evs if e == "smallToTable")
    assert first[0] == 9
    assert first[1]["rule"] == ("8 of 8 slots used, insert #9 → growToTable (16 slots, "
                                "8 entries re-inserted)")
    split = next((d, n) for _, e, d, n in evs if e == "split")
    assert split[1]["rule"].startswith(f"growthLeft = 0 in table {split[0]['index']} → rehash: "
                                       "1024 × 2 > maxTableCapacity 1024 → split at localDepth")
    assert f"left {split[0]['left_used']} entries" in split[1]["rule"]


def test_prune_narration_states_the_ten_percent_rule_with_its_numbers() -> None:
    seen = 0
    for i, e, d, n in _events("swiss", "churn:size=600,cycles=6"):
        if e != "pruneTombstones":
            continue
        t, cap, pruned = d["tombstones"], d["capacity"], d["pruned"]
        if pruned:
            assert t * 10 >= cap
            assert n["rule"] == f"tombstones {t} ≥ 10% of {cap} → pruneTombstones removed {pruned}"
            seen += 1
        elif t * 10 < cap:
            assert n["rule"] == f"tombstones {t} < 10% of {cap} → no prune (rehash instead)"
        assert n["go"]["file"] == "internal/runtime/maps/table.go:566", i
    assert seen > 0


def test_every_narrated_event_names_a_go_function_that_exists_at_that_line() -> None:
    from gomap.oracle.toolchain import GO_VERSIONS, find_go
    from tests.support.oracle import require_go

    for impl, rows in TABLES.items():
        require_go(GO_VERSIONS[impl])
        goroot = Path(find_go(GO_VERSIONS[impl]).goroot)
        src = goroot / "src"
        for event, row in rows.items():
            path, line = row.go_file.rsplit(":", 1)
            text = (src / path).read_text().splitlines()[int(line) - 1]
            name = row.go_func.split(".")[-1]
            assert text.startswith("func ") and f"{name}(" in text, (impl, event, text)


def _trace(impl: str, pattern: str, fmt: str) -> tuple[str, Tracer]:
    tr = Tracer(impl)
    buf = io.BytesIO()
    write_trace(tr.run(pattern_ops(pattern)), buf, fmt, header(impl, "int64", "int64", pattern, 0))
    return buf.getvalue().decode(), tr


def test_jsonl_records_follow_the_documented_schema(impl: str) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((DOCS / "gomap-trace-v1.schema.json").read_text())
    text, _ = _trace(impl, "mix:n=800,space=120,set=0.5,get=0.2,del=0.3,clear=0.004", "jsonl")
    lines = [json.loads(x) for x in text.splitlines()]
    v = jsonschema.Draft202012Validator(schema)
    for rec in lines:
        v.validate(rec)
    assert lines[0]["type"] == "header" and lines[-1]["type"] == "end"
    ops = [r for r in lines if r["type"] == "op"]
    assert [r["i"] for r in ops] == list(range(801))
    evs = [r for r in lines if r["type"] == "event"]
    assert sum(r["events"] for r in ops) == len(evs) > 0
    # Summing the deltas gives the final counters.
    total: dict[str, int] = {}
    for r in ops:
        for k, d in r["delta"].items():
            total[k] = int(d) if isinstance(d, bool) or k not in total else total[k] + d
    final = lines[-1]["counters"]
    assert {k: total[k] for k in final if k != "growing"} == {
        k: v for k, v in final.items() if k != "growing"}


def test_chrome_trace_is_valid_trace_event_format_and_ends_on_the_snapshot(impl: str) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((DATA / "trace_event_format.schema.json").read_text())
    text, tr = _trace(impl, "churn:size=200,cycles=2", "chrome")
    doc = json.loads(text)
    jsonschema.Draft202012Validator(schema).validate(doc)
    evs = doc["traceEvents"]
    slices = [e for e in evs if e["ph"] == "X"]
    assert len(slices) == 200 + 2 * 200 * 2 + 1
    instants = [e for e in evs if e["ph"] == "i"]
    assert instants and all(e["s"] == "t" for e in instants)
    # Each instant event lies inside its op's slice.
    starts = {e["args"]["i"]: e["ts"] for e in slices}
    for e in instants:
        op = int(e["ts"] // 10)
        assert starts[op] < e["ts"] < starts[op] + 10
    last: dict[str, int] = {}
    for e in evs:
        if e["ph"] == "C":
            last[e["name"]] = e["args"][e["name"]]
    assert tr.eng is not None
    snap = tr.eng.snapshot()
    want = snapshot_counters(snap, tr.eng.memory().live_bytes)
    assert {k: last[k] for k in want} == want
    assert set(last) >= {"count", "tombstones", "live_bytes"} | (
        {"B", "noverflow"} if impl == "classic" else {"tables", "growth_left"})


def test_embedded_json_cannot_close_the_script_element() -> None:
    hostile = "</script><img src=x onerror=alert(1)>"
    s = embed_json({"keys": [hostile, "a&b", "\u2028"]})
    assert "<" not in s and ">" not in s and "&" not in s and "\u2028" not in s
    assert json.loads(s) == {"keys": [hostile, "a&b", "\u2028"]}


def test_every_declared_event_is_narrated_in_the_file_the_schema_names() -> None:
    from gomap.events import EVENTS

    for (engine, name), spec in EVENTS.items():
        row = TABLES[engine].get(name)
        assert row is not None, f"{engine} event {name!r} has no narration"
        files = [row.go_file] + ([row.go_by(d)[1] for d in
                                  ({"reason": "new"}, {"reason": "delete"}, {"reason": "clear"})]
                                 if row.go_by else [])
        for f in files:
            assert f.split(":")[0].startswith(spec.go_file.rstrip("/")), (engine, name, f)
    assert {(e, n) for e, rows in TABLES.items() for n in rows} == set(EVENTS)


@pytest.mark.parametrize("argv,needle", [
    (["trace", "--pattern", "fill:n=oops", "-o", "{tmp}/t.jsonl"], "--pattern"),
    (["trace", "--pattern", "fill:n=10", "-o", "{tmp}/no/such/dir/t.jsonl"], "-o"),
    (["trace", "--key", "int32", "--with-runtime", "--pattern", "fill:n=10", "-o",
      "{tmp}/t.jsonl"], "--with-runtime"),
    (["viz", "--pattern", "fill:n=300", "--max-ops", "100", "-o", "{tmp}/p.html"], "300"),
    (["viz", "--ops", "{tmp}/bad.ops", "-o", "{tmp}/p.html"], "bad.ops:2"),
])
def test_bad_input_exits_2_with_a_message(tmp_path: Path, capsys: Any, argv: list[str],
                                          needle: str) -> None:
    from gomap.cli import main

    (tmp_path / "bad.ops").write_text("set 1\nset 1.5.5\n")
    assert main([a.replace("{tmp}", str(tmp_path)) for a in argv]) == 2
    out = capsys.readouterr().err  # errors go to stderr
    flat = "".join(out.split())  # the console may wrap a long path anywhere
    assert needle.replace(" ", "") in flat and "Traceback" not in out


def test_cli_trace_writes_the_counters_of_the_final_state(tmp_path: Path) -> None:
    from gomap.cli import main

    out = tmp_path / "t.jsonl"
    assert main(["trace", "--impl", "classic", "--pattern", "drain:n=3000,keep=0.1",
                 "-o", str(out)]) == 0
    end = json.loads(out.read_text().splitlines()[-1])
    assert end["type"] == "end" and end["ops"] == 3000 + 2700
    assert end["counters"]["count"] == 300 and end["counters"]["B"] == 9
