"""``gomap simulate`` and ``gomap compare``: parse, build one
:class:`~gomap.sim.request.SimRequest` (the library checks it), run it, print.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from gomap.cli._common import (
    Eta,
    UsageError,
    check_output,
    count,
    count_arg,
    error,
    progress_bar,
    progress_console,
    quiet_arg,
    report_console,
    report_printer,
    warn_console,
)
from gomap.engines import DEFAULT_ENGINE, ENGINES, engine_names

if TYPE_CHECKING:
    from rich.console import Console

    from gomap.sim.request import SimRequest


def _request(args: argparse.Namespace, compare: bool = False) -> SimRequest:
    """The request of a simulate / compare command line (checked by the library)."""
    from gomap.sim.request import SimRequest

    def on_empty(msg: str) -> None:
        if not getattr(args, "quiet", False):
            error(f"gomap {args.command}: warning: {msg}")

    return SimRequest.from_options(
        key=args.key, value=args.value, types=args.types or (), ops=args.ops,
        pattern=args.pattern, hint=args.hint, impl=args.impl, go=args.go, seed=args.seed,
        seeds=getattr(args, "seeds", 1), samples=args.samples, compare=compare,
        warn=error, on_empty=on_empty, check_outputs=lambda: _check_outputs(args))


def _run_one(console: Console, args: argparse.Namespace, req: SimRequest, impl: str,
             seed: int, label: str, go: Any = None, rebuild: bool = True, bar: Any = None,
             eta: Eta | None = None, done_before: int = 0) -> Any:
    """One simulation. ``bar``: a progress display already shown (--seeds) to add this
    run's bar to; ``eta`` is told the operations done, counting ``done_before``."""
    total = req.workload.total
    err = progress_console(args)
    show = err is not None and (total is None or total >= 20_000)

    def progress(done: int) -> None:
        if eta is not None:
            eta(done_before + done)

    def run(progress: Any) -> Any:
        return req.run(impl, seed=seed, release=go, rebuild=rebuild, progress=progress)

    if not show:
        return run(progress if eta is not None else None)
    own = bar is None
    if own:
        bar = progress_bar(err)  # type: ignore[arg-type]
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


def _check_outputs(args: argparse.Namespace) -> None:
    check_output("--json", args.json, allow_stdout=True)
    check_output("--plot", args.plot)
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

    say = report_printer(args, console)
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


def _interrupted(args: argparse.Namespace, console: Console, reports: list[Any],
                 planned: str) -> int:
    """Ctrl-C: print what was done (the runs finished and the partial one), say it is
    partial on stderr, exit 130."""
    from gomap.sim.report import render

    out = report_console(args, console)
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
    error(f"gomap {args.command}: interrupted (Ctrl-C) — " + (
        f"the report{'s' if len(reports) > 1 else ''} above "
        f"{'are' if len(reports) > 1 else 'is'} partial ({done}; planned: {planned})"
        if reports else "nothing was finished"))
    return 130


def _simulate(args: argparse.Namespace, console: Console) -> int:
    from gomap.sim.report import render
    from gomap.sim.simulator import SimulationInterrupted, seed_spread

    req = _request(args)
    impl, release, total = req.impl or DEFAULT_ENGINE, req.release, req.workload.total
    reports: list[Any] = []
    eta = Eta("simulate", None if total is None else total * args.seeds,
              warn_console(args))
    err = progress_console(args) if args.seeds > 1 else None
    bar = progress_bar(err) if err is not None else None
    planned = f"{args.seeds:,} seeds of {total:,} operations" if total is not None \
        else f"{args.seeds:,} seeds"
    try:
        if bar is not None:
            bar.start()
            seeds_task = bar.add_task("hash seeds", total=args.seeds, unit="seeds")
        for k in range(args.seeds):
            seed = args.seed + k
            label = f"{impl} seed {seed}" if args.seeds > 1 else impl
            r = _run_one(console, args, req, impl, seed, label, go=release, bar=bar, eta=eta,
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
    out = report_console(args, console)
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


def _compare_go(args: argparse.Namespace, console: Console, req: SimRequest) -> int:
    from gomap.sim.simulator import SimulationInterrupted
    from gomap.sim.upgrade import compare_releases, render_upgrades
    from gomap.versions import UnsupportedGoVersion

    rels, total = list(req.releases), req.workload.total
    done: list[Any] = []
    eta = Eta("compare", None if total is None else total * len(rels), warn_console(args))

    def run(impl: str, b: Any, final: bool) -> Any:
        label = f"Go {b.release} {impl}" + ("" if final else " (attributing)")
        r = _run_one(console, args, req, impl, req.seed, label, go=b, rebuild=final, eta=eta,
                     done_before=sum(x.ops for x in done))
        done.append(r)
        return r

    try:
        reports, upgrades = compare_releases(rels, req.impl, run)
    except UnsupportedGoVersion as e:
        raise UsageError(str(e)) from None
    except SimulationInterrupted as e:
        return _interrupted(args, console, [*done, e.report],
                            f"Go {', '.join(b.release for b in rels)}")
    render_upgrades(console, reports, upgrades)
    data: dict[str, Any] = {"workload": req.workload.name, "key": reports[0].key,
                            "value": reports[0].value, "ops": reports[0].ops,
                            "releases": [r.as_dict() for r in reports],
                            "upgrades": [u.as_dict() for u in upgrades]}
    _outputs(args, console, data, reports)
    return 0


def _compare(args: argparse.Namespace, console: Console) -> int:
    from gomap import __version__
    from gomap.sim.report import render_compare
    from gomap.sim.simulator import SimulationInterrupted

    req = _request(args, compare=True)
    if req.releases:
        return _compare_go(args, console, req)
    total = req.workload.total
    reports: list[Any] = []
    eta = Eta("compare", None if total is None else total * len(engine_names()),
              warn_console(args))
    try:
        for impl in engine_names():
            reports.append(_run_one(console, args, req, impl, req.seed, impl, eta=eta,
                                    done_before=sum(x.ops for x in reports)))
    except SimulationInterrupted as e:
        return _interrupted(args, console, [*reports, e.report],
                            " and ".join(engine_names()))
    out = report_console(args, console)
    if out is not None:
        render_compare(out, reports)
    data: dict[str, Any] = {"gomap_version": __version__, "workload": req.workload.name,
                            "key": reports[0].key, "value": reports[0].value,
                            "ops": reports[0].ops}
    for r in reports:
        d = {**_versions(r.impl), **r.as_dict()}
        del d["gomap_version"]
        data[r.impl] = d
    _outputs(args, console, data, reports)
    return 0


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
    p.add_argument("--hint", type=count_arg, metavar="N",
                   help="make(map[K]V, N); N may be written 1000000, 1_000_000 or 1e6")
    p.add_argument("--seed", type=int, default=1, help="hash seed of the (first) run")
    p.add_argument("--json", metavar="FILE",
                   help="write the full report as JSON (- : to stdout, the report then "
                   "goes to stderr)")
    p.add_argument("--plot", metavar="FILE.png",
                   help="plot the run (matplotlib) to exactly this path, as PNG")
    p.add_argument("--samples", type=count, default=1000,
                   help="timeline points kept (default 1000)")
    p.add_argument("--no-progress", action="store_true",
                   help="no progress bar (there is none unless stderr is a terminal)")
    p.add_argument("--backend", choices=("native", "python"),
                   help="the engines' backend: native (the C engines, the default where "
                   "built) or python (the reference engines); as GOMAP_BACKEND")
    quiet_arg(p)




def register(sub: Any, add: Any) -> None:
    """Add ``simulate`` and ``compare`` (``add(name, help, example)`` makes a subparser
    with the shared epilog)."""
    s = add("simulate", "what a Go map costs, byte-exact, over a workload",
            "gomap simulate --key string --value '[]byte' --pattern churn:size=10000")
    s.add_argument("--impl", choices=engine_names(), default=None,
                   help=", ".join(f"{n} ({spec.label})" for n, spec in ENGINES.items())
                   + f"; default {DEFAULT_ENGINE} (or the default map of --go)")
    s.add_argument("--go", metavar="VERSION",
                   help="the Go release to model, 1.21-1.27 (e.g. 1.24 or 1.24.11); "
                   "--go 1.24 --impl classic is the GOEXPERIMENT=noswissmap build")
    _sim_args(s)
    s.add_argument("--seeds", type=count, default=1, metavar="K",
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
