"""gomap.audit sinks: JSONL (fsync modes, rotation, torn lines), SQLite, logging, Redis
Streams (a real redis-server), callables, sys.audit; breakers, fallback, raising /
hanging / slow sinks."""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import sys
import threading
import time
from typing import Any

import pytest

from gomap.audit import (
    Auditor,
    CallableSink,
    JsonlSink,
    LoggingSink,
    RedisStreamSink,
    SqliteSink,
    audited,
)
from gomap.audit.query import AuditFormatError, load, read_jsonl
from gomap.audit.sinks import rotated_files
from tests.support.audit import ListSink
from tests.support.redis_server import redis_server  # noqa: F401 (the fixture)


def _emit_n(a: Auditor, n: int, start: int = 0, name: str = "m") -> None:
    for i in range(start, start + n):
        a.emit("delete", i, map=name, found=True)


# --- JSONL ---------------------------------------------------------------------------------
@pytest.mark.parametrize("mode", ["batch", "interval", "never"])
def test_jsonl_fsync_modes(tmp_path: Any, mode: str, monkeypatch: Any) -> None:
    synced: list[int] = []
    real = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (synced.append(fd), real(fd))[1])
    p = tmp_path / "a.jsonl"
    sink = JsonlSink(p, fsync=mode, interval=0.05)
    a = Auditor([sink], batch=10, flush_interval=0.01, frames=0)
    _emit_n(a, 30)
    deadline = time.monotonic() + 5
    while a.stats().written < 30 and time.monotonic() < deadline:
        time.sleep(0.01)
    if mode == "interval":
        while a.stats().durable_seq < 30 and time.monotonic() < deadline:
            time.sleep(0.01)  # the writer's poll fsyncs within the interval
    s = a.stats()
    assert s.written == 30
    if mode == "never":
        assert not synced and not sink.durable
        assert s.durable_seq == 30  # no durable sink holds the watermark back
    elif mode == "batch":
        assert len(synced) >= 3 and s.durable_seq == 30
    else:
        assert len(synced) >= 1 and s.durable_seq == 30
    assert a.flush() == 30
    a.close()
    assert [r["seq"] for r in read_jsonl(str(p)).records] == list(range(1, 31))


def test_jsonl_interval_durable_seq_lags_until_sync(tmp_path: Any) -> None:
    sink = JsonlSink(tmp_path / "a.jsonl", fsync="interval", interval=3600)
    a = Auditor([sink], batch=5, flush_interval=0.01)
    _emit_n(a, 10)
    deadline = time.monotonic() + 5
    while a.stats().written < 10 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert a.stats().durable_seq < 10  # written, not yet fsync'd
    assert a.flush() == 10  # flush syncs
    a.close()


def test_jsonl_rotation_reads_back_in_order(tmp_path: Any) -> None:
    p = tmp_path / "rot.jsonl"
    a = Auditor([JsonlSink(p, max_bytes=1500)], batch=3, flush_interval=0.005, frames=0)
    for i in range(60):
        a.emit("delete", i, map="m", found=True)
        if i % 3 == 2:
            a.flush()
    a.close()
    files = rotated_files(str(p))
    assert len(files) > 3 and files[-1] == str(p)
    assert all(os.path.getsize(f) <= 1500 for f in files)
    got = read_jsonl(str(p))
    assert [r["seq"] for r in got.records] == list(range(1, 61)) and not got.torn


def test_jsonl_rotation_backup_count_keeps_the_newest(tmp_path: Any) -> None:
    p = tmp_path / "rot.jsonl"
    a = Auditor([JsonlSink(p, max_bytes=800, backup_count=2)], batch=2, frames=0)
    for i in range(40):
        a.emit("delete", i, map="m", found=True)
        if i % 2:
            a.flush()
    a.close()
    files = rotated_files(str(p))
    assert len(files) == 3
    seqs = [r["seq"] for r in read_jsonl(str(p)).records]
    assert seqs == list(range(seqs[0], 41)) and seqs[0] > 1


def test_torn_last_line_is_reported_then_cut_on_reopen(tmp_path: Any) -> None:
    p = tmp_path / "t.jsonl"
    with Auditor([JsonlSink(p)]) as a:
        _emit_n(a, 5)
    with open(p, "ab") as f:
        f.write(b'{"v":1,"seq":6,"ts":1')  # killed mid-write
    got = read_jsonl(str(p))
    assert [r["seq"] for r in got.records] == [1, 2, 3, 4, 5]
    assert len(got.torn) == 1 and got.torn[0].line == 6 and got.torn[0].bytes == 21
    sink = JsonlSink(p)
    with Auditor([sink]) as a:
        _emit_n(a, 2)
    assert sink.torn_bytes_cut == 21
    got = read_jsonl(str(p))
    assert len(got.records) == 7 and not got.torn


def test_a_bad_line_in_the_middle_is_an_error_with_its_line(tmp_path: Any) -> None:
    p = tmp_path / "bad.jsonl"
    p.write_text('{"v":1,"seq":1,"ts":1,"op":"delete"}\nnot json\n{"seq":2}\n')
    with pytest.raises(AuditFormatError, match=r"bad\.jsonl:2: not JSON"):
        read_jsonl(str(p))
    p.write_text('{"v":1,"seq":1,"ts":1,"op":"delete"}\n[1,2]\n')
    with pytest.raises(AuditFormatError, match=r":2: not an audit record"):
        read_jsonl(str(p))


# --- SQLite ---------------------------------------------------------------------------------
def test_sqlite_sink_wal_transactions_and_indexes(tmp_path: Any) -> None:
    db = tmp_path / "a.db"
    sink = SqliteSink(db)
    with Auditor([sink], batch=7, frames=1) as a:
        m = audited({f"k{i}": i for i in range(20)}, a, name="users")
        for i in range(20):
            m.pop(f"k{i}")
        assert a.flush() == 20
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    idx = {r[1] for r in conn.execute("PRAGMA index_list(audit)")}
    assert {"audit_key", "audit_map_ts", "audit_op_ts", "audit_ts", "audit_pid_seq"} <= idx
    plan = " ".join(str(r) for r in conn.execute(
        "EXPLAIN QUERY PLAN SELECT * FROM audit WHERE key = ?", ("'k3'",)))
    assert "audit_key" in plan
    rows = conn.execute("SELECT seq, key, map, op, found FROM audit ORDER BY seq").fetchall()
    assert rows[3] == (4, "'k3'", "users", "pop", 1) and len(rows) == 20
    got = load(str(db), key="k3")
    assert [r["seq"] for r in got.records] == [4] and got.kind == "sqlite"


def test_sqlite_one_transaction_per_batch(tmp_path: Any, monkeypatch: Any) -> None:
    sink = SqliteSink(tmp_path / "b.db")
    begins: list[int] = []
    real_write = sink.write

    def counting(batch: list[dict[str, Any]]) -> None:
        begins.append(len(batch))
        real_write(batch)

    monkeypatch.setattr(sink, "write", counting)
    a = Auditor([sink], batch=10, flush_interval=5)
    _emit_n(a, 35)
    a.close()
    conn = sqlite3.connect(tmp_path / "b.db")
    assert conn.execute("SELECT count(*) FROM audit").fetchone()[0] == 35
    assert sum(begins) == 35 and max(begins) <= 10


# --- logging, callable, sys.audit --------------------------------------------------------------
def test_logging_sink(caplog: Any) -> None:
    with caplog.at_level(logging.INFO, logger="gomap.audit.records"), Auditor(
            [LoggingSink()], frames=0) as a:
        audited({"x": 1}, a, name="cfg").pop("x")
    msgs = [json.loads(r.getMessage()) for r in caplog.records
            if r.name == "gomap.audit.records"]
    assert [(m["map"], m["op"], m["key"]) for m in msgs] == [("cfg", "pop", "'x'")]


def test_callable_sink_gets_lists_of_dicts() -> None:
    batches: list[list[dict[str, Any]]] = []
    with Auditor([CallableSink(batches.append)], batch=4, flush_interval=5) as a:
        _emit_n(a, 10)
    assert sum(len(b) for b in batches) == 10 and all(len(b) <= 4 for b in batches)
    assert all(isinstance(r, dict) for b in batches for r in b)


_AUDIT_EVENTS: list[tuple[Any, ...]] = []
_AUDIT_ON = threading.Event()


def _hook(event: str, args: tuple[Any, ...]) -> None:
    if event == "gomap.delete" and _AUDIT_ON.is_set():
        _AUDIT_EVENTS.append(args)


def test_sys_audit_events() -> None:
    sys.addaudithook(_hook)
    _AUDIT_ON.set()
    try:
        with Auditor([], sys_audit=True, frames=0) as a:
            m = audited({"a": 1}, a, name="m")
            del m["a"]
            m.pop("b", None)
        with Auditor([], frames=0) as quiet:
            audited({"c": 1}, quiet).pop("c")
    finally:
        _AUDIT_ON.clear()
    assert _AUDIT_EVENTS == [("m", "delitem", "'a'", True, 1), ("m", "pop", "'b'", False, 2)]


# --- Redis Streams (a real server) ----------------------------------------------------------------
def test_redis_stream_sink(redis_server: Any) -> None:  # noqa: F811
    import redis

    sink = RedisStreamSink(redis_server.url, "gomap:test", maxlen=1000, durable=True)
    with Auditor([sink], batch=16) as a:
        m = audited({i: i for i in range(50)}, a, name="fleet")
        for i in range(50):
            del m[i]
        assert a.flush() == 50
    r = redis.Redis.from_url(redis_server.url)
    entries = r.xrange("gomap:test")
    recs = [json.loads(f[b"record"]) for _, f in entries]
    assert [x["seq"] for x in recs] == list(range(1, 51))
    assert entries[0][1][b"map"] == b"fleet" and entries[0][1][b"op"] == b"delitem"


def test_redis_maxlen_trims(redis_server: Any) -> None:  # noqa: F811
    import redis

    sink = RedisStreamSink(redis_server.url, "gomap:trim", maxlen=10, approximate=False)
    with Auditor([sink], batch=50) as a:
        _emit_n(a, 100)
    r = redis.Redis.from_url(redis_server.url)
    assert r.xlen("gomap:trim") == 10


def test_redis_down_counts_failed_and_breaks(redis_server: Any) -> None:  # noqa: F811
    sink = RedisStreamSink("redis://127.0.0.1:1/0", "x", socket_timeout=0.2)
    a = Auditor([sink], batch=5, breaker_fail_max=2, breaker_reset=60, flush_interval=0.01)
    _emit_n(a, 20)
    a.close()
    s = a.stats()
    s.check()
    assert s.failed == s.emitted and s.sinks[0].failed == s.emitted
    assert s.sinks[0].breaker == "open"


# --- isolation: raising, hanging, slow; breaker; fallback ----------------------------------
def test_raising_sink_never_reaches_the_delete_and_goes_to_fallback(tmp_path: Any) -> None:
    bad = ListSink(fail=True, name="bad")
    good = ListSink(name="good")
    fb = JsonlSink(tmp_path / "fallback.jsonl")
    a = Auditor([bad, good], fallback=fb, batch=5, flush_interval=0.01,
                breaker_fail_max=1000)
    m = audited({i: i for i in range(30)}, a)
    for i in range(30):
        del m[i]
    a.close()
    s = a.stats()
    s.check()
    assert len(m) == 0
    bad_s, good_s = s.sinks
    assert bad_s.failed == 30 == bad_s.fallback and good_s.written == 30
    assert s.written == 30 and s.failed == 0  # every record reached good + fallback
    assert [r["seq"] for r in read_jsonl(str(tmp_path / "fallback.jsonl")).records] == list(
        range(1, 31))


def test_failed_without_fallback_is_counted() -> None:
    a = Auditor([ListSink(fail=True)], batch=5, flush_interval=0.01, breaker_fail_max=1000)
    _emit_n(a, 12)
    a.close()
    s = a.stats()
    assert (s.emitted, s.failed, s.written, s.sinks[0].failed) == (12, 12, 0, 12)


def test_breaker_opens_half_opens_and_closes_with_records() -> None:
    sink = ListSink(fail=True, name="flaky")
    witness = ListSink(name="witness")
    a = Auditor([sink, witness], batch=1, flush_interval=0.005, breaker_fail_max=2,
                breaker_reset=0.2)
    _emit_n(a, 4)
    a.flush()
    calls_while_open = sink.calls
    _emit_n(a, 3, start=4)
    a.flush()
    assert sink.calls == calls_while_open  # open: not called at all
    time.sleep(0.25)
    sink.fail = False
    _emit_n(a, 1, start=7)
    a.flush()
    a.close()
    br = [(r["sink"], r["from"], r["to"]) for r in witness.records if r["op"] == "breaker"]
    assert br == [("flaky", "closed", "open"), ("flaky", "open", "half-open"),
                  ("flaky", "half-open", "closed")]
    assert all(r["source"] == "gomap" for r in witness.records if r["op"] == "breaker")
    s = a.stats()
    s.check()
    assert s.sinks[0].breaker == "closed" and s.sinks[0].failed >= 4


def test_hanging_sink_blocks_no_delete_under_a_drop_policy() -> None:
    gate = threading.Event()
    hang = ListSink(gate=gate, name="hang")
    a = Auditor([hang], capacity=50, overflow="drop_newest", batch=10, flush_interval=0.005)
    m = audited({i: i for i in range(2000)}, a)
    t0 = time.monotonic()
    for i in range(2000):
        del m[i]
    took = time.monotonic() - t0
    assert len(m) == 0
    assert a.flush(timeout=0.1) < 2000  # the writer is stuck in the sink
    s = a.stats()
    s.check()
    assert s.dropped_newest >= 2000 - 50 - 10
    gate.set()
    a.close()
    s = a.stats()
    s.check()
    assert s.written + s.dropped_newest == 2000 and s.pending == 0
    assert took < 30  # sanity only: no delete waited for the sink


def test_hanging_sink_under_block_waits_and_flush_times_out() -> None:
    gate = threading.Event()
    a = Auditor([ListSink(gate=gate)], capacity=5, overflow="block", batch=5,
                flush_interval=0.005)
    done = threading.Event()

    def deleter() -> None:
        _emit_n(a, 30)
        done.set()

    t = threading.Thread(target=deleter)
    t.start()
    time.sleep(0.2)
    assert not done.is_set()  # blocked, as the policy says
    assert a.flush(timeout=0.05) == 0
    s = a.stats()
    s.check()
    assert s.pending <= 10
    gate.set()
    t.join(10)
    assert done.is_set()
    a.close()
    assert a.stats().written == 30


def test_slow_sink_batches_grow_under_load() -> None:
    slow = ListSink(delay=0.02)
    a = Auditor([slow], capacity=10_000, batch=200, flush_interval=0.001)
    _emit_n(a, 2000)
    a.close()
    assert slow.calls < 200 and len(slow.records) == 2000
