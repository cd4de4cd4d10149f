"""The kernel's uprobe events through tracefs: define, filter, enable, read, count losses.

Why tracefs (docs/RECORD.md has the full reasoning): it places a uprobe at any file
offset (the instruction past a Go prologue's stack check), fetches registers and
user memory with nested dereferences (``+8(+0(%bp))`` walks frame pointers), filters
events in the kernel, and needs no compiler, no kernel headers and no library — only
a kernel with ``CONFIG_UPROBE_EVENTS``. Debian's bpftrace 0.17 cannot place a probe at
an offset; BCC needs kernel headers; libbpf needs a compiled BPF object.

A :class:`TraceSession` owns one tracefs *instance* (its own ring buffer, so nothing
else tracing on the machine is disturbed) and one probe *group*; :meth:`close` removes
both. The ring buffer is read binary (``per_cpu/cpuN/trace_pipe_raw``), with the
instance in non-overwrite mode: an event that does not fit is dropped and counted
by the kernel (``per_cpu/cpuN/stats``: ``dropped events``, ``overrun``), and those
counts are reported as the events lost.
"""

from __future__ import annotations

import bisect
import contextlib
import errno
import os
import re
import struct
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

TRACEFS_CANDIDATES = (Path("/sys/kernel/tracing"), Path("/sys/kernel/debug/tracing"))
PAGE_HEADER = 16  # u64 timestamp, local_t commit (header_page)
COMMIT_MASK = (1 << 30) - 1  # the commit word's low bits; the top two flag missed events
RB_PADDING, RB_TIME_EXTEND, RB_TIME_STAMP = 29, 30, 31


class TraceFSError(RuntimeError):
    """tracefs is missing, read-only, or refused a probe (the message says which)."""


def find_tracefs(mount: bool = True) -> Path:
    """The tracefs mount point; mounts it at /sys/kernel/tracing when missing."""
    for p in TRACEFS_CANDIDATES:
        if (p / "uprobe_events").exists():
            return p
    if mount:
        import subprocess

        subprocess.run(["mount", "-t", "tracefs", "nodev", str(TRACEFS_CANDIDATES[0])],
                       capture_output=True, check=False)
        if (TRACEFS_CANDIDATES[0] / "uprobe_events").exists():
            return TRACEFS_CANDIDATES[0]
    raise TraceFSError("tracefs is not mounted and could not be mounted at "
                       "/sys/kernel/tracing (mount -t tracefs nodev /sys/kernel/tracing), "
                       "or the kernel has no CONFIG_UPROBE_EVENTS")


@dataclass
class Probe:
    """One uprobe event: ``p:GROUP/NAME PATH:OFFSET field=fetcharg ...``."""

    name: str
    offset: int  # file offset in the binary
    args: list[tuple[str, str]]  # (field, fetch argument with its type)
    filter: str = ""  # a tracefs event filter, applied in the kernel after the fetch
    meta: dict[str, Any] = field(default_factory=dict)  # what the decoder needs


@dataclass
class FieldLayout:
    name: str
    offset: int
    size: int
    kind: str  # "u", "s", "x" (unsigned), "arr", "str"


class EventFormat:
    """Where each fetched field lies in an event's record; :meth:`decode` reads all the
    fixed-size fields with one precompiled ``struct`` unpack."""

    def __init__(self, id: int, probe: Probe, fields: list[FieldLayout]) -> None:
        self.id = id
        self.probe = probe
        self.fields = fields
        fixed = [f for f in fields if f.kind in ("u", "s") and f.size in (1, 2, 4, 8)]
        self._names = ["tid", *(f.name for f in fixed)]
        code = {(1, "u"): "B", (1, "s"): "b", (2, "u"): "H", (2, "s"): "h", (4, "u"): "I",
                (4, "s"): "i", (8, "u"): "Q", (8, "s"): "q"}
        fmt, pos = "<4xi", 8
        for f in sorted(fixed, key=lambda f: f.offset):
            fmt += f"{f.offset - pos}x" if f.offset > pos else ""
            fmt += code[(f.size, f.kind)]
            pos = f.offset + f.size
        self._names = ["tid", *(f.name for f in sorted(fixed, key=lambda f: f.offset))]
        self._struct = struct.Struct(fmt)
        self._arrays = [(f.name, f.offset, f.size) for f in fields if f.kind == "arr"]
        self._strings = [(f.name, f.offset) for f in fields if f.kind == "str"]

    def decode(self, data: bytes) -> dict[str, Any]:
        out = dict(zip(self._names, self._struct.unpack_from(data, 0), strict=True))
        for name, off, size in self._arrays:
            out[name] = data[off:off + size]
        for name, off in self._strings:
            loc = struct.unpack_from("<I", data, off)[0]
            out[name] = data[loc & 0xFFFF:(loc & 0xFFFF) + (loc >> 16)]
        return out


_FIELD = re.compile(r"field:(?P<decl>[^;]+);\s*offset:(?P<off>\d+);\s*size:(?P<size>\d+);"
                    r"\s*signed:(?P<signed>\d)")


def parse_format(text: str, probe: Probe) -> EventFormat:
    """An event's ``format`` file → where each fetched field lies in the record."""
    eid = int(re.search(r"^ID:\s*(\d+)", text, re.M).group(1))  # type: ignore[union-attr]
    fields: list[FieldLayout] = []
    for m in _FIELD.finditer(text):
        decl = m.group("decl").strip()
        name = decl.split()[-1]
        arr = name.endswith("[]")
        name = name.rstrip("[]")
        if name.startswith("common_") or name == "__probe_ip":
            continue
        if decl.startswith("__data_loc"):
            kind = "str"
        elif arr:
            kind = "arr"
        else:
            kind = "s" if m.group("signed") == "1" else "u"
        fields.append(FieldLayout(name, int(m.group("off")), int(m.group("size")), kind))
    return EventFormat(eid, probe, fields)


def iter_page_events(page: bytes) -> Iterator[tuple[int, bytes]]:
    """(timestamp, record) of every event in one ring-buffer page (header_page and
    header_event's compressed entry format)."""
    ts = struct.unpack_from("<Q", page, 0)[0]
    commit = struct.unpack_from("<Q", page, 8)[0] & COMMIT_MASK
    pos, end = PAGE_HEADER, min(PAGE_HEADER + commit, len(page))
    while pos + 4 <= end:
        hdr = struct.unpack_from("<I", page, pos)[0]
        tlen, delta = hdr & 0x1F, hdr >> 5
        if tlen == RB_PADDING:
            if delta == 0:
                return
            ln = struct.unpack_from("<I", page, pos + 4)[0]
            pos += 4 + ln
            continue
        if tlen == RB_TIME_EXTEND:
            ts += delta + (struct.unpack_from("<I", page, pos + 4)[0] << 27)
            pos += 8
            continue
        if tlen == RB_TIME_STAMP:
            ts = (struct.unpack_from("<I", page, pos + 4)[0] << 27) | delta
            pos += 8
            continue
        ts += delta
        if tlen == 0:
            ln = struct.unpack_from("<I", page, pos + 4)[0]
            yield ts, page[pos + 8:pos + 4 + ln]
            pos += 4 + ln
        else:
            yield ts, page[pos + 4:pos + 4 + 4 * tlen]
            pos += 4 + 4 * tlen


class TraceSession:
    """One recording's probes and ring buffer (see the module docstring)."""

    def __init__(self, binary: str | Path, probes: list[Probe], *, buffer_kb: int = 8192,
                 tag: str | None = None) -> None:
        self.root = find_tracefs()
        self.binary = str(binary)
        self.probes = probes
        self.group = f"gomap_{tag or os.getpid()}"
        self.inst = self.root / "instances" / self.group
        self.formats: dict[int, EventFormat] = {}
        self._defined: list[str] = []
        self._fds: list[int] = []
        self._held: list[tuple[int, EventFormat, bytes]] = []
        self.buffer_kb = buffer_kb

    # --- set-up ---------------------------------------------------------------------------
    def open(self) -> None:
        try:
            self._open()
        except BaseException:
            self.close()
            raise

    def _write(self, path: Path, text: str, append: bool = False) -> None:
        try:  # one write(2) per command (a buffered text file can split or reorder them)
            fd = os.open(path, os.O_WRONLY | (os.O_APPEND if append else os.O_TRUNC))
            try:
                os.write(fd, text.encode())
            finally:
                os.close(fd)
        except OSError as e:
            log = ""
            with contextlib.suppress(OSError):
                log = " ".join((self.root / "error_log").read_text().strip().splitlines()[-2:])
            raise TraceFSError(f"tracefs refused {text.strip()!r} in {path.name}: "
                               f"{e.strerror}{' — ' + log if log else ''}") from None

    def follow(self, pids: list[int]) -> None:
        """Record only these tasks and every task they clone from now on (threads
        included): ``set_event_pid`` with the ``event-fork`` option, in the kernel."""
        self._write(self.inst / "options" / "event-fork", "1")
        self._write(self.inst / "set_event_pid", " ".join(str(p) for p in pids))

    def _open(self) -> None:
        lines = [f"p:{self.group}/{p.name} {self.binary}:{p.offset:#x} "
                 + " ".join(f"{n}={a}" for n, a in p.args) + "\n" for p in self.probes]
        try:  # all definitions in one write (the kernel reads it line by line) ...
            self._write(self.root / "uprobe_events", "".join(lines), append=True)
            self._defined = [p.name for p in self.probes]
        except TraceFSError:  # ... else one by one, to name the line it refused
            self._defined = [p.name for p in self.probes]
            self._remove_defined()
            for p, line in zip(self.probes, lines, strict=True):
                self._write(self.root / "uprobe_events", line, append=True)
                self._defined.append(p.name)
        if not self.inst.exists():
            self.inst.mkdir()
        self._write(self.inst / "buffer_size_kb", str(self.buffer_kb))
        self._write(self.inst / "trace_clock", "mono")
        self._write(self.inst / "options" / "overwrite", "0")
        for p in self.probes:
            ev = self.inst / "events" / self.group / p.name
            self.formats_add(parse_format((ev / "format").read_text(), p))
            if p.filter:
                self._write(ev / "filter", p.filter)
        ncpu = len(list((self.inst / "per_cpu").glob("cpu*")))
        for c in range(ncpu):
            self._fds.append(os.open(self.inst / "per_cpu" / f"cpu{c}" / "trace_pipe_raw",
                                     os.O_RDONLY | os.O_NONBLOCK))

    def start(self) -> None:
        """Enable the probes (after :meth:`follow`)."""
        self._write(self.inst / "tracing_on", "1")
        self._write(self.inst / "events" / self.group / "enable", "1")

    def formats_add(self, fmt: EventFormat) -> None:
        self.formats[fmt.id] = fmt

    # --- reading --------------------------------------------------------------------------
    HOLD_NS = 20_000_000
    """Events newer than the read's start minus this are held for the next read: a CPU
    read earlier in the sweep may still commit older ones."""

    def read(self, final: bool = False) -> list[tuple[int, EventFormat, bytes]]:
        """The events the buffers hold, as (timestamp, format, record), in timestamp
        order: events of different CPUs are merged by the mono clock, and those too
        recent to be sure no older event is still being committed on a CPU already
        read wait for the next call (``final``: release everything)."""
        now = time.clock_gettime_ns(time.CLOCK_MONOTONIC)
        out = self._held
        for fd in self._fds:
            while True:
                try:
                    page = os.read(fd, 4096)
                except BlockingIOError:
                    break
                except OSError as e:
                    if e.errno in (errno.EAGAIN, errno.EINTR):
                        break
                    raise
                if not page:
                    break
                for ts, rec in iter_page_events(page):
                    if len(rec) < 8:
                        continue
                    fmt = self.formats.get(struct.unpack_from("<H", rec, 0)[0])
                    if fmt is not None:
                        out.append((ts, fmt, rec))
        out.sort(key=lambda e: e[0])
        if final:
            self._held = []
            return out
        cut = bisect.bisect_left(out, now - self.HOLD_NS, key=lambda e: e[0])
        self._held = out[cut:]
        return out[:cut]

    def lost(self) -> int:
        """Events the kernel dropped or overwrote in this session's buffer, exactly
        (sum over CPUs of ``dropped events`` and ``overrun`` in ``stats``)."""
        total = 0
        for stats in (self.inst / "per_cpu").glob("cpu*/stats"):
            for line in stats.read_text().splitlines():
                k, _, v = line.partition(":")
                if k.strip() in ("dropped events", "overrun"):
                    total += int(v.strip() or 0)
        return total

    def stop(self) -> None:
        """Disable the probes (the target runs untraced from here on)."""
        if self.inst.exists():
            with contextlib.suppress(TraceFSError):
                self._write(self.inst / "events" / self.group / "enable", "0")

    def close(self) -> None:
        """Disable, remove the instance and the probe definitions. Safe to call twice."""
        self.stop()
        for fd in self._fds:
            with contextlib.suppress(OSError):
                os.close(fd)
        self._fds = []
        if self.inst.exists():
            with contextlib.suppress(OSError):
                self.inst.rmdir()
        self._remove_defined()

    def _remove_defined(self) -> None:
        """Remove the probe definitions this session made (one write; else one by one,
        so one that is gone already does not keep the others)."""
        if not self._defined:
            return
        try:
            self._write(self.root / "uprobe_events",
                        "".join(f"-:{self.group}/{n}\n" for n in self._defined), append=True)
        except TraceFSError:
            for name in self._defined:
                with contextlib.suppress(TraceFSError):
                    self._write(self.root / "uprobe_events", f"-:{self.group}/{name}\n",
                                append=True)
        self._defined = []
