"""gomap.sim.request: the library checks a run's options into one SimRequest."""

from __future__ import annotations

from pathlib import Path

import pytest

from gomap.errors import RequestError
from gomap.sim.request import SimRequest


def test_a_pattern_request_runs_on_its_engine() -> None:
    req = SimRequest.from_options(key="string", pattern="fill:n=300", impl="classic")
    assert (req.impl, req.key, req.value, req.release) == ("classic", "string", "int64", None)
    assert req.workload.total == 300 and req.workload.name.startswith("fill")
    r = req.run()
    assert (r.impl, r.entries, r.ops) == ("classic", 300, 300)


def test_the_ops_file_header_names_the_types_and_flags_win(tmp_path: Path) -> None:
    ops = tmp_path / "rec.ops"
    ops.write_text("#@ key: string\n#@ value: bool\nset \"a\"\nset \"b\"\ndel \"a\"\n")
    req = SimRequest.from_options(ops=str(ops))
    assert (req.key, req.value) == ("string", "bool")
    assert SimRequest.from_options(ops=str(ops), value="int32").value == "int32"
    assert req.run().entries == 1


def test_the_first_problem_is_the_one_reported() -> None:
    # types are checked before the counts, the counts before the workload
    with pytest.raises(RequestError, match="unknown type"):
        SimRequest.from_options(key="nosuch", seeds=0, pattern="bogus")
    with pytest.raises(RequestError, match="--seeds must be at least 1"):
        SimRequest.from_options(seeds=0, samples=1, pattern="bogus")
    with pytest.raises(RequestError, match="--samples must be at least 2"):
        SimRequest.from_options(samples=1, pattern="bogus")
    with pytest.raises(RequestError, match=r"^--pattern: "):
        SimRequest.from_options(pattern="bogus", go="1.99")
    with pytest.raises(RequestError, match=r"^--go: "):
        SimRequest.from_options(pattern="fill:n=10", go="1.99")


def test_outputs_are_checked_between_the_counts_and_the_workload() -> None:
    seen: list[str] = []

    def outputs() -> None:
        seen.append("outputs")
        raise RequestError("--json x: is a directory")

    with pytest.raises(RequestError, match="is a directory"):
        SimRequest.from_options(pattern="bogus", check_outputs=outputs)
    with pytest.raises(RequestError, match="--seeds"):
        SimRequest.from_options(seeds=0, check_outputs=outputs)
    assert seen == ["outputs"]


def test_a_release_and_a_comparison() -> None:
    req = SimRequest.from_options(pattern="fill:n=10", go="1.24")
    assert req.impl == "swiss" and req.release is not None and req.release.release.startswith(
        "1.24")
    assert SimRequest.from_options(pattern="fill:n=10", go="1.24", impl="classic").impl \
        == "classic"
    with pytest.raises(RequestError, match="has no 'swiss' map"):
        SimRequest.from_options(pattern="fill:n=10", go="1.21", impl="swiss")
    with pytest.raises(RequestError, match="one release here"):
        SimRequest.from_options(pattern="fill:n=10", go="1.24,1.25")
    cmp = SimRequest.from_options(pattern="fill:n=10", go="1.24,1.25", compare=True)
    assert [b.release[:4] for b in cmp.releases] == ["1.24", "1.25"] and cmp.impl is None
    with pytest.raises(RequestError, match="--impl needs --go"):
        SimRequest.from_options(pattern="fill:n=10", impl="swiss", compare=True)


def test_a_bad_ops_line_is_located(tmp_path: Path) -> None:
    ops = tmp_path / "bad.ops"
    ops.write_text("set 1\nbogus\n")
    req = SimRequest.from_options(ops=str(ops))
    with pytest.raises(RequestError) as e:
        req.run()
    assert e.value.located and str(e.value).startswith(f"{ops}:2: ")


def test_an_empty_ops_file_is_announced_once(tmp_path: Path) -> None:
    ops = tmp_path / "empty.ops"
    ops.write_text("# nothing\n")
    said: list[str] = []
    req = SimRequest.from_options(ops=str(ops), seeds=2, on_empty=said.append)
    assert req.run().entries == 0 and req.run(seed=2).entries == 0
    assert len(said) == 1 and "has no operations" in said[0]
