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
import os
import sys
from collections.abc import Sequence
from typing import Any

from gomap.cli._common import (
    EXAMPLES,
    EXIT_CODES,
    WARN_AFTER_SECONDS,
    Eta,
    QuietConsole,
    UsageError,
    error,
    stdout_console,
)
from gomap.engines import ENGINES

# Start-up: every gomap process pays for what it imports, so this package imports rich
# and each subcommand's library only where that command runs (tests/cli/test_startup.py).
# One module per command group (simulate.py: simulate and compare; verify.py; demo.py;
# trace.py: trace and viz; lint.py; audit.py; record.py), each importing only
# _common.py of the command line.

__all__ = [
    "CORE_COMMANDS",
    "EXAMPLES",
    "EXIT_CODES",
    "HOST_BYTES_PER_ENTRY",
    "WARN_AFTER_SECONDS",
    "Eta",
    "UsageError",
    "build_parser",
    "check_memory",
    "main",
]


def __getattr__(name: str) -> Any:
    """The memory check of a workload lives with the request
    (:mod:`gomap.sim.request`), imported on first use (start-up)."""
    if name in ("HOST_BYTES_PER_ENTRY", "check_memory"):
        from gomap.sim import request

        return getattr(request, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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

    from gomap.cli import demo, simulate, verify

    demo.register(add)
    simulate.register(sub, add)
    verify.register(add)

    if command in CORE_COMMANDS:
        return p  # the other subcommands' packages are not imported (start-up)
    from gomap.cli import audit, lint, record, trace

    trace.register(sub)  # trace, viz
    lint.add_parser(sub)
    audit.register(sub)  # audit show, audit stats
    record.register(sub)
    return p


CORE_COMMANDS = frozenset({"demo", "simulate", "compare", "verify"})
"""The subcommands :func:`build_parser` always defines; the others (trace, viz, lint,
audit, record) are registered by their modules of :mod:`gomap.cli`, imported only
when needed."""


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
    console: Any = (QuietConsole() if quiet and args.command in ("simulate", "compare")
                    else stdout_console(quiet))
    try:
        _use_backend(getattr(args, "backend", None))
        return int(args.func(args, console))
    except UsageError as e:
        msg = str(e)
        error(msg if e.located else f"gomap {args.command}: {msg}")
        return 2
    except KeyboardInterrupt:
        error(f"gomap {args.command}: interrupted (Ctrl-C); what it was writing is "
             "incomplete")
        return 130
    except BrokenPipeError:
        # The reader went away (| head): not an error of ours, and nothing to say.
        # Point stdout at /dev/null so the interpreter's final flush stays quiet.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141

