"""The built-in workloads generated in C (gomap._native.PatternOps) against the Python
generators: the same operations for the same pattern, key type and seed."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gomap.layout.types import parse_go_type
from gomap.sim.ops import KeyDomain
from gomap.sim.workloads import WorkloadError, parse_pattern

native = pytest.importorskip("gomap._native")
if not hasattr(native, "PatternOps"):
    pytest.skip("the C extension has no PatternOps (rebuild it)", allow_module_level=True)

KEY_TYPES = ["int64", "uint64", "int", "uint", "int32", "uint32", "int16", "uint8", "int8",
             "string"]
KEY_SOURCES = ["seq", "random", "string:1", "string:2", "string:5", "string:12",
               "string:13", "string:40"]


def both(spec: str, key: str) -> tuple[list[object], list[object], str]:
    w = parse_pattern(spec)
    dom = KeyDomain(parse_go_type(key))
    py = list(w.ops(dom, native=False))
    it = w.ops(dom, native=True)
    return py, list(it), type(it).__name__


PATTERN = st.one_of(
    st.builds(lambda n: f"fill:n={n}", st.integers(0, 3000)),
    st.builds(lambda n: f"hinted:n={n}", st.integers(0, 500)),
    st.builds(lambda n, k: f"drain:n={n},keep={k}", st.integers(0, 3000),
              st.sampled_from([0, 0.1, 0.5, 0.25, 1])),
    st.builds(lambda n: f"default:n={n}", st.integers(0, 2000)),
    st.builds(lambda s, c: f"churn:size={s},cycles={c}", st.integers(0, 300),
              st.integers(0, 6)),
    st.builds(lambda c, hi, lo: f"growshrink:cycles={c},high={hi},low={min(lo, hi)}",
              st.integers(0, 4), st.integers(0, 400), st.integers(0, 400)),
    st.builds(lambda n, sp, r: f"mix:n={n},space={sp},set={r[0]},get={r[1]},del={r[2]},"
              f"iter={r[3]},clear={r[4]}", st.integers(0, 3000), st.integers(1, 500),
              st.tuples(*[st.sampled_from([0, 0.01, 0.2, 0.5, 1, 3])] * 5)
              .filter(lambda r: sum(r) > 0)),
)


@settings(max_examples=150, deadline=None)
@given(spec=PATTERN, key=st.sampled_from(KEY_TYPES), keys=st.sampled_from(KEY_SOURCES),
       seed=st.integers(-2**70, 2**70), hint=st.integers(0, 5000))
def test_native_patterns_are_the_python_ones(spec: str, key: str, keys: str, seed: int,
                                             hint: int) -> None:
    full = f"{spec},keys={keys},seed={seed}" + (f",hint={hint}" if hint % 3 == 0 else "")
    try:
        py, nat, kind = both(full, key)
    except WorkloadError:
        return  # refused (too few keys, or string keys for an integer type): both ways
    assert kind == "PatternOps", full
    assert nat == py, full


@pytest.mark.parametrize("spec", [
    "churn:size=3000,cycles=3,keys=random,seed=123456789",
    "drain:n=20000,keep=0.1,keys=string:12",
    "mix:n=20000,space=70000,keys=random,seed=9",  # randrange over 17 bits: rejections
    "growshrink:cycles=2,high=5000,low=4999,keys=seq",
])
@pytest.mark.parametrize("key", ["int64", "string", "int32"])
def test_longer_runs_agree(spec: str, key: str) -> None:
    if "string:" in spec and key != "string":
        pytest.skip("string keys only for string types")
    py, nat, kind = both(spec, key)
    assert kind == "PatternOps" and nat == py and len(py) > 1000


def test_wide_draws_and_many_state_refills() -> None:
    # randrange over 2^40 + 1 keys draws 41-bit numbers (two MT words each); 5000 ops
    # refill the 624-word state many times; a space of 3 * 2^61 draws 63 bits
    for space in ((1 << 40) + 1, 3 << 61):
        py, nat, kind = both(f"mix:n=5000,space={space},keys=seq,seed=5", "int64")
        assert kind == "PatternOps" and nat == py
        assert max(op[1] for op in py if op[1] is not None) > 1 << 32


@pytest.mark.parametrize("key,keys", [("float64", "random"), ("any", "seq"),
                                      ("struct{a int8}", "random"), ("bool", "seq")])
def test_other_key_types_stay_on_python(key: str, keys: str) -> None:
    w = parse_pattern(f"fill:n=2,keys={keys}")
    it = w.ops(KeyDomain(parse_go_type(key)), native=True)
    assert type(it).__name__ == "generator"
    assert list(it) == list(w.ops(KeyDomain(parse_go_type(key)), native=False))
