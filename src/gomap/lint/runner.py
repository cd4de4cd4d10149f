"""Running the Go analyzer and turning its JSON into findings.

The analyzer (``gomap/lint/go``, a Go program on go/parser and go/types) is
built once with the Go 1.27 toolchain gomap installs for the oracle and cached like
the oracle harnesses (:func:`gomap.oracle.harness.build_harness`). It prints one
JSON document; this module filters it (``--enable/--disable``, ``//gomap:ignore``
comments) and adds gomap's own numbers to the "never shrinks" findings.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from gomap.lint.checks import CHECKS

ANALYZER_DIR = Path(__file__).parent / "go"
"""The analyzer's Go sources (package ``main`` and its ``go.mod``)."""

IGNORE_RE = re.compile(r"//\s*gomap:ignore\s+([A-Za-z0-9_,]+)(.*)$")
"""A suppression comment: ``//gomap:ignore GM001[,GM002] reason``."""

DRAIN_N = 10_000
DRAIN_KEEP = 0.01


class LintError(Exception):
    """The analyzer could not run or the input is bad; the message says why."""


@dataclass
class Finding:
    """One hazard at one place of a Go file."""

    check: str
    file: str
    line: int
    col: int
    message: str
    related: list[dict[str, Any]] = field(default_factory=list)
    flow: list[dict[str, Any]] = field(default_factory=list)  # entry point -> access
    map: str = ""
    key_type: str = ""
    value_type: str = ""
    key_size: int = 0  # go/types sizes (gc, amd64) of the key and value types
    value_size: int = 0
    numbers: dict[str, Any] | None = None
    level: str = ""  # SARIF level of this finding ("" = the check's)

    @property
    def sarif_level(self) -> str:
        """The SARIF level: the finding's own, else its check's."""
        return self.level or CHECKS[self.check].level

    def as_dict(self) -> dict[str, Any]:
        """The finding as the ``--format json`` record."""
        d: dict[str, Any] = {"check": self.check, "name": CHECKS[self.check].name,
                             "file": self.file, "line": self.line, "col": self.col,
                             "level": self.sarif_level, "message": self.message}
        if self.related:
            d["related"] = self.related
        if self.flow:
            d["flow"] = self.flow
        if self.numbers:
            d["numbers"] = self.numbers
        return d


@dataclass
class LintResult:
    """What one run found, and what it read."""

    findings: list[Finding]
    parse_errors: list[dict[str, Any]]
    files: int
    lines: int
    packages: int
    suppressed: int = 0
    warnings: list[str] = field(default_factory=list)
    stats: dict[str, int] = field(default_factory=dict)


def _building(version: str) -> None:
    print(f"gomap lint: building the analyzer with Go {version}, once, about a minute",
          file=sys.stderr, flush=True)


def analyzer_binary(*, install_go: bool = False) -> Path:
    """The analyzer's binary, built on first use and cached by source digest.

    The first build says so on stderr (it takes about a minute). A missing Go
    toolchain raises :class:`GoToolchainMissing` with the ``gomap lint`` remedy."""
    from gomap.oracle.harness import HarnessError, build_harness
    from gomap.oracle.toolchain import GO_VERSIONS, GoToolchainMissing, install_command

    version = GO_VERSIONS["lint"]
    try:
        return build_harness("lint", install_go=install_go, on_build=_building,
                             source=ANALYZER_DIR)
    except HarnessError as e:
        raise LintError(str(e)) from None
    except GoToolchainMissing:
        raise GoToolchainMissing(
            f"gomap lint needs Go {version} to build its analyzer, and it was not found.\n"
            f"Install it with:\n    gomap lint --install-go PATH...\n"
            f"or:\n    {' '.join(install_command(version))}") from None


def run_analyzer(paths: list[str], *, tests: bool = True, install_go: bool = False,
                 entry_points: list[str] | None = None) -> dict[str, Any]:
    """Run the analyzer on ``paths`` (files or directories); return its JSON document."""
    from gomap.oracle.toolchain import GO_VERSIONS, find_go

    binary = analyzer_binary(install_go=install_go)
    goroot = find_go(GO_VERSIONS["lint"]).goroot
    args = [str(binary), "-goroot", str(goroot)]
    if not tests:
        args.append("-tests=false")
    if entry_points:
        args.append("-entry-points=" + ",".join(entry_points))
    proc = subprocess.run([*args, "--", *paths], capture_output=True, text=True)
    if proc.returncode != 0:
        raise LintError(f"the analyzer failed (exit {proc.returncode}):\n{proc.stderr[-4000:]}")
    try:
        doc: dict[str, Any] = json.loads(proc.stdout)
    except json.JSONDecodeError as e:
        raise LintError(f"the analyzer printed something that is not JSON: {e}") from None
    return doc


def _suppressions(path: str, cache: dict[str, list[str]]) -> list[str]:
    if path not in cache:
        try:
            cache[path] = Path(path).read_text(errors="replace").splitlines()
        except OSError:
            cache[path] = []
    return cache[path]


def _suppressed(f: Finding, cache: dict[str, list[str]], warnings: list[str]) -> bool:
    """A ``//gomap:ignore ID reason`` on the finding's line or the line above it."""
    lines = _suppressions(f.file, cache)
    for n in (f.line, f.line - 1):
        if not 1 <= n <= len(lines):
            continue
        m = IGNORE_RE.search(lines[n - 1])
        if not m:
            continue
        ids = {i.strip().upper() for i in m.group(1).split(",")}
        if f.check not in ids and "ALL" not in ids:
            continue
        if not m.group(2).strip():
            warnings.append(f"{f.file}:{n}: //gomap:ignore {m.group(1)} needs a reason; "
                            f"not honoured")
            return False
        return True
    return False


@lru_cache(maxsize=256)
def drain_numbers(key_type: str, value_type: str) -> dict[str, Any] | None:
    """What ``gomap simulate --pattern drain:n=10000,keep=0.01`` reports for the types.

    Both engines: the Swiss map (Go >= 1.24) and the classic map (Go <= 1.23).
    ``None`` when gomap's layout cannot express the types.
    """
    from gomap.engines import engine_names
    from gomap.layout.types import GoTypeError, parse_key_type
    from gomap.sim.ops import KeyDomain
    from gomap.sim.simulator import simulate
    from gomap.sim.workloads import parse_pattern

    spec = f"drain:n={DRAIN_N},keep={DRAIN_KEEP}"
    out: dict[str, Any] = {"pattern": spec, "key": key_type, "value": value_type}
    try:
        domain = KeyDomain(parse_key_type(key_type))
        for impl in engine_names(newest_first=True):
            w = parse_pattern(spec)
            r = simulate(impl, key_type, value_type, w.ops(domain), total=w.total,
                         workload=spec, samples=8)
            rebuilt = r.rebuild["live_bytes"] if r.rebuild else None
            out[impl] = {"peak_live_bytes": r.peak_live_bytes, "live_bytes": r.live_bytes,
                         "entries": r.entries, "rebuilt_live_bytes": rebuilt}
    except (GoTypeError, ValueError):
        return None
    return out


def numbers_text(n: dict[str, Any]) -> str:
    """The numbers of :func:`drain_numbers` as one sentence."""
    s, c = n["swiss"], n["classic"]
    return (f"gomap compare --key '{n['key']}' --value '{n['value']}' --pattern "
            f"{n['pattern']}: filled to {DRAIN_N:,} entries and "
            f"drained to {s['entries']:,}, it still holds {s['live_bytes']:,} B "
            f"(Go >= 1.24; {c['live_bytes']:,} B on Go <= 1.23) where a rebuilt map takes "
            f"{s['rebuilt_live_bytes']:,} B ({c['rebuilt_live_bytes']:,} B)")


def lint(paths: list[str], *, enable: list[str] | None = None,
         disable: list[str] | None = None, tests: bool = True, numbers: bool = True,
         install_go: bool = False, entry_points: list[str] | None = None) -> LintResult:
    """Check Go code at ``paths``; return the findings that are enabled and not suppressed.

    ``entry_points``: more concurrency entry points, ``import/path.Name`` of calls
    whose function arguments a library runs concurrently (docs/LINT.md)."""
    for p in paths:
        if not Path(p.removesuffix("/...")).exists():
            raise LintError(f"{p}: no such file or directory")
    chosen = set(enable) if enable else {c for c, v in CHECKS.items() if v.reports}
    for c in (*chosen, *(disable or [])):
        if c not in CHECKS:
            raise LintError(f"unknown check {c!r}: choose from {', '.join(CHECKS)}")
    chosen -= set(disable or [])
    doc = run_analyzer(paths, tests=tests, install_go=install_go, entry_points=entry_points)
    res = LintResult([], doc["parse_errors"], doc["files"], doc["lines"], doc["packages"])
    res.stats = doc.get("stats", {})
    for d in doc.get("skipped", []):
        res.warnings.append(f"{d}: the analyzer failed on this package and skipped it "
                            f"(a gomap bug: please report it)")
    cache: dict[str, list[str]] = {}
    for raw in doc["findings"]:
        f = Finding(raw["check"], raw["file"], raw["line"], raw["col"], raw["message"],
                    raw.get("related", []), raw.get("flow", []), raw.get("map", ""),
                    raw.get("key_type", ""), raw.get("value_type", ""),
                    raw.get("key_size", 0), raw.get("value_size", 0),
                    level=raw.get("level", ""))
        if f.check not in chosen:
            continue
        if _suppressed(f, cache, res.warnings):
            res.suppressed += 1
            continue
        if f.check == "GM006" and numbers and f.key_type and f.value_type:
            f.numbers = drain_numbers(f.key_type, f.value_type)
            if f.numbers:
                f.message += "; " + numbers_text(f.numbers)
        res.findings.append(f)
    return res
