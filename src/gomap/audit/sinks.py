"""Where audit records go. Each sink takes whole batches from the auditor's one writer
thread (a sink is never called from two threads at once) and either takes a batch or
raises; the auditor counts what it could not take.

A *durable* sink says how far it has made records durable: ``synced_seq`` is the
highest seq whose write it has fsync'd or committed. The auditor's ``durable_seq``
is the minimum over its durable sinks (docs/AUDIT.md, "Guarantees").

=================  =========  =========================================================
sink               durable    one batch is
=================  =========  =========================================================
JsonlSink          fsync on   one ``write(2)`` of its lines (+ ``fsync`` per mode)
SqliteSink         yes        one transaction (WAL, ``synchronous=FULL``)
LoggingSink        no         one ``logger.log`` per record
RedisStreamSink    opt-in     one pipeline of ``XADD`` (``MAXLEN ~``)
CallableSink       opt-in     one ``fn(batch)`` call
=================  =========  =========================================================
"""

from __future__ import annotations

import json
import logging
import os
import re
import sqlite3
import time
from collections.abc import Callable
from typing import Any

from gomap.audit.record import dumps_record

Record = dict[str, Any]


class Sink:
    """The base of every sink: ``write(batch)``; ``sync()`` makes everything written
    durable; ``poll(now)`` is called by the writer at least every ``flush_interval``;
    ``after_fork_child()`` drops what a forked child must not share."""

    durable: bool = False
    name: str = "sink"

    def __init__(self, name: str | None = None) -> None:
        if name is not None:
            self.name = name
        self.synced_seq = 0

    def write(self, batch: list[Record]) -> None:
        raise NotImplementedError

    def sync(self) -> None:
        """Make every record written so far durable (no-op for a non-durable sink)."""

    def poll(self, now: float) -> None:
        """Periodic work (e.g. an interval fsync)."""

    def close(self) -> None:
        """Release files and connections (after a final sync)."""

    def after_fork_child(self) -> None:
        """In a forked child: forget the parent's handles (reopened on next write)."""
        self.synced_seq = 0

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r})"


# --- JSONL ------------------------------------------------------------------------------
FSYNC_MODES = ("batch", "interval", "never")
_ROTATED = re.compile(r"\.(\d+)$")


def rotated_files(path: str) -> list[str]:
    """``path``'s rotated files, oldest first, then ``path`` itself if it exists."""
    d = os.path.dirname(os.path.abspath(path))
    base = os.path.basename(path)
    found: list[tuple[int, str]] = []
    try:
        names = os.listdir(d)
    except FileNotFoundError:
        names = []
    for n in names:
        if n.startswith(base + "."):
            m = _ROTATED.search(n)
            if m and n == f"{base}.{m.group(1)}":
                found.append((int(m.group(1)), os.path.join(d, n)))
    out = [p for _, p in sorted(found)]
    if os.path.exists(path):
        out.append(path)
    return out


class JsonlSink(Sink):
    """One JSON object per line, appended to ``path``.

    ``fsync``: ``"batch"`` (each batch is fsync'd before the writer moves on; durable),
    ``"interval"`` (fsync at most every ``interval`` seconds and at every flush;
    durable, ``durable_seq`` lags by up to ``interval``) or ``"never"`` (not durable).
    ``max_bytes``: rotate when the next batch would make the file larger: ``path`` is
    renamed ``path.N`` (N one above the highest so far; the reader reads them in N
    order, then ``path``); ``backup_count`` keeps only the newest that many (``None``:
    keep all, nothing is lost). A torn last line (a process killed mid-write) is
    detected by the reader (:func:`gomap.audit.query.read_jsonl`) and cut off when the
    sink next opens the file, before it appends.
    """

    def __init__(self, path: str | os.PathLike[str], *, fsync: str = "batch",
                 interval: float = 1.0, max_bytes: int | None = None,
                 backup_count: int | None = None, name: str | None = None) -> None:
        if fsync not in FSYNC_MODES:
            raise ValueError(f"fsync must be one of {', '.join(FSYNC_MODES)}, got {fsync!r}")
        if max_bytes is not None and max_bytes < 1:
            raise ValueError(f"max_bytes must be >= 1, got {max_bytes}")
        if backup_count is not None and backup_count < 0:
            raise ValueError(f"backup_count must be >= 0, got {backup_count}")
        self.path = os.fspath(path)
        super().__init__(name or f"jsonl:{os.path.basename(self.path)}")
        self.fsync = fsync
        self.durable = fsync != "never"
        self.interval = interval
        self.max_bytes = max_bytes
        self.backup_count = backup_count
        self._fd: int | None = None
        self._size = 0
        self._written_seq = 0
        self._last_sync = time.monotonic()
        self.torn_bytes_cut = 0

    def _open(self) -> int:
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        size = os.fstat(fd).st_size
        if size:
            # A torn last line (killed mid-write): cut it before appending after it.
            with open(self.path, "rb") as f:
                f.seek(max(0, size - 65536))
                tail = f.read()
            if not tail.endswith(b"\n"):
                nl = tail.rfind(b"\n")
                keep = size - len(tail) + nl + 1 if nl >= 0 else (
                    0 if size <= 65536 else self._last_newline(size))
                os.truncate(self.path, keep)
                self.torn_bytes_cut += size - keep
                size = keep
        self._fd = fd
        self._size = size
        return fd

    def _last_newline(self, size: int) -> int:
        with open(self.path, "rb") as f:
            data = f.read()
        return data.rfind(b"\n") + 1

    def write(self, batch: list[Record]) -> None:
        data = b"".join(dumps_record(r) for r in batch)
        fd = self._fd if self._fd is not None else self._open()
        if self.max_bytes is not None and self._size and self._size + len(data) > self.max_bytes:
            fd = self._rotate()
        view = memoryview(data)
        while view:
            n = os.write(fd, view)
            view = view[n:]
        self._size += len(data)
        self._written_seq = batch[-1]["seq"]
        if self.fsync == "batch":
            os.fsync(fd)
            self.synced_seq = self._written_seq

    def _rotate(self) -> int:
        assert self._fd is not None
        if self.fsync != "never":
            os.fsync(self._fd)
            self.synced_seq = self._written_seq
        os.close(self._fd)
        self._fd = None
        olds = rotated_files(self.path)[:-1]
        n = 1
        if olds:
            m = _ROTATED.search(olds[-1])
            assert m is not None
            n = int(m.group(1)) + 1
        os.rename(self.path, f"{self.path}.{n}")
        if self.backup_count is not None:
            keep = [*olds, f"{self.path}.{n}"]
            for old in keep[: max(0, len(keep) - self.backup_count)]:
                os.unlink(old)
        if self.fsync != "never":
            dfd = os.open(os.path.dirname(os.path.abspath(self.path)), os.O_RDONLY)
            try:
                os.fsync(dfd)
            finally:
                os.close(dfd)
        return self._open()

    def sync(self) -> None:
        if self._fd is not None and self.fsync != "never" and self.synced_seq < self._written_seq:
            os.fsync(self._fd)
            self.synced_seq = self._written_seq
            self._last_sync = time.monotonic()

    def poll(self, now: float) -> None:
        if self.fsync == "interval" and now - self._last_sync >= self.interval:
            self.sync()
            self._last_sync = now

    def close(self) -> None:
        if self._fd is not None:
            self.sync()
            os.close(self._fd)
            self._fd = None

    def after_fork_child(self) -> None:
        super().after_fork_child()
        self._fd = None  # the parent's descriptor stays the parent's; reopen on write
        self._written_seq = 0


# --- SQLite ------------------------------------------------------------------------------
SQLITE_SCHEMA = """
CREATE TABLE IF NOT EXISTS audit (
  pid INTEGER NOT NULL, seq INTEGER NOT NULL, ts INTEGER NOT NULL, map TEXT, op TEXT NOT NULL,
  key TEXT, found INTEGER NOT NULL, thread_id INTEGER, thread_name TEXT,
  caller TEXT, record TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_key ON audit(key, ts);
CREATE INDEX IF NOT EXISTS audit_map_ts ON audit(map, ts);
CREATE INDEX IF NOT EXISTS audit_op_ts ON audit(op, ts);
CREATE INDEX IF NOT EXISTS audit_ts ON audit(ts);
CREATE INDEX IF NOT EXISTS audit_pid_seq ON audit(pid, seq);
"""


def _caller_site(rec: Record) -> str | None:
    c = rec.get("caller") or []
    if not c:
        return None
    f = c[0]
    return f"{f.get('file')}:{f.get('line')} {f.get('function')}"


class SqliteSink(Sink):
    """A table ``audit`` in a SQLite database: WAL mode, ``synchronous=FULL``, one
    transaction per batch; indexed on ``key``, ``(map, ts)``, ``(op, ts)``, ``ts`` and
    ``(pid, seq)``; the whole record in ``record`` (JSON). Durable: a batch counts as
    durable when its transaction has committed."""

    durable = True

    def __init__(self, path: str | os.PathLike[str], *, name: str | None = None,
                 synchronous: str = "FULL") -> None:
        if synchronous.upper() not in ("FULL", "EXTRA", "NORMAL"):
            raise ValueError(f"synchronous must be FULL, EXTRA or NORMAL, got {synchronous!r}")
        self.path = os.fspath(path)
        super().__init__(name or f"sqlite:{os.path.basename(self.path)}")
        self.synchronous = synchronous.upper()
        self._conn: sqlite3.Connection | None = None
        self._orphans: list[sqlite3.Connection] = []

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None,
                               timeout=30.0)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute(f"PRAGMA synchronous={self.synchronous}")
        conn.executescript(SQLITE_SCHEMA)
        self._conn = conn
        return conn

    def write(self, batch: list[Record]) -> None:
        conn = self._conn or self._connect()
        rows = []
        for r in batch:
            t = r.get("thread") or {}
            key = r.get("key")
            rows.append((r.get("pid", 0), r["seq"], r.get("ts") or 0, r.get("map"), r["op"],
                         key if key is None or isinstance(key, str) else json.dumps(key),
                         1 if r.get("found") else 0, t.get("id"), t.get("name"),
                         _caller_site(r), dumps_record(r)[:-1].decode()))
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.executemany("INSERT INTO audit VALUES (?,?,?,?,?,?,?,?,?,?,?)", rows)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        self.synced_seq = batch[-1]["seq"]

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def after_fork_child(self) -> None:
        super().after_fork_child()
        if self._conn is not None:
            self._orphans.append(self._conn)  # never closed here: it is the parent's
            self._conn = None


# --- logging, Redis, a function ---------------------------------------------------------------
class LoggingSink(Sink):
    """Each record as one JSON message to ``logger`` at ``level`` (not durable)."""

    def __init__(self, logger: logging.Logger | str = "gomap.audit.records", *,
                 level: int = logging.INFO, name: str | None = None) -> None:
        self.logger = logging.getLogger(logger) if isinstance(logger, str) else logger
        super().__init__(name or f"logging:{self.logger.name}")
        self.level = level

    def write(self, batch: list[Record]) -> None:
        log = self.logger.log
        for r in batch:
            log(self.level, "%s", dumps_record(r)[:-1].decode())


class RedisStreamSink(Sink):
    """``XADD stream MAXLEN ~ maxlen * record <json> map <m> op <op> pid <pid> seq <seq>``
    per record, one pipeline per batch: a fleet of processes sending to one place.
    ``durable=True`` counts a batch durable once the server acknowledged it (true
    durability is the server's AOF setting)."""

    def __init__(self, url: str, stream: str = "gomap:audit", *, maxlen: int | None = None,
                 approximate: bool = True, durable: bool = False, name: str | None = None,
                 socket_timeout: float = 5.0) -> None:
        import redis

        super().__init__(name or f"redis:{stream}")
        if maxlen is not None and maxlen < 1:
            raise ValueError(f"maxlen must be >= 1, got {maxlen}")
        self.url = url
        self.stream = stream
        self.maxlen = maxlen
        self.approximate = approximate
        self.durable = durable
        self._socket_timeout = socket_timeout
        self._redis_mod = redis
        self._client: Any = None

    def _connect(self) -> Any:
        self._client = self._redis_mod.Redis.from_url(
            self.url, socket_timeout=self._socket_timeout,
            socket_connect_timeout=self._socket_timeout)
        return self._client

    def write(self, batch: list[Record]) -> None:
        client = self._client or self._connect()
        pipe = client.pipeline(transaction=False)
        for r in batch:
            fields = {"record": dumps_record(r)[:-1], "map": str(r.get("map")),
                      "op": r["op"], "pid": r.get("pid", 0), "seq": r["seq"]}
            pipe.xadd(self.stream, fields, maxlen=self.maxlen,
                      approximate=self.approximate)
        pipe.execute()
        self.synced_seq = batch[-1]["seq"]

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def after_fork_child(self) -> None:
        super().after_fork_child()
        self._client = None


class CallableSink(Sink):
    """``fn(batch)`` with a list of record dicts (the dicts are the sink's to keep).
    ``durable=True`` when ``fn`` returning means the batch is durable."""

    def __init__(self, fn: Callable[[list[Record]], Any], *, durable: bool = False,
                 name: str | None = None) -> None:
        if not callable(fn):
            raise TypeError(f"CallableSink needs a callable, not {type(fn).__name__}")
        super().__init__(name or f"callable:{getattr(fn, '__qualname__', repr(fn))}")
        self.fn = fn
        self.durable = durable

    def write(self, batch: list[Record]) -> None:
        self.fn(batch)
        self.synced_seq = batch[-1]["seq"]
