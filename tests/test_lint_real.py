"""`gomap lint` on real code (issue 20): locations that name their files, SARIF related
locations and code flows, the first-build notice, the toolchain message; concurrency
entry points, happens-before across calls, aliasing, test files; and the regression
extracts of real projects' map races under ``tests/lint_real/``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from gomap.lint import lint
from gomap.lint.report import sarif
from gomap.oracle.toolchain import GO_VERSIONS, GoToolchainMissing, find_go

pytestmark = pytest.mark.oracle

ROOT = Path(__file__).resolve().parent.parent
REAL = Path(__file__).parent / "lint_real"


@pytest.fixture(scope="module", autouse=True)
def _go() -> None:
    try:
        find_go(GO_VERSIONS["lint"])
    except GoToolchainMissing as e:
        if os.environ.get("GOMAP_REQUIRE_ORACLE"):
            raise
        pytest.skip(str(e))


def _write(tmp: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        p = tmp / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    return tmp


def _found(res: Any) -> set[tuple[str, int, str]]:
    return {(Path(f.file).name, f.line, f.check) for f in res.findings}


# --- messages ---------------------------------------------------------------------

TWO_FILES = {
    "go.mod": "module example.com/two\n\ngo 1.22\n",
    "start.go": """package two

var counts = map[string]int{}

func Start() {
	go worker()
}
""",
    "worker.go": """package two

func worker() {
	counts["a"]++
}

func Read() int { return counts["a"] }
""",
}


def test_locations_name_their_file_and_sarif_has_flow(tmp_path: Path) -> None:
    _write(tmp_path, TWO_FILES)
    res = lint([str(tmp_path)], numbers=False)
    gm1 = [f for f in res.findings if f.check == "GM001"]
    assert gm1, res.findings
    f = gm1[0]
    assert "started at start.go:6" in f.message
    assert "line 6" not in f.message
    starts = [r for r in f.related if r["line"] == 6 and r["file"].endswith("start.go")]
    assert starts, f.related
    assert f.flow[0]["file"].endswith("start.go") and f.flow[0]["line"] == 6
    assert (Path(f.flow[-1]["file"]).name, f.flow[-1]["line"]) == (Path(f.file).name, f.line)
    doc = sarif(res)
    r = next(x for x in doc["runs"][0]["results"] if x["ruleId"] == "GM001")
    uris = {loc["physicalLocation"]["artifactLocation"]["uri"] for loc in r["relatedLocations"]}
    assert any(u.endswith("start.go") for u in uris)
    steps = r["codeFlows"][0]["threadFlows"][0]["locations"]
    assert steps[0]["location"]["physicalLocation"]["region"]["startLine"] == 6
    assert len(steps) == 2


def test_first_build_notice_and_toolchain_message(monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    import gomap.oracle.harness as harness
    from gomap.lint import runner

    def fake_build(impl: str, **kw: Any) -> Path:
        kw["on_build"]("1.27.3")
        return Path("/nonexistent")

    monkeypatch.setattr(harness, "build_harness", fake_build)
    runner.analyzer_binary()
    err = capsys.readouterr().err
    assert err.strip() == ("gomap lint: building the analyzer with Go 1.27.3, once, "
                           "about a minute")

    def missing(impl: str, **kw: Any) -> Path:
        raise GoToolchainMissing("Go 1.27.3 is needed for the oracle ... gomap verify --install-go")

    monkeypatch.setattr(harness, "build_harness", missing)
    with pytest.raises(GoToolchainMissing) as e:
        runner.analyzer_binary()
    assert "gomap lint --install-go" in str(e.value)
    assert "gomap verify" not in str(e.value)


def test_build_notice_only_when_building(tmp_path: Path) -> None:
    """A real second run reuses the cached analyzer and prints nothing on stderr."""
    _write(tmp_path, {"a.go": "package a\n"})
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    cmd = [sys.executable, "-m", "gomap", "lint", str(tmp_path / "a.go")]
    subprocess.run(cmd, env=env, capture_output=True, text=True)  # builds if needed
    again = subprocess.run(cmd, env=env, capture_output=True, text=True)
    assert again.returncode == 0, again.stderr
    assert "building the analyzer" not in again.stderr
