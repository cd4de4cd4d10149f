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
