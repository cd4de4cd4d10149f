"""``gomap record``'s run: check, attach, read until the target exits, detach, write.

The target is either a running process (``--pid``: its threads now, and every thread
it starts later, through ``set_event_pid`` + ``event-fork``) or a command gomap
starts (``-- CMD``: the probes are attached before it starts, and gomap follows
itself into the fork, so the first map op is seen). The probes are removed on every
way out: the target exits, ``--duration`` ends, Ctrl-C or SIGTERM, or an error.
Recording never writes to the target: uprobes only read its registers and memory.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gomap.record.gobin import GoBinary
from gomap.record.probes import ProbePlan, plan
from gomap.record.recorder import Recorder
from gomap.record.tracefs import TraceSession


class RecordError(Exception):
    """A recording that cannot start; ``code`` is the CLI's exit status (2 or 3)."""

    def __init__(self, msg: str, code: int = 2) -> None:
        super().__init__(msg)
        self.code = code


@dataclass
class RecordResult:
    recorder: Recorder
    plan: ProbePlan
    binary: GoBinary
    seconds: float
    exit_code: int | None = None
    target_seconds: float | None = None  # -- CMD: from its start to its exit
    exe: str = ""  # the target's executable, as its path names it
    files: list[Path] = field(default_factory=list)


def check_privileges() -> None:
    """uprobe events need root (CAP_SYS_ADMIN for tracefs; CAP_BPF is not enough)."""
    if os.geteuid() != 0:
        raise RecordError("gomap record needs root: uprobe events are defined through "
                          "tracefs, which needs CAP_SYS_ADMIN (run it with sudo)")


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except (OSError, IndexError):
        return False


def record(*, pid: int | None = None, cmd: Sequence[str] | None = None, ops: str = "all",
           map_filter: str | None = None, duration: float | None = None,
           ops_out: str | Path | None = None, auditor: Any = None, stacks: int = 4,
           count_reentries: bool = False, at_entry: bool = False,
           on_start: Callable[[int], None] | None = None, poll: float = 0.05,
           stdin: Any = None, buffer_mb: float = 8, key_bytes: int = 128) -> RecordResult:
    """Record a Go process's map operations (see the module docstring)."""
    if (pid is None) == (not cmd):
        raise RecordError("give either --pid PID or -- CMD [ARGS...]")
    check_privileges()
    if pid is not None:
        if not _alive(pid):
            raise RecordError(f"--pid {pid}: no such process")
        exe = f"/proc/{pid}/exe"
        try:
            exe = os.readlink(exe)
        except OSError as e:
            raise RecordError(f"--pid {pid}: cannot read its executable: {e.strerror}") from None
        path = f"/proc/{pid}/exe"
    else:
        assert cmd
        found = shutil.which(cmd[0])
        if found is None:
            raise RecordError(f"{cmd[0]}: command not found")
        exe = path = os.path.realpath(found)
    try:
        b = GoBinary.open(path)
    except ValueError as e:
        raise RecordError(str(e).replace(path, exe)) from None
    try:
        pl = plan(b, ops, stacks, key_bytes=key_bytes, count_reentries=count_reentries,
                  at_entry=at_entry)
    except ValueError as e:
        raise RecordError(str(e)) from None
    session = TraceSession(exe, pl.probes, buffer_kb=max(4, int(buffer_mb * 1024)))
    rec = Recorder(b, pl, pid=pid, stacks=stacks, auditor=auditor, map_filter=map_filter)
    stop = [False]

    def on_signal(signum: int, frame: Any) -> None:
        stop[0] = True

    old = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    proc: subprocess.Popen[bytes] | None = None
    exited: list[float] = []
    t0 = time.monotonic()
    try:
        try:
            session.open()
        except OSError as e:
            raise RecordError(f"tracefs: {e}") from None
        if pid is not None:
            tids = [int(t) for t in os.listdir(f"/proc/{pid}/task")]
            session.follow(tids)
            session.start()
        else:
            session.follow([os.getpid()])
            session.start()
            proc = subprocess.Popen(list(cmd or ()), stdin=stdin,
                                    preexec_fn=lambda: signal.signal(signal.SIGINT,
                                                                     signal.SIG_DFL))
            pid = proc.pid
            rec.pid = pid
            started = time.monotonic()

            def waiter(p: subprocess.Popen[bytes] = proc) -> None:
                p.wait()
                exited.append(time.monotonic() - started)

            threading.Thread(target=waiter, daemon=True).start()
        if on_start is not None:
            on_start(pid)
        t0 = time.monotonic()
        while not stop[0]:
            for ts, fmt, r in session.read():
                rec.feed(ts, fmt, r)
            if exited:
                break
            if proc is None and not _alive(pid):
                break
            if duration is not None and time.monotonic() - t0 >= duration:
                break
            time.sleep(poll)
        session.stop()
        for ts, fmt, r in session.read(final=True):
            rec.feed(ts, fmt, r)
        rec.stats.lost = session.lost()
    finally:
        session.close()
        for s, h in old.items():
            signal.signal(s, h)
        if proc is not None and proc.poll() is None and stop[0]:
            proc.send_signal(signal.SIGINT)
    exit_code = proc.wait() if proc is not None else None
    res = RecordResult(rec, pl, b, time.monotonic() - t0, exit_code,
                       exited[0] if exited else None, exe)
    if ops_out is not None:
        res.files = rec.write_ops(Path(ops_out))
    return res
