"""``--with-runtime``: the traced model runs in lock-step with the real Go runtime;
every step is marked equal, the runtime's counters equal the model's, and a
corrupted model is caught at the step it went wrong."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from gomap.layout.types import parse_key_type
from gomap.oracle.toolchain import GO_VERSIONS
from gomap.sim.ops import KeyDomain
from gomap.sim.workloads import parse_pattern
from gomap.trace.runtime import RuntimeTracer, runtime_supported
from gomap.trace.viz import KeyTable, build_page, record_steps
from tests.support.oracle import require_go
from tests.support.trace import PageTwin, expected_state, normalise_page_state

pytestmark = pytest.mark.oracle


def _ops(pattern: str, key: str = "int64") -> Any:
    return parse_pattern(pattern).ops(KeyDomain(parse_key_type(key)))


@pytest.mark.parametrize("pattern,key", [
    ("mix:n=2500,space=400,set=0.6,get=0.1,del=0.3,iter=0.003,clear=0.001", "int64"),
    ("churn:size=250,cycles=2,keys=string:5", "string"),
])
def test_every_step_is_equal_to_the_runtime(impl: str, pattern: str, key: str) -> None:
    require_go(GO_VERSIONS[impl])
    rt = RuntimeTracer(impl, key, "int64")
    keys = KeyTable()
    twin = PageTwin(impl, keys.texts)
    snaps: list[Any] = []
    steps, _, _ = record_steps(impl, key, "int64", _ops(pattern, key), keys, tracer=rt,
                               check=lambda tr: snaps.append(tr.eng.snapshot()))
    assert rt.divergence is None and rt.final is None
    assert len(steps) == parse_pattern(pattern).total + 1
    hdr: dict[str, int] = {}
    ctr: dict[str, int] = {}
    names = list(rt.counters)
    for i, s in enumerate(steps):
        verdict, changed = s[4]
        assert verdict == 1, (i, verdict)
        hdr.update(changed or {})
        for j in range(0, len(s[3] or ()), 2):
            ctr[names[s[3][j]]] = s[3][j + 1]
        # the runtime's counters, read from the real map, equal the model's
        assert {k: ctr[k] for k in hdr} == hdr, i
        twin.apply(s[2])
        assert normalise_page_state(twin.state()) == expected_state(snaps[i]), i
    assert rt.compared > len(steps)


def test_a_corrupted_model_is_marked_at_the_step_it_diverged(tmp_path: Path) -> None:
    require_go(GO_VERSIONS["classic"])
    rt = RuntimeTracer("classic", "int64", "int64")
    n = [0]

    def corrupt(tr: Any) -> None:
        n[0] += 1
        if n[0] == 301:  # after op 300: a wrong overflow count in the model
            tr.replay.h.noverflow += 1

    steps, _, _ = record_steps("classic", "int64", "int64", _ops("fill:n=1000"),
                               KeyTable(), tracer=rt, check=corrupt)
    assert rt.divergence is not None and rt.divergence.op_index == 301
    assert "noverflow" in str(rt.divergence)
    assert [s[4][0] for s in steps[:301]] == [1] * 301
    assert "hmap.noverflow" in steps[301][4][0]
    assert len(steps) == 302  # the run stops at the first difference


def test_cli_trace_with_runtime_marks_each_op(tmp_path: Path) -> None:
    require_go(GO_VERSIONS["swiss"])
    from gomap.cli import main

    out = tmp_path / "t.jsonl"
    assert main(["trace", "--with-runtime", "--impl", "swiss", "--pattern",
                 "drain:n=1500,keep=0.2", "-o", str(out)]) == 0
    recs = [json.loads(x) for x in out.read_text().splitlines()]
    ops = [r for r in recs if r["type"] == "op"]
    assert len(ops) == 1501 + 1200
    assert all(r["runtime"]["equal"] for r in ops)
    assert ops[-1]["runtime"]["header"]["count"] == 300


def test_with_runtime_page_shows_the_runtime_beside_the_model(tmp_path: Path) -> None:
    require_go(GO_VERSIONS["classic"])
    require_go(GO_VERSIONS["swiss"])
    from tests.support.browser import launch

    w = parse_pattern("fill:n=400")
    dom = KeyDomain(parse_key_type("int64"))
    html, info = build_page(["classic", "swiss"], "int64", "int64", lambda: w.ops(dom),
                            "fill:n=400", with_runtime=True)
    assert all("equal to the Go" in n for n in info["notes"])
    p = tmp_path / "rt.html"
    p.write_text(html, encoding="utf-8")
    with launch() as browser:
        page = browser.new_page()
        page.goto(p.as_uri())
        for i in (0, 17, 400):
            page.evaluate(f"window.gomapViz.go({i})")
            for impl in ("classic", "swiss"):
                assert page.get_attribute(f"#rt-{impl}", "data-equal") == "1"
                model = page.text_content(f"#c-{impl}-count")
                assert page.text_content(f"#rt-{impl}-count") == f"= runtime {model}"


def test_unsupported_types_are_refused_with_what_to_change() -> None:
    assert runtime_supported("int64", "int64") is None
    msg = runtime_supported("int32", "int64")
    assert msg is not None and "--key int32" in msg
    msg = runtime_supported("string", "[]byte")
    assert msg is not None and "--value []byte" in msg
