"""`gomap simulate` / `gomap compare` import only what they use.

Each process pays for every module it imports (about 0.3 s of CPU for the optional
subsystems: the audit log pulls in pybreaker and redis). These tests run the real
command in a fresh interpreter and look at ``sys.modules`` afterwards.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import REPO

SRC = str(REPO / "src")

HEAVY = (
    "gomap.audit", "gomap.record", "gomap.lifecycle", "gomap.lint", "gomap.trace",
    "gomap.oracle", "gomap.companions", "gomap.layout.named", "gomap.demo",
    "redis", "pybreaker", "tenacity", "prometheus_client", "matplotlib", "psutil",
)

PROBE = """
import json, sys
from gomap.cli import main
rc = main(sys.argv[1:])
json.dump({"rc": rc, "modules": sorted(sys.modules)}, open(%r, "w"))
"""


def _run(tmp_path: Path, *argv: str) -> set[str]:
    out = tmp_path / "modules.json"
    env = {**os.environ, "PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", "")}
    proc = subprocess.run([sys.executable, "-c", PROBE % str(out), *argv], env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(out.read_text())
    assert data["rc"] == 0
    return set(data["modules"])


SIMULATE_PATH_FORBIDDEN = (
    # the Python reference engines: a native run needs neither (the registry names
    # their factories by reference, the accountants and the native Swiss stats need
    # no module of theirs)
    "gomap.classic", "gomap.swiss",
    # GoMap, the tracer's narration users, the upgrade explainer, the plots
    "gomap.gomap", "gomap.sim.upgrade", "gomap.sim.plot",
    # the standard library that only rare paths need: --seeds' median, exact float
    # literals the C ops reader leaves to Python
    "statistics", "fractions", "decimal",
)
"""Modules a ``gomap simulate`` of an ops file or a pattern on the native backend does
not import (start-up: each costs compile or exec time in every process)."""


def _under(modules: set[str], names: tuple[str, ...]) -> list[str]:
    return sorted(m for m in modules if any(m == h or m.startswith(h + ".") for h in names))


def _heavy(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if any(m == h or m.startswith(h + ".") for h in HEAVY))


@pytest.fixture
def ops_file(tmp_path: Path) -> str:
    p = tmp_path / "small.ops"
    p.write_text("".join(f"set {i * 7919}\n" for i in range(200)) + "del 0\n")
    return str(p)


@pytest.mark.parametrize("quiet", [True, False])
def test_simulate_ops_imports_no_optional_subsystem(tmp_path: Path, ops_file: str,
                                                    quiet: bool) -> None:
    argv = ["simulate", "--key", "int64", "--ops", ops_file, "--json",
            str(tmp_path / "r.json")] + (["--quiet"] if quiet else [])
    modules = _run(tmp_path, *argv)
    assert "gomap.sim.simulator" in modules  # the probe really simulated
    assert _heavy(modules) == []
    assert "gomap.gomap" not in modules  # GoMap: loaded on first use
    assert json.loads((tmp_path / "r.json").read_text())["entries"] == 199


def test_simulate_quiet_needs_no_rich(tmp_path: Path, ops_file: str) -> None:
    modules = _run(tmp_path, "simulate", "--ops", ops_file, "--quiet", "--json",
                   str(tmp_path / "r.json"))
    assert sorted(m for m in modules if m == "rich" or m.startswith("rich.")) == []


def test_compare_pattern_imports_no_optional_subsystem(tmp_path: Path) -> None:
    modules = _run(tmp_path, "compare", "--pattern", "fill:n=300", "--quiet")
    assert "gomap.sim.simulator" in modules
    assert _heavy(modules) == []


def test_other_commands_still_registered(tmp_path: Path) -> None:
    """The top-level help still lists every subcommand (they load on demand)."""
    env = {**os.environ, "PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", "")}
    proc = subprocess.run([sys.executable, "-m", "gomap", "--help"], env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    for name in ("simulate", "compare", "verify", "demo", "trace", "viz", "lint", "audit",
                 "record"):
        assert name in proc.stdout
    proc = subprocess.run([sys.executable, "-m", "gomap", "audit", "--help"], env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "show" in proc.stdout


def test_import_gomap_is_light_and_complete() -> None:
    env = {**os.environ, "PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", "")}
    code = ("import sys, gomap; heavy = [m for m in sys.modules if m.startswith(('rich', "
            "'redis', 'gomap.trace', 'gomap.audit', 'gomap.gomap'))]; "
            "assert not heavy, heavy; "
            "print(all(hasattr(gomap, n) for n in gomap.__all__) "
            "and gomap.GoMap is sys.modules['gomap.gomap'].GoMap)")
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "True"


@pytest.mark.parametrize("impl", ["classic", "swiss"])
@pytest.mark.parametrize("source", ["ops", "pattern"])
def test_native_simulate_loads_no_python_engine(tmp_path: Path, ops_file: str, impl: str,
                                                source: str) -> None:
    """On the native backend, simulate (ops file or pattern, --json, --quiet) loads
    neither Python engine, nor GoMap, nor the rare paths' modules."""
    from gomap.native import AVAILABLE

    if not AVAILABLE or os.environ.get("GOMAP_BACKEND", "").strip().lower() == "python":
        pytest.skip("the native backend is not what runs here")
    what = ["--ops", ops_file] if source == "ops" else ["--pattern", "fill:n=300"]
    modules = _run(tmp_path, "simulate", "--quiet", "--impl", impl, "--key", "int64", *what,
                   "--json", str(tmp_path / "r.json"))
    assert "gomap.sim.simulator" in modules
    assert _under(modules, SIMULATE_PATH_FORBIDDEN) == []
    if source == "ops":
        assert "gomap.sim.workloads" not in modules  # the patterns: not for an ops file
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["backend"] == "native"
    assert report["entries"] == (199 if source == "ops" else 300)
