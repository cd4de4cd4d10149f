"""Trace exports, streamed to disk: JSONL (schema ``gomap.trace/1``, docs/TRACE.md)
and Chrome Trace Event JSON (Perfetto, ``chrome://tracing``).

Both writers take :class:`~gomap.trace.tracer.OpRecord` objects one at a time and
write them at once, so a million-op trace needs no more memory than one op.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from typing import IO, Any

from gomap.trace.narration import GO_VERSION
from gomap.trace.tracer import COUNTERS, OpRecord

SCHEMA = "gomap.trace/1"
"""The JSONL schema's name and version (bumped on any incompatible change)."""

OP_US = 10
"""Each op is a 10 µs slice on the Chrome trace's timeline (op ``i`` at ``i*10``)."""

_json = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode

try:
    import orjson

    def _dumps(obj: Any) -> bytes:
        try:
            return orjson.dumps(obj)
        except (TypeError, orjson.JSONEncodeError):  # e.g. an int beyond 64 bits
            return _json(_clean(obj)).encode()
except ImportError:  # pragma: no cover - orjson is a dependency; the stdlib does the same
    def _dumps(obj: Any) -> bytes:
        return _json(_clean(obj)).encode()

NL = b"\n"
_KEYED = frozenset(("set", "get", "del"))


def key_json(k: Any) -> Any:
    """A key as JSON: ints, strings and bools as they are; floats as numbers, or
    ``"NaN"`` / ``"+Inf"`` / ``"-Inf"``; anything else as its ``repr``."""
    if k is None or isinstance(k, (bool, int, str)):
        return k
    if isinstance(k, float):
        if math.isnan(k):
            return "NaN"
        if math.isinf(k):
            return "+Inf" if k > 0 else "-Inf"
        return k
    return repr(k)


def _clean(v: Any) -> Any:
    if isinstance(v, float) and not math.isfinite(v):
        return key_json(v)
    if isinstance(v, dict):
        return {k: _clean(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_clean(x) for x in v]
    if v is None or isinstance(v, (bool, int, float, str)):
        return v
    return repr(v)


def header(impl: str, key_type: str, value_type: str, workload: str, hint: int
           ) -> dict[str, Any]:
    """The first record of a JSONL trace."""
    return {"type": "header", "schema": SCHEMA, "impl": impl, "go": GO_VERSION[impl],
            "key": key_type, "value": value_type, "workload": workload, "hint": hint,
            "counters": list(COUNTERS[impl])}


class JsonlWriter:
    """``gomap.trace/1``: a header, then per op one ``op`` record followed by one
    ``event`` record per internal event, then an ``end`` record with the final
    counters."""

    def __init__(self, out: IO[bytes], head: dict[str, Any]) -> None:
        self.out = out
        self.ops = 0
        self.events = 0
        self._buf: list[bytes] = []
        out.write(_dumps(head) + NL)

    def write(self, rec: OpRecord) -> None:
        """Write one op and its events."""
        i, name, key, events = rec.i, rec.op, rec.key, rec.events
        op: dict[str, Any] = {"type": "op", "i": i, "op": name}
        if name in _KEYED:
            op["key"] = key if type(key) is int else key_json(key)
        elif name == "make":
            op["hint"] = key
        op["events"] = len(events)
        op["delta"] = rec.delta
        if rec.touched is not None:
            op["touched"] = rec.touched
        if rec.runtime is not None:
            op["runtime"] = rec.runtime
        line = _dumps(op) + NL
        if events:
            parts = [line]
            for j, ev in enumerate(events):
                n = ev.narration
                parts.append(_dumps({"type": "event", "i": i, "seq": j, "event": ev.event,
                                     "details": ev.details, "title": n.get("title"),
                                     "detail": n.get("detail"), "rule": n.get("rule"),
                                     "go": n.get("go")}) + NL)
            line = b"".join(parts)
            self.events += len(events)
        self.ops += 1
        buf = self._buf
        buf.append(line)
        if len(buf) >= 512:
            self.out.write(b"".join(buf))
            buf.clear()

    def close(self, counters: dict[str, Any]) -> None:
        """Write the ``end`` record."""
        self.out.write(b"".join(self._buf))
        self._buf.clear()
        self.out.write(_dumps({"type": "end", "ops": self.ops - 1, "events": self.events,
                               "counters": counters}) + NL)


class ChromeWriter:
    """Chrome Trace Event JSON: one process per engine; ops as complete slices
    (``ph: X``) on thread "ops", each internal event a thread-scoped instant event
    (``ph: i``, ``s: t``) inside its op's slice with the details and narration as
    ``args``; one counter track (``ph: C``) per counter, written when it changes."""

    def __init__(self, out: IO[bytes], head: dict[str, Any], pid: int = 1) -> None:
        self.out = out
        self.pid = pid
        self.first = True
        self.impl = head["impl"]
        out.write(b'{"traceEvents":[\n')
        name = f"gomap {head['impl']} ({head['go']}) map[{head['key']}]{head['value']}"
        self._ev({"name": "process_name", "ph": "M", "pid": pid, "tid": 0,
                  "args": {"name": name}})
        self._ev({"name": "thread_name", "ph": "M", "pid": pid, "tid": 1,
                  "args": {"name": "ops"}})
        self.head = head

    def _ev(self, e: dict[str, Any]) -> None:
        if self.first:
            self.first = False
            self.out.write(_dumps(e))
        else:
            self.out.write(b",\n" + _dumps(e))

    def write(self, rec: OpRecord) -> None:
        """Write one op's slice, its events and the counters it changed."""
        ts = rec.i * OP_US
        pid = self.pid
        args: dict[str, Any] = {"i": rec.i}
        if rec.op in ("set", "get", "del"):
            args["key"] = key_json(rec.key)
        if rec.touched is not None:
            args["touched"] = rec.touched
        delta = rec.delta
        if delta:
            args["delta"] = delta
        if rec.runtime is not None:
            args["runtime"] = rec.runtime
        parts = [_dumps({"name": rec.op, "cat": "op", "ph": "X", "ts": ts, "dur": OP_US,
                         "pid": pid, "tid": 1, "args": args})]
        n = len(rec.events)
        for j, ev in enumerate(rec.events):
            nar = ev.narration
            a = dict(ev.details)
            a["title"] = nar.get("title")
            a["detail"] = nar.get("detail")
            if nar.get("rule"):
                a["rule"] = nar["rule"]
            go = nar.get("go")
            if go:
                a["go"] = f"{go['func']} ({go['file']}, {go['version']})"
            parts.append(_dumps({"name": ev.event, "cat": "event", "ph": "i", "s": "t",
                                 "ts": round(ts + (j + 1) * OP_US / (n + 1), 3), "pid": pid,
                                 "tid": 1, "args": a}))
        counters = rec.counters
        for k in delta:  # the counters this op changed (all of them at make)
            parts.append(_dumps({"name": k, "ph": "C", "ts": ts + OP_US, "pid": pid,
                                 "args": {k: int(counters[k])}}))
        if self.first:
            self.first = False
            self.out.write(b",\n".join(parts))
        else:
            self.out.write(b",\n" + b",\n".join(parts))

    def close(self, counters: dict[str, Any], other: dict[str, Any] | None = None) -> None:
        """Close the array and the object."""
        data = {"schema": SCHEMA, **{k: self.head[k] for k in ("impl", "go", "key", "value",
                                                               "workload")},
                "final_counters": counters, **(other or {})}
        self.out.write(b'\n],"displayTimeUnit":"ns","otherData":' + _dumps(data) + b"}\n")


def write_trace(records: Iterable[OpRecord], out: IO[bytes], fmt: str,
                head: dict[str, Any]) -> dict[str, Any]:
    """Stream ``records`` to ``out`` as ``fmt`` (``jsonl`` or ``chrome``); returns
    ``{"ops", "events", "counters"}`` (the final counters)."""
    w: JsonlWriter | ChromeWriter
    w = JsonlWriter(out, head) if fmt == "jsonl" else ChromeWriter(out, head)
    ops = events = 0
    counters: dict[str, Any] = {}
    for rec in records:
        w.write(rec)
        ops = rec.i
        events += len(rec.events)
        counters = rec.counters
    final = {k: (int(v) if isinstance(v, bool) else v) for k, v in counters.items()}
    if isinstance(w, JsonlWriter):
        w.close(final)
    else:
        w.close(final, {"ops": ops, "events": events})
    return {"ops": ops, "events": events, "counters": final}
