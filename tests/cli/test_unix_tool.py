"""The gomap command behaves like a Unix tool: ops from pipes and stdin, errors to
stderr and reports to stdout, a closed pipe, output paths, ``--json -``, ``--version``,
``demo``. Subprocess tests run ``python -m gomap`` exactly as a user would. (Go's
literals in ops files: sim/test_ops_literals.py; generator keys: sim/test_workload_keys.py.)"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from gomap.versions import pinned_release
from tests.support.cli import gomap, report

os.environ.setdefault("MPLBACKEND", "Agg")


OPS = "set 1\nset 2\nset 3\ndel 2\nget 1\n"


# --- pipes and stdin ---------------------------------------------------------------------
def test_ops_from_a_pipe_are_all_run(tmp_path: Path) -> None:
    for path in ("-", "/dev/stdin"):
        d = report(gomap("simulate", "--ops", path, "--json", "-", stdin=OPS))
        assert d["ops"] == 5 and d["entries"] == 2, path


def test_ops_from_a_pipe_feed_every_run_of_compare_and_seeds() -> None:
    d = report(gomap("compare", "--ops", "-", "--json", "-", stdin=OPS))
    assert d["classic"]["ops"] == d["swiss"]["ops"] == 5
    d = report(gomap("simulate", "--ops", "-", "--seeds", "3", "--json", "-", stdin=OPS))
    assert [r["seed"] for r in d["seed_runs"]] == [1, 2, 3] and d["ops"] == 5


def test_an_empty_ops_path_is_an_error_not_the_default_workload() -> None:
    p = gomap("simulate", "--ops", "")
    assert p.returncode == 2 and b"--ops" in p.stderr and not p.stdout
    p = gomap("simulate", "--pattern", "")
    assert p.returncode == 2 and b"--pattern" in p.stderr


def test_a_bad_line_in_piped_ops_is_reported_with_its_line() -> None:
    p = gomap("simulate", "--ops", "-", stdin="set 1\nset 2\nsett 3\n")
    assert p.returncode == 2
    err = p.stderr.decode()
    assert err.startswith("<stdin>:3: unknown operation 'sett'")
    assert err.count("sett 3") == 1  # echoed once
    assert "Traceback" not in err and "Exception" not in err and not p.stdout


def test_a_utf8_byte_order_mark_is_skipped(tmp_path: Path) -> None:
    f = tmp_path / "bom.ops"
    f.write_bytes(b"\xef\xbb\xbfset 1\nset 2\n")
    assert report(gomap("simulate", "--ops", str(f), "--json", "-"))["ops"] == 2
    assert report(gomap("simulate", "--ops", "-", "--json", "-",
                        stdin=b"\xef\xbb\xbfset 1\n"))["ops"] == 1


def test_invalid_utf8_on_stdin_names_the_line() -> None:
    p = gomap("simulate", "--ops", "-", stdin=b"set 1\nset \"\xff\"\n")
    assert p.returncode == 2 and p.stderr.decode().startswith("<stdin>:2: not UTF-8")


# --- a Unix tool ---------------------------------------------------------------------------
def test_errors_go_to_stderr_and_reports_to_stdout() -> None:
    p = gomap("simulate", "--key", "[]int")
    assert p.returncode == 2 and not p.stdout
    assert p.stderr.decode() == "gomap simulate: invalid map key type []int: it is not " \
        "comparable\n"
    ok = gomap("simulate", "--pattern", "fill:n=100")
    assert ok.returncode == 0 and b"fill" in ok.stdout and not ok.stderr


def test_a_closed_pipe_exits_quietly() -> None:
    import gomap as pkg

    src = str(Path(pkg.__file__).resolve().parents[1])
    env = dict(os.environ, COLUMNS="100", PYTHONPATH=src)
    # A report long enough that the reader is gone before it is written.
    cmd = (f"{sys.executable} -m gomap simulate --pattern fill:n=2000 --seeds 3 "
           f"| head -n 1 >/dev/null; echo ${{PIPESTATUS[0]}}")
    p = subprocess.run(["bash", "-c", cmd], capture_output=True, env=env, timeout=300)
    assert p.stdout.decode().strip() == "141"  # SIGPIPE's status, not 1 (a divergence)
    assert p.stderr == b""


def test_no_progress_bar_and_no_stray_blank_lines_when_piped() -> None:
    p = gomap("simulate", "--pattern", "fill:n=30000")
    assert p.returncode == 0 and not p.stderr
    out = p.stdout.decode()
    assert "\x1b[" not in out and not out.startswith("\n") and "\n\n\n" not in out


def test_output_paths_are_checked_before_the_run(tmp_path: Path) -> None:
    for flag, path in [("--json", "/no/such/dir/r.json"), ("--plot", str(tmp_path)),
                       ("--json", "")]:
        p = gomap("simulate", "--pattern", "fill:n=1000", flag, path)
        assert p.returncode == 2 and flag in p.stderr.decode(), (flag, path)
        assert not p.stdout  # refused before the run: no report was printed


def test_plot_writes_exactly_the_path_given(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    out = tmp_path / "out"
    p = gomap("simulate", "--pattern", "fill:n=1000", "--plot", str(out), "--quiet")
    assert p.returncode == 0, p.stderr
    assert out.exists() and not (tmp_path / "out.png").exists()
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_json_dash_writes_only_the_json_to_stdout() -> None:
    p = gomap("compare", "--pattern", "fill:n=100", "--json", "-")
    d = json.loads(p.stdout)  # nothing else there
    assert d["classic"]["go_version"] and d["swiss"]["go_version"] and d["gomap_version"]


def test_every_json_report_names_the_gomap_and_go_versions(tmp_path: Path) -> None:
    import gomap as pkg

    for impl, go in [(impl, pinned_release(impl)) for impl in ("classic", "swiss")]:
        d = report(gomap("simulate", "--impl", impl, "--pattern", "fill:n=10", "--json", "-"))
        assert d["gomap_version"] == pkg.__version__ and d["go_version"] == go


def test_version_quiet_help_and_python_dash_m() -> None:
    import gomap as pkg

    v = gomap("--version")
    assert v.returncode == 0 and v.stdout.decode().startswith(f"gomap {pkg.__version__}")
    q = gomap("simulate", "--pattern", "fill:n=100", "--quiet")
    assert q.returncode == 0 and not q.stdout and not q.stderr
    h = gomap("--help").stdout.decode()
    assert "examples:" in h and "exit codes:" in h and "141" in h
    hs = gomap("simulate", "--help").stdout.decode()
    assert "example:" in hs and "exit codes:" in hs


def test_hint_accepts_go_constants_and_rejects_what_go_rejects() -> None:
    assert report(gomap("simulate", "--hint", "1e3", "--pattern", "fill:n=10",
                        "--json", "-"))["hint"] == 1000
    for bad in ("-1", "1.5", "99999999999999999999"):
        p = gomap("simulate", "--hint", bad, "--pattern", "fill:n=10")
        assert p.returncode == 2 and b"--hint" in p.stderr, bad


# --- demo --------------------------------------------------------------------------------
def test_demo_defaults_to_the_simulate_engine_and_prints_its_title_whole() -> None:
    p = gomap("demo", "-n", "2000")
    out = p.stdout.decode()
    assert p.returncode == 0
    assert "map[int]int, swiss (Go 1.27, Swiss tables), 2,000 keys" in out


def test_demo_rejects_a_negative_count() -> None:
    for n in ("-5", "0"):
        p = gomap("demo", "-n", n)
        assert p.returncode == 2 and b"-n" in p.stderr
