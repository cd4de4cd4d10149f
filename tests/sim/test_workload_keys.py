"""The workload generators' keys (gomap.sim.workloads): a pattern that cannot make n
distinct keys of its type says so; one that can makes them all. Through
``python -m gomap`` exactly as a user runs it."""

from __future__ import annotations

import pytest

from tests.support.cli import gomap, report


# --- generators that cannot keep their promise -------------------------------------------
@pytest.mark.parametrize("key,pattern,msg", [
    ("int8", "fill:n=1000", "int8 has only 256 distinct values"),
    ("bool", "fill:n=3", "bool has only 2 distinct values"),
    ("struct{}", "fill:n=2", "has only one value"),
    ("float64", "fill:n=10,keys=string:4", "not a string"),
    ("string", "fill:n=2000,keys=string:2", "only 1,296 distinct strings"),
    ("int16", "churn:size=1000,cycles=100", "int16 has only 65,536"),
    ("int64", "fill:n=1e30", "math.MaxInt"),
    ("int64", "fill:n=inf", "not a finite number"),
])
def test_generators_that_cannot_make_n_distinct_keys_say_so(key: str, pattern: str,
                                                            msg: str) -> None:
    p = gomap("simulate", "--key", key, "--pattern", pattern)
    assert p.returncode == 2 and msg in p.stderr.decode(), p.stderr


@pytest.mark.parametrize("key,n", [("int8", 256), ("int16", 5000), ("int32", 100000),
                                   ("bool", 2), ("uint8", 200), ("float32", 50000),
                                   ("struct{a int8; _ string}", 256)])
def test_generated_keys_are_distinct_when_the_type_has_room(key: str, n: int) -> None:
    d = report(gomap("simulate", "--key", key, "--pattern", f"fill:n={n}", "--json", "-"))
    assert d["entries"] == n
    d = report(gomap("simulate", "--key", key, "--pattern", f"fill:n={n},keys=seq",
                     "--json", "-"))
    assert d["entries"] == n
