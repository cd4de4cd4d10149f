"""The simulator's C loop reading its operations raw, into unboxed maps.

An ops file read by the C reader and a built-in pattern generated in C hand the loop
each operation without a tuple, and an integer key without an object
(``gomap_raw_step``); a native map of Go integer keys keeps them as int64
(``_unbox_int_keys``). None of it may change a figure: the report of every run here
must equal the report of the same operations handed over as Python tuples to a map
that keeps Python objects, which is the loop as it was before.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import gomap.memory as memory
from gomap.layout.types import parse_go_type
from gomap.ops import CLEAR, DEL, GET, RANGE, SET, Op
from gomap.sim.ops import KeyDomain, go_quote, open_ops_reader, read_ops_file
from gomap.sim.simulator import simulate
from gomap.sim.workloads import parse_pattern
from tests.support.differential import native_or_skip

native_or_skip()

IMPLS = ["classic", "swiss"]


def report(impl: str, key: str, ops: Any, boxed: bool, monkeypatch: pytest.MonkeyPatch,
           **kw: Any) -> dict[str, Any]:
    """simulate's report as a dict (without the wall time); ``boxed``: the map keeps
    its keys as Python objects, and the loop gets plain tuples (not the C source)."""
    with monkeypatch.context() as m:
        if boxed:
            init = memory.AccountedEngine.__init__

            def boxed_init(self: Any, *a: Any, unbox_int_keys: bool = False,
                           **k: Any) -> None:
                init(self, *a, **k)

            m.setattr(memory.AccountedEngine, "__init__", boxed_init)
            ops = iter(list(ops))
        rep = simulate(impl, key, "int64", ops, **kw)
    d = rep.as_dict()
    d.pop("seconds")
    return d


KEY_TYPES = ["int64", "int8", "uint32", "int", "uint64", "string"]
PATTERNS = [
    "fill:n=3000,keys=random",
    "fill:n=3000,keys=seq",
    "drain:n=2000,keep=0.25",
    "churn:size=500,cycles=3",
    "growshrink:high=900,low=100,cycles=3",
    "mix:n=4000,space=200,set=0.5,get=0.2,del=0.25,iter=0.03,clear=0.02",
]


# (int8 holds 256 keys: only the mix, over 200 of them)
PATTERN_CASES = [(key, spec) for key in KEY_TYPES for spec in PATTERNS
                 if key != "int8" or spec.startswith("mix:")]


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize(("key", "spec"), PATTERN_CASES)
def test_a_pattern_generated_in_c_and_replayed_raw_gives_the_boxed_loops_report(
        impl: str, key: str, spec: str, monkeypatch: pytest.MonkeyPatch) -> None:
    dom = KeyDomain(parse_go_type(key))
    pat = parse_pattern(spec)
    raw = pat.ops(dom, native=True)
    assert type(raw).__name__ == "PatternOps"
    want = report(impl, key, pat.ops(dom, native=True), True, monkeypatch, seed=3)
    got = report(impl, key, raw, False, monkeypatch, seed=3)
    assert got == want


def write_ops(path: Path, ops: list[Op], key: str, extra: bool) -> None:
    names = {SET: "set", GET: "get", DEL: "del"}
    lines = []
    for n, op in enumerate(ops):
        if op[0] in names:
            k = go_quote(op[1]) if key == "string" else str(op[1])
            if extra and n % 7 == 3 and key != "string":
                k = hex(op[1]) if op[1] >= 0 else str(op[1])  # the slow path reads it
            lines.append(f"{names[op[0]]} {k}" + ("  # note" if extra and n % 5 == 0 else ""))
        elif op[0] == CLEAR:
            lines.append("clear")
        elif op[0] == RANGE:
            lines.append("iter")
        if extra and n % 11 == 0:
            lines.append("")
    path.write_text("make 40\n" + "\n".join(lines) + "\n")


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize("key", KEY_TYPES)
@pytest.mark.parametrize("extra", [False, True])
def test_an_ops_file_read_raw_gives_the_boxed_loops_report(
        impl: str, key: str, extra: bool, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    # extra: comments, blank lines and hex literals: lines the C reader hands to the
    # Python parser, between the ones it reads raw.
    dom = KeyDomain(parse_go_type(key))
    spec = "mix:n=5000,space=250,set=0.5,get=0.2,del=0.25,iter=0.03,clear=0.02"
    ops = [op for op in parse_pattern(spec).ops(dom, native=False) if op[0] != 0]
    f = tmp_path / "w.ops"
    write_ops(f, ops, key, extra)
    want = report(impl, key, iter(read_ops_file(f, dom, "python")), True, monkeypatch)
    got = report(impl, key, open_ops_reader(f, dom, "native"), False, monkeypatch)
    assert got == want


@pytest.mark.parametrize("impl", IMPLS)
@settings(max_examples=30, deadline=None)
@given(data=st.data())
def test_random_int64_ops_files_give_the_boxed_loops_report(
        impl: str, data: st.DataObject, tmp_path_factory: pytest.TempPathFactory) -> None:
    keys = st.one_of(st.integers(-(2**63), 2**63 - 1), st.integers(-40, 40),
                     st.sampled_from([2**61 - 1, 2**61, -(2**61), -1, -2]))
    ops = data.draw(st.lists(st.one_of(
        st.tuples(st.sampled_from(["set", "get", "del"]), keys),
        st.sampled_from([("clear", None), ("iter", None)])), max_size=300))
    f = tmp_path_factory.mktemp("raw") / "r.ops"
    f.write_text("".join(f"{c} {k}\n" if k is not None else f"{c}\n" for c, k in ops))
    dom = KeyDomain(parse_go_type("int64"))
    with pytest.MonkeyPatch.context() as mp:
        want = report(impl, "int64", iter(read_ops_file(f, dom, "python")), True, mp)
        got = report(impl, "int64", open_ops_reader(f, dom, "native"), False, mp)
    assert got == want


@pytest.mark.parametrize("impl", IMPLS)
def test_clone_and_rebuild_of_an_unboxed_map_give_the_boxed_report(
        impl: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(5)
    lines = []
    for n in range(6000):
        lines.append(f"{rng.choice(['set', 'set', 'del', 'get'])} {rng.randrange(-5000, 5000)}")
        if n in (1500, 4000):
            lines.append("clone")
        if n in (2500, 5000):
            lines.append("rebuild")
    f = tmp_path / "c.ops"
    f.write_text("\n".join(lines) + "\n")
    dom = KeyDomain(parse_go_type("int64"))
    want = report(impl, "int64", iter(read_ops_file(f, dom, "python")), True, monkeypatch)
    got = report(impl, "int64", open_ops_reader(f, dom, "native"), False, monkeypatch)
    assert got == want
    assert got["rebuild"] == want["rebuild"]


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize(("key", "good"), [("int64", "set {}"), ("string", 'set "k{}"')])
@pytest.mark.parametrize("bad_at", [2, 57, 600])
def test_a_bad_line_read_ahead_is_raised_after_the_op_before_it(
        impl: str, key: str, good: str, bad_at: int, tmp_path: Path) -> None:
    """The C loop reads one operation ahead (to fetch its bucket early): a bad line met
    by that read-ahead raises the reader's error, naming that line, once the operation
    before it is done, at the start of the file, mid-chunk and across a sample."""
    from gomap.sim.ops import OpsFileError

    lines = [good.format(i) for i in range(1, 1000)]
    lines[bad_at - 1] = "set 1 2 3" if key == "int64" else 'set "open'
    f = tmp_path / "bad.ops"
    f.write_text("\n".join(lines) + "\n")
    dom = KeyDomain(parse_go_type(key))
    with pytest.raises(OpsFileError) as e:
        simulate(impl, key, "int64", open_ops_reader(f, dom, "native"), samples=50)
    assert e.value.lineno == bad_at
    assert str(e.value).startswith(f"{f}:{bad_at}: ")
