"""``gomap trace`` and ``gomap viz``: parse, call the tracer / page builder, report.

Registered in :mod:`gomap.cli` by :func:`register`; the workload options (``--ops``,
``--pattern``, ``--hint``, ``--key``, ``--value``) and their checks are the
simulator's (:class:`gomap.sim.request.SimRequest`).
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import time
from typing import Any

from rich.console import Console

from gomap.cli._common import UsageError, announce_build, count_arg, error
from gomap.engines import DEFAULT_ENGINE, engine_names


class ToolchainMissing(Exception):
    """--with-runtime without the Go toolchain: exit 3, the message says what to install."""


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--key", default="int64", metavar="T", help="Go key type (default int64)")
    p.add_argument("--types", "--from", action="append", metavar="DIR|FILE.go",
                   help="load the named types of this Go package, to name them as pkg.T")
    p.add_argument("--value", default="int64", metavar="T", help="Go value type (default int64)")
    p.add_argument("--ops", metavar="FILE", help="an ops file (see docs/SIMULATE.md)")
    p.add_argument("--pattern", metavar="NAME[:k=v,...]",
                   help="a built-in workload (as for simulate), e.g. fill:n=1000")
    p.add_argument("--hint", type=count_arg, metavar="N",
                   help="make(map[K]V, N); N may be written 1000000, 1_000_000 or 1e6")
    p.add_argument("--seed", type=int, default=1, help="hash seed (default 1)")
    p.add_argument("-o", "--output", required=True, metavar="FILE",
                   help="where to write (- : standard output; the summary line then goes "
                   "to standard error)")
    p.add_argument("--with-runtime", action="store_true",
                   help="run the workload on the real Go runtime too (oracle harness) and "
                   "mark every step equal or show the difference")


def register(sub: Any) -> None:
    """Add the ``trace`` and ``viz`` subcommands to the ``gomap`` parser."""
    t = sub.add_parser("trace", help="every internal event of a workload, narrated: JSONL "
                       "or Chrome trace (Perfetto)")
    t.add_argument("--impl", choices=engine_names(), default=DEFAULT_ENGINE)
    t.add_argument("--format", choices=["jsonl", "chrome"], default="jsonl")
    _common(t)
    t.set_defaults(func=_guard(_trace))
    v = sub.add_parser("viz", help="a self-contained HTML page that steps through a workload")
    v.add_argument("--impl", choices=[*engine_names(), "both"], default="both")
    _common(v)
    v.add_argument("--max-ops", type=int, default=200_000,
                   help="refuse longer workloads (the page holds every step; default 200000)")
    v.set_defaults(func=_guard(_viz))


def _guard(fn: Any) -> Any:
    """Exit 3 with the toolchain message when the Go toolchain is missing; a bad ops
    line is bad input (exit 2, ``file:line: message``)."""
    def run(args: argparse.Namespace, console: Console) -> int:
        from gomap.sim.ops import OpsFileError

        try:
            return int(fn(args, console))
        except OpsFileError as e:  # a bad line met while reading (the C reader streams)
            raise UsageError(str(e), located=True) from None
        except ToolchainMissing as e:
            error(f"gomap {args.command}: {e}")  # an error: stderr, like every other
            return 3
    return run


def _prepare(args: argparse.Namespace) -> tuple[Any, int, str]:
    from gomap.sim.request import SimRequest

    def on_empty(msg: str) -> None:
        error(f"gomap {args.command}: warning: {msg}")

    req = SimRequest.from_options(key=args.key, value=args.value, types=args.types or (),
                                  ops=args.ops, pattern=args.pattern, hint=args.hint,
                                  seed=args.seed, header=False, on_empty=on_empty)
    factory, known, name = req.workload.ops, req.workload.total, req.workload.name
    if known is None:
        # An ops file is read once, as a stream; the tracer may replay it (both
        # engines, the runtime), so keep its operations.
        from gomap.ops import CLONE, REBUILD
        from gomap.sim.ops import MAKE

        kept = list(factory())
        if any(code in (CLONE, REBUILD) for code, _ in kept):
            raise UsageError("clone and rebuild replace the map: trace and viz follow one "
                             "map (gomap simulate accounts for them)")
        total = sum(1 for code, _ in kept if code != MAKE)
        factory = lambda: iter(kept)  # noqa: E731
    else:
        total = known
    if args.with_runtime:
        from gomap.oracle.harness import build_harness
        from gomap.oracle.toolchain import GO_VERSIONS, GoToolchainMissing, find_go
        from gomap.trace.runtime import runtime_supported

        problem = runtime_supported(args.key, args.value)
        if problem:
            raise UsageError(f"--with-runtime: {problem}")
        for impl in engine_names() if args.impl == "both" else [args.impl]:
            try:
                find_go(GO_VERSIONS[impl], needed_by=f"gomap {args.command} --with-runtime",
                        install_hint=f"python -m gomap.oracle.toolchain install "
                        f"{GO_VERSIONS[impl]}")
                build_harness(impl, on_build=announce_build(args.command, impl))
            except GoToolchainMissing as e:
                raise ToolchainMissing(str(e)) from None
    return factory, total, name


def _open(path: str) -> Any:
    """The output, as a binary file to use in a ``with``: ``-`` is standard output
    (left open at the end)."""
    if path == "-":
        sys.stdout.flush()
        return contextlib.nullcontext(sys.stdout.buffer)
    try:
        return open(path, "wb")
    except OSError as e:
        raise UsageError(f"-o {path}: {e.strerror}") from None


def _name(path: str) -> str:
    return "standard output" if path == "-" else path


def _say(args: argparse.Namespace, console: Console) -> Console:
    """Where the summary goes: stdout, or stderr when stdout carries the output."""
    return Console(stderr=True) if args.output == "-" else console


def _trace(args: argparse.Namespace, console: Console) -> int:
    from gomap.sim.ops import MAKE
    from gomap.trace.export import header, write_trace
    from gomap.trace.tracer import Tracer

    factory, _total, name = _prepare(args)
    t0 = time.perf_counter()
    ops = factory()
    first = next(ops, None)
    hint = int(first[1]) if first is not None and first[0] == MAKE else 0
    tr: Tracer
    if args.with_runtime:
        from gomap.trace.runtime import RuntimeTracer

        tr = RuntimeTracer(args.impl, args.key, args.value)
    else:
        tr = Tracer(args.impl, args.key, args.value, seed=args.seed)

    def all_ops() -> Any:
        yield (MAKE, hint)
        if first is not None and first[0] != MAKE:
            yield first
        yield from ops

    with _open(args.output) as out:
        res = write_trace(tr.run(all_ops()), out, args.format,
                          header(args.impl, args.key, args.value, name, hint))
    dt = time.perf_counter() - t0
    console = _say(args, console)
    console.print(f"{res['ops']:,} ops, {res['events']:,} events traced ({args.impl}, "
                  f"{args.format}) in {dt:.1f} s → {_name(args.output)}")
    if args.with_runtime:
        from gomap.trace.runtime import summary

        console.print(summary(tr))  # type: ignore[arg-type]
        if tr.divergence is not None or tr.final is not None:  # type: ignore[attr-defined]
            return 1
    return 0


def _viz(args: argparse.Namespace, console: Console) -> int:
    from gomap.trace.viz import build_page

    factory, total, name = _prepare(args)
    if total > args.max_ops:
        raise UsageError(f"the workload has {total:,} ops; the page holds every step — "
                         f"give a shorter one or raise --max-ops")
    impls = engine_names() if args.impl == "both" else [args.impl]
    t0 = time.perf_counter()
    page, info = build_page(impls, args.key, args.value, factory, name, seed=args.seed,
                            with_runtime=args.with_runtime)
    with _open(args.output) as out:
        out.write(page.encode())
    dt = time.perf_counter() - t0
    console = _say(args, console)
    console.print(f"{info['ops']:,} ops ({', '.join(impls)}) in {dt:.1f} s → "
                  f"{_name(args.output)} "
                  f"({len(page.encode()):,} bytes, {info['bytes_per_op']:.1f} bytes/op)")
    for line in info.get("notes", []):
        console.print(line)
    return 0
