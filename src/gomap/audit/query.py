"""Reading audit records back: JSONL (rotated files included) or SQLite, filtered.

"Who deleted key K?" is :func:`load` then :func:`select` (or the CLI, ``gomap audit
show``). A JSONL file whose last line has no ``\\n`` was cut by a crash mid-write:
that torn line is skipped and reported (:class:`Torn`); any other line that is not a
record is an error naming the file and line (:class:`AuditFormatError`).
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import re
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from gomap.audit.sinks import rotated_files

Record = dict[str, Any]
SQLITE_MAGIC = b"SQLite format 3\x00"


class AuditFormatError(ValueError):
    """A line that is not an audit record: ``str()`` is ``file:line: message``."""

    def __init__(self, file: str, line: int, message: str) -> None:
        super().__init__(f"{file}:{line}: {message}" if line > 0 else f"{file}: {message}")
        self.file = file
        self.line = line
        self.message = message


@dataclass(frozen=True)
class Torn:
    """A torn last line: ``file``, its 1-based ``line`` and the ``bytes`` skipped."""

    file: str
    line: int
    bytes: int


@dataclass
class Loaded:
    """What :func:`load` read: the records (in file order), the files, torn lines."""

    records: list[Record]
    files: list[str]
    torn: list[Torn] = field(default_factory=list)
    kind: str = "jsonl"


def _check_record(obj: Any, file: str, line: int) -> Record:
    if not isinstance(obj, dict):
        raise AuditFormatError(file, line, f"not an audit record (a JSON {type(obj).__name__})")
    for f in ("seq", "op", "ts"):
        if f not in obj:
            raise AuditFormatError(file, line, f"not an audit record: no {f!r} field")
    if not isinstance(obj["seq"], int) or not isinstance(obj["ts"], int):
        raise AuditFormatError(file, line, "not an audit record: 'seq' and 'ts' must be ints")
    return obj


def read_jsonl_file(path: str) -> tuple[list[Record], Torn | None]:
    """One JSONL file's records and its torn last line, if any."""
    with open(path, "rb") as f:
        data = f.read()
    out: list[Record] = []
    torn: Torn | None = None
    lines = data.split(b"\n")
    last = len(lines) - 1  # after the final "\n" comes b"" (or a torn tail)
    for i, raw in enumerate(lines):
        if i == last:
            if raw:
                torn = Torn(path, i + 1, len(raw))
            break
        if not raw.strip():
            continue
        try:
            obj = json.loads(raw)
        except ValueError as exc:
            raise AuditFormatError(path, i + 1, f"not JSON ({exc.args[0] if exc.args else exc})"
                                   ) from None
        out.append(_check_record(obj, path, i + 1))
    return out, torn


def read_jsonl(path: str) -> Loaded:
    """``path``'s rotated files (oldest first) then ``path``."""
    files = rotated_files(path)
    if not files:
        raise FileNotFoundError(f"{path}: no such audit file")
    recs: list[Record] = []
    torn: list[Torn] = []
    for p in files:
        r, t = read_jsonl_file(p)
        recs.extend(r)
        if t is not None:
            torn.append(t)
    return Loaded(recs, files, torn, "jsonl")


def is_sqlite(path: str) -> bool:
    try:
        with open(path, "rb") as f:
            return f.read(16) == SQLITE_MAGIC
    except (FileNotFoundError, IsADirectoryError):
        return False


def read_sqlite(path: str, *, key: Iterable[str] = (), map: str | None = None,
                op: str | None = None, since: int | None = None) -> Loaded:
    """The records of a :class:`~gomap.audit.SqliteSink` database, filtered in SQL
    (on its indexes), in ``ts`` order."""
    from urllib.parse import quote

    conn = sqlite3.connect(f"file:{quote(os.path.abspath(path))}?mode=ro", uri=True)
    try:
        where: list[str] = []
        args: list[Any] = []
        keys = list(key)
        if keys:
            where.append(f"key IN ({','.join('?' * len(keys))})")
            args += keys
        if map is not None:
            where.append("map = ?")
            args.append(map)
        if op is not None:
            where.append("op = ?")
            args.append(op)
        if since is not None:
            where.append("ts >= ?")
            args.append(min(since, 2**63 - 1))  # SQLite's INTEGER is 64-bit
        sql = "SELECT rowid, record FROM audit"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY ts, pid, seq"
        try:
            rows = conn.execute(sql, args).fetchall()
        except sqlite3.DatabaseError as exc:
            raise AuditFormatError(path, 0, f"not a gomap audit database ({exc})") from None
    finally:
        conn.close()
    out = []
    for rowid, text in rows:
        try:
            out.append(_check_record(json.loads(text), path, int(rowid)))
        except ValueError as exc:
            if isinstance(exc, AuditFormatError):
                raise
            raise AuditFormatError(path, int(rowid), "row's record is not JSON") from None
    return Loaded(out, [path], [], "sqlite")


def key_forms(key: str) -> list[str]:
    """The stored forms ``--key K`` matches: ``K`` itself (a repr such as ``42`` or a
    digest) and ``repr(K)`` (``'alice'`` for ``alice``)."""
    forms = [key, repr(key)]
    return list(dict.fromkeys(forms))


_REL = re.compile(r"^(\d+(?:\.\d+)?)\s*(s|m|h|d)$")


def parse_since(text: str, now_ns: int | None = None) -> int:
    """``--since``: an ISO 8601 time (``2026-12-07T10:00``, UTC unless it says), epoch
    seconds (``1765100000``), or a duration back from now (``90s``, ``10m``, ``2h``,
    ``1d``). Returns nanoseconds since the epoch.

    >>> parse_since("1970-01-01T00:00:01Z")
    1000000000
    >>> parse_since("2m", now_ns=10**12)
    880000000000
    """
    t = text.strip()
    m = _REL.match(t)
    if m:
        now = now_ns if now_ns is not None else _dt.datetime.now(_dt.timezone.utc).timestamp() * 1e9
        mult = {"s": 1, "m": 60, "h": 3600, "d": 86400}[m.group(2)]
        return int(now - float(m.group(1)) * mult * 1e9)
    try:
        return int(float(t) * 1e9)
    except ValueError:
        pass
    try:
        d = _dt.datetime.fromisoformat(t.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"--since {text!r}: not a time; use ISO 8601 "
                         "(2026-12-07T10:00[Z]), epoch seconds, or 90s / 10m / 2h / 1d"
                         ) from None
    if d.tzinfo is None:
        d = d.replace(tzinfo=_dt.timezone.utc)
    return int(d.timestamp() * 1e9)


def select(records: Iterable[Record], *, key: str | None = None, map: str | None = None,
           op: str | None = None, since: int | None = None) -> list[Record]:
    """The records matching every given filter."""
    forms = set(key_forms(key)) if key is not None else None
    out = []
    for r in records:
        if forms is not None and r.get("key") not in forms:
            continue
        if map is not None and r.get("map") != map:
            continue
        if op is not None and r.get("op") != op:
            continue
        if since is not None and r.get("ts", 0) < since:
            continue
        out.append(r)
    return out


def load(path: str | os.PathLike[str], *, key: str | None = None, map: str | None = None,
         op: str | None = None, since: int | None = None) -> Loaded:
    """Read a JSONL audit file (with its rotated files) or a SQLite audit database and
    keep the records that match."""
    p = os.fspath(path)
    if is_sqlite(p):
        return read_sqlite(p, key=key_forms(key) if key is not None else (), map=map, op=op,
                           since=since)
    got = read_jsonl(p)
    got.records = select(got.records, key=key, map=map, op=op, since=since)
    return got


def caller_site(rec: Record) -> str:
    """``file:line function`` of the innermost user frame, or ``-``."""
    c = rec.get("caller") or []
    if not c:
        return "-"
    f = c[0]
    return f"{os.path.basename(str(f.get('file')))}:{f.get('line')} {f.get('function')}"


def thread_label(rec: Record) -> str:
    t = rec.get("thread") or {}
    return f"{t.get('name')}({t.get('id')})@{rec.get('pid')}"


def stats(records: list[Record], *, bucket_s: float | None = None) -> dict[str, Any]:
    """Counts per map, op, caller site and thread, and deletes per second over time
    (``rate``: ``[t0_seconds, deletes_per_second]`` per bucket of ``bucket_s``,
    chosen for about 60 buckets when not given)."""
    from collections import Counter

    from gomap.audit.record import DELETE_OPS

    dels = [r for r in records if r.get("op") in DELETE_OPS]
    out: dict[str, Any] = {
        "records": len(records), "deletes": len(dels),
        "found": sum(1 for r in dels if r.get("found")),
        "by_map": dict(Counter(str(r.get("map")) for r in dels).most_common()),
        "by_op": dict(Counter(str(r.get("op")) for r in records).most_common()),
        "by_caller": dict(Counter(caller_site(r) for r in dels).most_common()),
        "by_thread": dict(Counter(thread_label(r) for r in dels).most_common()),
    }
    rate: list[list[float]] = []
    if dels:
        t0 = min(r["ts"] for r in dels)
        t1 = max(r["ts"] for r in dels)
        span = max((t1 - t0) / 1e9, 1e-9)
        b = bucket_s if bucket_s is not None else max(span / 60, 0.001)
        counts = Counter(int((r["ts"] - t0) / 1e9 // b) for r in dels)
        n = int(span // b) + 1
        rate = [[round(t0 / 1e9 + i * b, 6), counts.get(i, 0) / b] for i in range(n)]
        out["bucket_s"] = b
    out["rate"] = rate
    return out
