"""What every ``gomap`` subcommand shares: the bad-input error (exit 2), the
consoles, the count arguments, progress and the exit-code epilog.

Every command module of :mod:`gomap.cli` imports this one and nothing else of the
command line, so no command imports another. It imports rich only where asked
(tests/cli/test_startup.py).
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING, Any

from gomap.errors import RequestError

if TYPE_CHECKING:
    from rich.console import Console

def stdout_console(quiet: bool) -> Console:
    """rich's Console, but a closed stdout (``| head``) ends the command through
    ``main``'s BrokenPipeError handler (exit 141, quietly) instead of rich's exit 1."""
    from rich.console import Console

    class _Console(Console):
        def on_broken_pipe(self) -> None:
            self.quiet = True
            raise BrokenPipeError

    return _Console(quiet=quiet)


class QuietConsole:
    """The console of a ``--quiet`` simulate/compare, which prints nothing: rich's
    Console is built (and rich imported) only if something asks for it."""

    def __init__(self) -> None:
        self._real: Console | None = None

    def __getattr__(self, name: str) -> Any:
        if self._real is None:
            self._real = stdout_console(quiet=True)
        return getattr(self._real, name)


def stderr_console() -> Console:
    from rich.console import Console

    return Console(stderr=True)


UsageError = RequestError
"""Bad input from the user: printed without a traceback, exit code 2 (``located``:
the message already starts with ``file:line:``). The library raises it as
:class:`gomap.errors.RequestError`; this is the command line's name for it."""


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


def error(msg: str) -> None:
    """An error line on stderr, unwrapped, without markup."""
    sys.stderr.write(msg.rstrip("\n") + "\n")
    sys.stderr.flush()


WARN_AFTER_SECONDS = 600.0
"""A run expected to take longer than this (measured as it runs) is announced on stderr."""


def _duration(seconds: float) -> str:
    if seconds >= 2 * 3600:
        return f"{seconds / 3600:,.0f} h"
    if seconds >= 120:
        return f"{seconds / 60:,.0f} min"
    return f"{seconds:,.0f} s"


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


def announce_build(command: str, harness: str) -> Any:
    """``on_build`` for :func:`gomap.oracle.harness.build_harness`: one stderr line, so
    a first run is not silent while Go builds the harness."""
    def say(version: str) -> None:
        error(f"gomap {command}: building the {harness} harness with Go {version} (once; "
             f"it is cached, the next run starts at once)")
    return say


def progress_console(args: argparse.Namespace) -> Console | None:
    """The stderr console progress goes to, or None when progress is not shown
    (not a terminal, --no-progress, --quiet)."""
    if getattr(args, "no_progress", False) or getattr(args, "quiet", False):
        return None
    err = stderr_console()
    return err if err.is_terminal else None


def progress_bar(err: Console) -> Any:
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


def check_output(flag: str, path: str | None, allow_stdout: bool = False) -> None:
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


def report_printer(args: argparse.Namespace, console: Console) -> Any:
    """Where the human-readable report goes: stdout, stderr when stdout carries the
    JSON (``--json -``), nowhere with --quiet."""
    if getattr(args, "quiet", False):
        return lambda *a, **k: None
    if getattr(args, "json", None) == "-":
        return stderr_console().print
    return console.print


def report_console(args: argparse.Namespace, console: Console) -> Console | None:
    if getattr(args, "quiet", False):
        return None
    if getattr(args, "json", None) == "-":
        return stderr_console()
    return console


def warn_console(args: argparse.Namespace) -> Any:
    """Where warnings go: stderr, unless --quiet."""
    if getattr(args, "quiet", False):
        return lambda msg: None
    return error


def count(text: str) -> int:
    """A count written as patterns write numbers: 20000, 20_000, 2e4, 20k, 1M."""
    from gomap.sim.workloads import WorkloadError, _number

    try:
        return int(_number("", text, False))
    except WorkloadError as e:
        raise argparse.ArgumentTypeError(
            str(e).replace("=", "", 1).strip() + " (write e.g. 20000, 20_000, 2e4 or 20k)"
        ) from None


def count_arg(text: str) -> int:
    """A size hint as Go reads a constant: 1000, 1_000, 1e6, 0x400 (0..math.MaxInt)."""
    from gomap.sim.ops import make_hint, parse_go_literal

    try:
        return make_hint(parse_go_literal(text))
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e).replace("make: ", "")) from None


def quiet_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("-q", "--quiet", action="store_true",
                   help="print no report or progress (errors and the files asked for only)")


