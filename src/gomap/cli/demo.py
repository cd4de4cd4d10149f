"""``gomap demo``: a built-in workload, and what happens inside."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from gomap.cli._common import UsageError, count, quiet_arg
from gomap.engines import DEFAULT_ENGINE, engine_names

if TYPE_CHECKING:
    from rich.console import Console


def _demo(args: argparse.Namespace, console: Console) -> int:
    from gomap.demo import run_demo

    if args.n < 1:
        raise UsageError(f"-n must be at least 1, not {args.n}")
    run_demo(console, impl=args.impl, n=args.n, seed=args.seed)
    return 0




def register(add: Any) -> None:
    """Add ``demo`` (``add(name, help, example)`` makes a subparser)."""
    d = add("demo", "run a built-in workload and show what happens inside", "gomap demo -n 5000")
    d.add_argument("--impl", choices=engine_names(), default=DEFAULT_ENGINE,
                   help=f"the engine (default {DEFAULT_ENGINE}, as for simulate)")
    d.add_argument("-n", type=count, default=20_000,
                   help="entries to insert (default 20000; 2e4, 20k as in patterns)")
    d.add_argument("--seed", type=int, default=1)
    quiet_arg(d)
    d.set_defaults(func=_demo)
