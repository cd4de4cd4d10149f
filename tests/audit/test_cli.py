"""``gomap audit show`` / ``gomap audit stats`` over JSONL (rotated) and SQLite."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import pytest

from gomap.audit import Auditor, JsonlSink, SqliteSink, audited
from gomap.audit.query import parse_since
from gomap.cli import main


def _evict(m: Any, k: Any) -> None:
    del m[k]


@pytest.fixture(scope="module")
def logs(tmp_path_factory: Any) -> tuple[str, str]:
    d = tmp_path_factory.mktemp("auditcli")
    jsonl, db = str(d / "a.jsonl"), str(d / "a.db")
    with Auditor([JsonlSink(jsonl, max_bytes=3000), SqliteSink(db)], batch=5,
                 flush_interval=0.005, frames=1) as a:
        users = audited({f"u{i}": i for i in range(30)}, a, name="users")
        sessions = audited({"alice": 1, "bob": 2}, a, name="sessions")
        for i in range(30):
            _evict(users, f"u{i}")
            if i % 5 == 4:
                a.flush()
        sessions.pop("alice")
        sessions.pop("carol", None)

        def worker() -> None:
            sessions.clear()

        t = threading.Thread(target=worker, name="janitor")
        t.start()
        t.join()
    return jsonl, db


def run(capsys: Any, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("which", [0, 1], ids=["jsonl", "sqlite"])
def test_show_who_deleted_key(capsys: Any, logs: tuple[str, str], which: int) -> None:
    code, out, _ = run(capsys, "audit", "show", logs[which], "--key", "alice",
                       "--format", "json")
    assert code == 0
    recs = [json.loads(x) for x in out.splitlines()]
    assert [(r["map"], r["op"], r["key"], r["found"]) for r in recs] == [
        ("sessions", "pop", "'alice'", True)]
    assert recs[0]["caller"][0]["function"] == "logs"


def test_show_table_has_the_columns(capsys: Any, logs: tuple[str, str]) -> None:
    code, out, _ = run(capsys, "audit", "show", logs[0], "--map", "users", "--key", "u7")
    assert code == 0
    for col in ("time", "map", "op", "key", "found", "thread", "caller"):
        assert col in out
    assert "'u7'" in out and "_evict" in out and "MainThread" in out


def test_show_filters_and_rotated_files(capsys: Any, logs: tuple[str, str]) -> None:
    from gomap.audit.sinks import rotated_files

    assert len(rotated_files(logs[0])) > 1  # the fixture rotated
    for path in logs:
        code, out, _ = run(capsys, "audit", "show", path, "--map", "users", "--format", "json")
        seqs = [json.loads(x)["seq"] for x in out.splitlines()]
        assert code == 0 and seqs == list(range(1, 31))
        code, out, _ = run(capsys, "audit", "show", path, "--op", "clear", "--format", "json")
        (rec,) = [json.loads(x) for x in out.splitlines()]
        assert rec["count"] == 1 and rec["thread"]["name"] == "janitor"
        code, out, _ = run(capsys, "audit", "show", path, "--since", "1h", "--format", "json")
        assert len(out.splitlines()) == 33
        code, out, _ = run(capsys, "audit", "show", path, "--since", "2999-01-01",
                           "--format", "json")
        assert out == ""


def test_stats_counts_and_plot(capsys: Any, logs: tuple[str, str], tmp_path: Any) -> None:
    png = tmp_path / "rate.png"
    code, out, _ = run(capsys, "audit", "stats", logs[1], "--json", "--plot", str(png))
    assert code == 0
    st = json.loads(out)
    assert st["deletes"] == 33 and st["found"] == 32
    assert st["by_map"] == {"users": 30, "sessions": 3}
    assert st["by_op"] == {"delitem": 30, "pop": 2, "clear": 1}
    assert sum(st["by_thread"].values()) == 33
    assert any("_evict" in k for k in st["by_caller"])
    assert sum(r[1] * st["bucket_s"] for r in st["rate"]) == pytest.approx(33)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    code, out, _ = run(capsys, "audit", "stats", logs[0])
    assert code == 0 and "per caller site" in out and "deletes/s" in out


def test_bad_input_exits_2_with_the_line(capsys: Any, tmp_path: Any) -> None:
    p = tmp_path / "bad.jsonl"
    p.write_text('{"v":1,"seq":1,"ts":1,"op":"delete"}\n{oops\n')
    code, _, err = run(capsys, "audit", "show", str(p))
    assert code == 2 and err.startswith(f"{p}:2: not JSON") and "Traceback" not in err
    import sqlite3

    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE t (x)")
    code, _, err = run(capsys, "audit", "show", str(other))
    assert code == 2 and err.startswith(f"{other}: not a gomap audit database")
    code, _, err = run(capsys, "audit", "show", str(tmp_path / "none.jsonl"))
    assert code == 2 and "no such audit file" in err
    good = tmp_path / "good.jsonl"
    good.write_text('{"v":1,"seq":1,"ts":1,"op":"delete","key":"1"}\n')
    code, _, err = run(capsys, "audit", "show", str(good), "--since", "yesterday-ish")
    assert code == 2 and "--since 'yesterday-ish': not a time" in err


def test_torn_line_is_noted_on_stderr(capsys: Any, tmp_path: Any) -> None:
    p = tmp_path / "torn.jsonl"
    p.write_text('{"v":1,"seq":1,"ts":1,"op":"delete","key":"1"}\n{"v":1,"se')
    code, out, err = run(capsys, "audit", "show", str(p), "--format", "json")
    assert code == 0 and len(out.splitlines()) == 1
    assert f"{p}:2: torn last line skipped (10 bytes" in err


def test_parse_since_forms() -> None:
    now = 2_000_000_000 * 10**9
    assert parse_since("10m", now_ns=now) == now - 600 * 10**9
    assert parse_since("1.5h", now_ns=now) == now - 5400 * 10**9
    assert parse_since("1765100000") == 1765100000 * 10**9
    assert parse_since("2026-12-07T00:00:00+01:00") == parse_since("2026-12-06T23:00Z")
    assert abs(parse_since("0s") - time.time_ns()) < 60 * 10**9
