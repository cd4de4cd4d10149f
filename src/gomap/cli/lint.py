"""The ``gomap lint`` subcommand: :func:`add_parser` registers it, :func:`run` runs it.

Exit codes: 0 no findings; 1 findings; 2 bad input (a missing path, an unknown
check, Go code that does not parse - Go's error on stderr); 3 the Go toolchain the
analyzer is built with is missing.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from gomap.lint.checks import CHECKS


def _ids(text: str) -> list[str]:
    return [t.strip().upper() for t in text.split(",") if t.strip()]


def _specs(text: str) -> list[str]:
    """``--entry-points``: a comma-separated list, or ``@FILE`` with one per line."""
    if text.startswith("@"):
        try:
            with open(text[1:]) as fh:
                text = ",".join(ln.split("#")[0] for ln in fh)
        except OSError as e:
            raise argparse.ArgumentTypeError(f"{text[1:]}: {e.strerror}") from None
    return [t.strip() for t in text.split(",") if t.strip()]


def _source_line(path: str, n: int) -> str | None:
    """Line ``n`` of ``path`` (the offending line of a parse error), if readable."""
    if n < 1:
        return None
    try:
        with open(path, errors="replace") as fh:
            for i, line in enumerate(fh, 1):
                if i == n:
                    return line.rstrip("\n")
    except OSError:
        return None
    return None


def add_parser(sub: Any) -> argparse.ArgumentParser:
    """Add ``lint`` to the subparsers ``sub`` of the gomap command."""
    p: argparse.ArgumentParser = sub.add_parser(
        "lint", help="find map hazards in Go code (races, RLock writes, check-then-act, ...)",
        description="Find map hazards in Go code with Go's own parser and type checker. "
        "Checks: " + ", ".join(f"{c.id} {c.name}" for c in CHECKS.values()) + ".")
    p.add_argument("paths", nargs="*", metavar="PATH",
                   help="Go files or directories (walked recursively; ./... works too)")
    p.add_argument("--format", choices=["text", "json", "sarif"], default="text")
    p.add_argument("--explain", metavar="ID", help="print what check ID finds, why, and the fix")
    p.add_argument("--enable", metavar="IDS", type=_ids, action="extend",
                   help="run only these checks (comma-separated)")
    p.add_argument("--disable", metavar="IDS", type=_ids, action="extend",
                   help="skip these checks (comma-separated)")
    p.add_argument("--no-tests", action="store_true", help="skip _test.go files")
    p.add_argument("--no-numbers", action="store_true",
                   help="GM006 without the simulator's figures")
    p.add_argument("--entry-points", metavar="SPECS", type=_specs, action="extend",
                   help="more concurrency entry points: import/path.Name of calls whose "
                   "function arguments run concurrently (comma-separated; @FILE reads "
                   "one per line)")
    p.add_argument("--output", "-o", metavar="FILE", help="write the report to FILE")
    p.add_argument("--print-vettool", action="store_true",
                   help="print the analyzer's path, for go vet -vettool=$(gomap lint "
                   "--print-vettool) ./...")
    p.add_argument("--install-go", action="store_true",
                   help="pip-install the Go toolchain the analyzer is built with if missing")
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace, console: Any = None) -> int:
    """Run ``gomap lint`` for parsed ``args``; return the exit code."""
    from gomap.lint.report import as_json, sarif, text
    from gomap.lint.runner import LintError, lint
    from gomap.oracle.toolchain import GoToolchainMissing

    if args.explain:
        c = CHECKS.get(args.explain.upper())
        if c is None:
            print(f"gomap lint: unknown check {args.explain!r}: choose from "
                  f"{', '.join(CHECKS)}", file=sys.stderr)
            return 2
        print(c.explain())
        return 0
    if args.print_vettool:
        from gomap.lint.runner import analyzer_binary

        try:
            print(analyzer_binary(install_go=args.install_go))
        except LintError as e:
            print(f"gomap lint: {e}", file=sys.stderr)
            return 2
        except GoToolchainMissing as e:
            print(f"gomap lint: {e}", file=sys.stderr)
            return 3
        return 0
    if not args.paths:
        print("gomap lint: give at least one PATH (a Go file or directory)", file=sys.stderr)
        return 2
    try:
        res = lint(args.paths, enable=args.enable, disable=args.disable,
                   tests=not args.no_tests, numbers=not args.no_numbers,
                   install_go=args.install_go, entry_points=args.entry_points)
    except LintError as e:
        print(f"gomap lint: {e}", file=sys.stderr)
        return 2
    except GoToolchainMissing as e:
        print(f"gomap lint: {e}", file=sys.stderr)
        return 3
    for w in res.warnings:
        print(f"gomap lint: {w}", file=sys.stderr)
    if res.parse_errors:
        for pe in res.parse_errors:
            print(pe["error"], file=sys.stderr)
            line = _source_line(pe["file"], pe.get("line", 0))
            if line is not None:
                print(f"    {line}", file=sys.stderr)
        return 2
    if res.files == 0:
        print(f"gomap lint: no Go files in {' '.join(args.paths)}", file=sys.stderr)
        return 2
    if args.format == "json":
        out = as_json(res)
    elif args.format == "sarif":
        out = json.dumps(sarif(res), indent=2)
    else:
        out = text(res)
    if args.output:
        try:
            with open(args.output, "w") as fh:
                fh.write(out + "\n")
        except OSError as e:
            print(f"gomap lint: --output {args.output}: {e.strerror}", file=sys.stderr)
            return 2
    elif out:
        print(out)
    return 1 if res.findings else 0
