"""The ``gomap`` command in a fresh interpreter, exactly as a user runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any


def gomap(*args: str, stdin: str | bytes | None = None, cwd: Path | None = None,
          env: dict[str, str] | None = None, timeout: float = 300
          ) -> subprocess.CompletedProcess[bytes]:
    """``python -m gomap ARGS`` (the gomap under test, from any ``cwd``), its bytes."""
    import gomap as pkg

    src = str(Path(pkg.__file__).resolve().parents[1])  # the gomap under test, from any cwd
    path = os.pathsep.join([src, os.environ.get("PYTHONPATH", "")])
    full = {**os.environ, "COLUMNS": "100", "MPLBACKEND": "Agg", "PYTHONPATH": path,
            **(env or {})}
    data = stdin.encode() if isinstance(stdin, str) else stdin
    return subprocess.run([sys.executable, "-m", "gomap", *args], input=data,
                          capture_output=True, env=full, timeout=timeout, cwd=cwd)


def report(p: subprocess.CompletedProcess[bytes]) -> dict[str, Any]:
    """The JSON report a successful run wrote to standard output."""
    assert p.returncode == 0, p.stderr.decode()
    return json.loads(p.stdout)  # type: ignore[no-any-return]


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``python -m gomap.cli ARGS`` with text output (120 columns)."""
    full_env = dict(os.environ, COLUMNS="120", **(env or {}))
    return subprocess.run([sys.executable, "-m", "gomap.cli", *args], capture_output=True,
                          text=True, env=full_env, timeout=600)
