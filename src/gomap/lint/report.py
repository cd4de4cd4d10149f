"""Output formats of `gomap lint`: text, JSON and SARIF 2.1.0."""

from __future__ import annotations

import json
import os
from typing import Any

from gomap.lint.checks import CHECKS
from gomap.lint.runner import LintResult

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def text(res: LintResult) -> str:
    """``file:line:col: ID message``, one per line, related places indented below."""
    out = []
    for f in res.findings:
        out.append(f"{f.file}:{f.line}:{f.col}: {f.check} {f.message}")
        for r in f.related:
            out.append(f"    {r['file']}:{r['line']}:{r['col']}: {r['message']}")
    return "\n".join(out)


def as_json(res: LintResult) -> str:
    """The ``--format json`` document."""
    doc = {"findings": [f.as_dict() for f in res.findings],
           "suppressed": res.suppressed, "files": res.files, "lines": res.lines,
           "packages": res.packages, "stats": res.stats}
    return json.dumps(doc, indent=2)


def _uri(path: str) -> str:
    rel = os.path.relpath(path) if os.path.isabs(path) else path
    if rel.startswith(".."):
        rel = os.path.abspath(path)
        return "file://" + rel.replace(os.sep, "/")
    return rel.replace(os.sep, "/")


_LINES: dict[str, list[bytes]] = {}


def _code_point_column(file: str, line: int, col: int) -> int:
    """Go's columns count bytes; SARIF's (columnKind unicodeCodePoints) count characters."""
    if file not in _LINES:
        try:
            with open(file, "rb") as fh:
                _LINES[file] = fh.read().split(b"\n")
        except OSError:
            _LINES[file] = []
    lines = _LINES[file]
    if not 1 <= line <= len(lines) or col < 1:
        return max(col, 1)
    return len(lines[line - 1][: col - 1].decode("utf-8", errors="replace")) + 1


def _location(file: str, line: int, col: int, message: str | None = None) -> dict[str, Any]:
    loc: dict[str, Any] = {"physicalLocation": {
        "artifactLocation": {"uri": _uri(file)},
        "region": {"startLine": max(line, 1),
                   "startColumn": _code_point_column(file, line, col)}}}
    if message:
        loc["message"] = {"text": message}
    return loc


def sarif(res: LintResult, version: str = "0.1.0") -> dict[str, Any]:
    """The findings as one SARIF 2.1.0 log (GitHub code scanning reads it)."""
    ids = list(CHECKS)
    rules = []
    for c in CHECKS.values():
        rules.append({
            "id": c.id, "name": c.name,
            "shortDescription": {"text": c.summary},
            "fullDescription": {"text": " ".join(c.why.split())},
            "help": {"text": c.explain(), "markdown": f"**Why.** {' '.join(c.why.split())}"
                     f"\n\n**Fix.** {' '.join(c.fix.split())}"},
            "defaultConfiguration": {"level": c.level, "enabled": c.reports},
        })
    results = []
    for f in res.findings:
        r: dict[str, Any] = {
            "ruleId": f.check, "ruleIndex": ids.index(f.check),
            "level": f.sarif_level,
            "message": {"text": f.message},
            "locations": [_location(f.file, f.line, f.col)],
        }
        if f.related:
            r["relatedLocations"] = [
                {"id": i, **_location(x["file"], x["line"], x["col"], x["message"])}
                for i, x in enumerate(f.related)]
        if f.flow:
            r["codeFlows"] = [{"threadFlows": [{"locations": [
                {"location": _location(x["file"], x["line"], x["col"], x["message"])}
                for x in f.flow]}]}]
        if f.numbers:
            r["properties"] = {"gomapSimulate": f.numbers}
        results.append(r)
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "gomap-lint", "version": version, "rules": rules}},
            "results": results,
            "columnKind": "unicodeCodePoints",
        }],
    }
