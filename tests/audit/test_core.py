"""gomap.audit core: Auditor.emit (the shared contract), the record, redaction, caller
frames, every delete path of every map type, on_delete, overflow accounting, threads,
JsonlSink, fork."""

from __future__ import annotations

import json
import math
import os
import threading
import time
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gomap import GoMap
from gomap.audit import (
    NO_KEY,
    Auditor,
    JsonlSink,
    audited,
    drop_key,
    redact_repr,
    salted_hash,
)
from gomap.audit.record import CORE_FIELDS
from gomap.companions import SyncMap
from tests.support.audit import MAPS, ListSink


def deletes(records: list[dict[str, Any]]) -> list[tuple[str, Any, bool]]:
    return [(r["op"], r["key"], r["found"]) for r in records if r["source"] == "python"]


# --- the emit contract ------------------------------------------------------------------
def test_emit_fills_the_contract_fields() -> None:
    sink = ListSink()
    with Auditor([sink], frames=1) as a:
        s1 = a.emit("delete", "k", map="m", found=True)
        s2 = a.emit("delete", 7, map="m", found=False, goroutine=12, runtime={"b": 1})
        s3 = a.emit("delete", "x", map="ebpf", found=True, source="ebpf",
                    caller=[{"file": "main.go", "line": 3, "function": "main.f"}],
                    thread={"id": 1, "name": "g1"}, pid=99, ts=5, mono=6)
    assert (s1, s2, s3) == (1, 2, 3)
    r1, r2, r3 = sink.records
    for r in (r1, r2, r3):
        assert list(r)[: len(CORE_FIELDS)] == list(CORE_FIELDS)
        assert r["v"] == 1
    assert r1["key"] == "'k'" and r1["found"] is True and r1["map"] == "m"
    assert r1["pid"] == os.getpid()
    assert r1["thread"] == {"id": threading.get_ident(), "name": threading.current_thread().name}
    assert r1["caller"][0]["file"] == __file__
    assert r1["caller"][0]["function"] == "test_emit_fills_the_contract_fields"
    assert isinstance(r1["ts"], int) and abs(r1["ts"] - time.time_ns()) < 60e9
    assert r1["mono"] <= r2["mono"]
    assert r2["goroutine"] == 12 and r2["runtime"] == {"b": 1} and r2["key"] == "7"
    assert r3["caller"] == [{"file": "main.go", "line": 3, "function": "main.f"}]
    assert (r3["pid"], r3["ts"], r3["mono"], r3["thread"]["name"]) == (99, 5, 6, "g1")
    assert r3["key"] == "'x'"  # other sources are redacted too


def test_no_key_is_null_not_redacted() -> None:
    sink = ListSink()
    with Auditor([sink], redact=salted_hash(b"s")) as a:
        a.emit("clear", NO_KEY, map="m", found=True, count=3)
        a.emit("delete", None, map="m", found=True)
    assert sink.records[0]["key"] is None
    assert sink.records[1]["key"].startswith("blake2b:")


def test_bad_configuration_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="overflow must be one of"):
        Auditor(overflow="spill")
    with pytest.raises(ValueError, match="capacity"):
        Auditor(capacity=0)
    with pytest.raises(ValueError, match="frames"):
        Auditor(frames=-1)
    with pytest.raises(TypeError, match="CallableSink"):
        Auditor([print])  # type: ignore[list-item]
    with pytest.raises(ValueError, match="unknown redaction policy"):
        Auditor(redact="md5")
    with pytest.raises(TypeError, match="MutableMapping"):
        audited([1, 2], None)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="runtime=True needs a GoMap"):
        audited({}, None, runtime=True)


# --- redaction ---------------------------------------------------------------------------
@given(st.text(max_size=500) | st.integers() | st.binary(max_size=300))
def test_default_redaction_is_repr_cut_to_200(key: Any) -> None:
    r = redact_repr()(key)
    assert len(r) <= 200
    if len(repr(key)) <= 200:
        assert r == repr(key)
    else:
        assert r == repr(key)[:199] + "…"


@given(st.text(max_size=50), st.text(max_size=50))
def test_salted_hash_is_a_function_of_key_and_salt(a: str, b: str) -> None:
    h1, h2 = salted_hash(b"one"), salted_hash(b"two")
    assert h1(a) == h1(a)
    assert (h1(a) == h1(b)) == (a == b)
    assert h1(a) != h2(a)
    assert a not in h1(a)[8:] or len(a) < 3


def test_redaction_policies_in_records() -> None:
    sink = ListSink()
    secret = "4111-1111-1111-1111"
    with Auditor([sink], redact="drop") as a1:
        audited({secret: 1}, a1).pop(secret)
    with Auditor([sink], redact="hash:pepper") as a2:
        audited({secret: 1}, a2).pop(secret)
    with Auditor([sink], redact=lambda k: k[-4:]) as a3:
        audited({secret: 1}, a3).pop(secret)
    keys = [r["key"] for r in sink.records]
    assert keys[0] is None
    assert keys[1] == salted_hash("pepper")(secret)
    assert keys[2] == "1111"
    assert drop_key(secret) is None
    assert all(secret not in json.dumps(r) for r in sink.records)


def test_a_raising_redactor_never_reaches_the_delete() -> None:
    def bad(key: Any) -> Any:
        raise RuntimeError("boom")

    with Auditor([ListSink()], redact=bad) as a:
        m = audited({"k": 1}, a)
        del m["k"]
    assert "k" not in m


# --- caller frames ---------------------------------------------------------------------
def _user_helper(m: Any, k: Any) -> None:
    del m[k]


def test_caller_is_trimmed_to_user_frames() -> None:
    sink = ListSink()
    with Auditor([sink], frames=2) as a:
        m = audited({"a": 1, "b": 2, "c": 3}, a)
        _user_helper(m, "a")
    with Auditor([sink], frames=0) as a0:
        audited({"a": 1}, a0).pop("a")
    with Auditor([sink], frames=2, skip=[__name__]) as a1:
        _user_helper(audited({"a": 1}, a1), "a")
    with Auditor([sink], frames=5, skip=[os.path.dirname(__file__) + os.sep]) as a2:
        _user_helper(audited({"a": 1}, a2), "a")
    c = [r["caller"] for r in sink.records]
    assert [f["function"] for f in c[0]] == ["_user_helper",
                                             "test_caller_is_trimmed_to_user_frames"]
    assert all("gomap" + os.sep + "audit" not in f["file"] for f in c[0])
    assert c[1] == []
    # a module-name prefix skips this whole module: the frames come from pytest
    assert all(f["file"] != __file__ for f in c[2])
    assert all(not f["file"].startswith(os.path.dirname(__file__)) for f in c[3])


def test_stdlib_frames_are_skipped() -> None:
    import functools

    sink = ListSink()
    with Auditor([sink], frames=1) as a:
        m = audited({"a": 1}, a)
        functools.partial(m.pop, "a")()
        # operator / functools are C; a stdlib Python frame in between:
        import collections

        class D(collections.UserDict):  # type: ignore[type-arg]
            pass

        d = D({"b": 1})
        audited(d, a).pop("b")
    assert [r["caller"][0]["function"] for r in sink.records] == [
        "test_stdlib_frames_are_skipped"] * 2


# --- every delete path on every map ----------------------------------------------------------


@pytest.mark.parametrize(("kind", "factory"), MAPS, ids=[k for k, _ in MAPS])
def test_every_delete_path_emits_exactly_one_record(kind: str, factory: Any) -> None:
    sink = ListSink()
    removed: list[Any] = []
    with Auditor([sink], frames=1) as a:
        m = audited(factory(), a, name=kind, clear_keys=True)
        m.on_delete(removed.append)
        for i in range(10):
            m[i] = i * 10
        expect: list[tuple[str, Any, bool]] = []
        del m[0]
        expect.append(("delitem", "0", True))
        with pytest.raises(KeyError):
            del m[0]
        expect.append(("delitem", "0", False))
        assert m.pop(1) == 10
        expect.append(("pop", "1", True))
        assert m.pop(1, "d") == "d"
        expect.append(("pop", "1", False))
        with pytest.raises(KeyError):
            m.pop(1)
        expect.append(("pop", "1", False))
        if hasattr(m.wrapped, "delete"):
            m.delete(2)
            expect.append(("delete", "2", True))
            m.delete(2)
            expect.append(("delete", "2", False))
        if hasattr(m.wrapped, "load_and_delete"):
            assert m.load_and_delete(3) == (30, True)
            expect.append(("load_and_delete", "3", True))
            assert m.load_and_delete(3) == (None, False)
            expect.append(("load_and_delete", "3", False))
            assert m.compare_and_delete(4, 99) is False
            expect.append(("compare_and_delete", "4", False))
            assert m.compare_and_delete(4, 40) is True
            expect.append(("compare_and_delete", "4", True))
        k, v = m.popitem()
        assert v == k * 10 and k not in (0, 1)
        expect.append(("popitem", repr(k), True))
        if hasattr(m.wrapped, "swap"):  # swap never deletes: no record
            s = max(m)
            assert m.swap(s, 1) == (s * 10, True)
        left = sorted(m)
        m.clear()
        expect.append(("clear", None, True))
        m.clear()
        expect.append(("clear", None, False))
        with pytest.raises(KeyError):
            m.popitem()
        expect.append(("popitem", None, False))
        assert len(m) == 0
    assert deletes(sink.records) == expect
    clears = [r for r in sink.records if r["op"] == "clear"]
    assert clears[0]["count"] == len(left) and sorted(clears[0]["keys"], key=int) == [
        repr(x) for x in left]
    assert clears[1]["count"] == 0 and clears[1]["keys"] == []
    assert [r["seq"] for r in sink.records] == list(range(1, len(sink.records) + 1))
    # on_delete: once per key actually removed, every path
    removed_expect = [0, 1, k, *([2] if hasattr(m.wrapped, "delete") else []),
                      *([3, 4] if hasattr(m.wrapped, "load_and_delete") else []), *left]
    assert sorted(removed) == sorted(removed_expect)


def test_gomap_nan_keys_and_delete_during_range() -> None:
    sink = ListSink()
    with Auditor([sink], frames=0) as a:
        m = audited(GoMap(seed=1), a)
        m[math.nan] = 1
        m["x"] = 2
        m.delete(math.nan)  # Go: a NaN key can never be deleted
        for k in list(m):
            if k == k:
                m.delete(k)
        assert len(m) == 1
    assert deletes(sink.records) == [("delete", "nan", False), ("delete", "'x'", True)]


@pytest.mark.parametrize("impl", ["classic", "swiss"])
def test_deleting_while_ranging_over_an_audited_gomap(impl: str) -> None:
    sink = ListSink()
    with Auditor([sink], frames=0) as a:
        m = audited(GoMap({i: i for i in range(100)}, impl=impl, seed=2), a)
        for k in m:  # Go allows deleting during range; so does the wrapper
            if k % 2 == 0:
                del m[k]
            m.delete(k + 1000)  # absent: recorded, found false
        assert sorted(m) == list(range(1, 100, 2))
    recs = deletes(sink.records)
    assert sorted(int(k) for op, k, f in recs if f) == list(range(0, 100, 2))
    assert sum(1 for _, _, f in recs if not f) == 100


def test_wrapped_methods_still_work() -> None:
    with Auditor([], frames=0) as a:
        s = audited(SyncMap(), a)
        s.store("a", 1)
        assert s.load("a") == (1, True)
        assert s.load_or_store("a", 2) == (1, True)
        assert s.compare_and_swap("a", 1, 3)
        seen: list[Any] = []
        s.range(lambda k, v: seen.append((k, v)) or True)
        assert seen == [("a", 3)]
        g = audited(GoMap(seed=1, impl="classic"), a, name="g")
        g["k"] = 1
        assert g.lookup("k") == (1, True) and g.impl == "classic" and g.stats().entries == 1
        assert g == {"k": 1} and g.name == "g"


def test_runtime_detail_on_both_engines() -> None:
    sink = ListSink()
    with Auditor([sink], frames=0) as a:
        for impl in ("classic", "swiss"):
            for backend in ("native", "python"):
                g = audited(GoMap(impl=impl, backend=backend, seed=1), a, name=impl,
                            runtime=True)
                for i in range(200):
                    g[i] = i
                for i in range(150):
                    g.delete(i)
                g.delete(-1)
    by_map: dict[str, list[dict[str, Any]]] = {}
    for r in sink.records:
        by_map.setdefault(r["map"], []).append(r)
    classic = [r for r in by_map["classic"] if r["found"]]
    assert {r["runtime"]["slot"] for r in classic} <= {"emptyOne", "emptyRest"}
    assert all(isinstance(r["runtime"]["bucket"], int) for r in classic)
    assert any("emptyRest_run" in r["runtime"] for r in classic)
    assert all(isinstance(r["runtime"]["tombstones"], int) for r in classic)
    swiss = [r for r in by_map["swiss"] if r["found"]]
    assert {r["runtime"]["slot"] for r in swiss} <= {"ctrlDeleted", "ctrlEmpty"}
    tomb = [r["runtime"] for r in swiss if r["runtime"]["slot"] == "ctrlDeleted"]
    assert tomb and all({"table", "group", "slot_index"} <= set(t) for t in tomb)
    # the tombstone count after a ctrlDeleted delete is at least 1
    assert all(t["tombstones"] >= 1 for t in tomb)
    assert all("runtime" not in r for r in sink.records if not r["found"])
    # a ctrlEmpty delete says where too (found before the delete)
    assert all({"table", "group", "slot_index"} <= set(r["runtime"]) for r in swiss)


@pytest.mark.parametrize("backend", ["native", "python"])
def test_swiss_ctrl_empty_slot_is_where_the_key_was(backend: str) -> None:
    sink = ListSink()
    with Auditor([sink], frames=0) as a:
        g = audited(GoMap(impl="swiss", backend=backend, seed=4), a, runtime=True)
        for i in range(300):
            g[i] = i
        e = g.engine
        checked = 0
        for i in range(0, 300, 7):
            g.delete(i)
            a.flush()
            r = sink.records[-1]
            assert r["key"] == repr(i) and r["found"]
            rt = r["runtime"]
            tables = {t.index: t for t in e.directory}
            t = tables[rt["table"]]
            pos = rt["group"] * 8 + rt["slot_index"]
            want = 0xFE if rt["slot"] == "ctrlDeleted" else 0x80  # ctrlDeleted / ctrlEmpty
            assert t.ctrl[pos] == want
            checked += rt["slot"] == "ctrlEmpty"
    assert checked > 10


# --- on_delete isolation ---------------------------------------------------------------
def test_a_raising_hook_is_isolated_and_recorded_and_broken() -> None:
    sink = ListSink()
    calls: list[Any] = []

    def bad(key: Any) -> None:
        calls.append(key)
        raise ValueError("hook down")

    good: list[Any] = []
    with Auditor([sink], frames=0) as a:
        m = audited({i: i for i in range(10)}, a, hook_fail_max=3, hook_reset=60)
        m.on_delete(bad)
        m.on_delete(good.append)
        for i in range(6):
            del m[i]
    assert len(m) == 4 and good == list(range(6))
    assert calls == [0, 1, 2]  # the breaker opened at the third failure
    ops = [r["op"] for r in sink.records]
    assert ops.count("hook_error") == 3
    br = [r for r in sink.records if r["op"] == "breaker"]
    assert len(br) == 1 and br[0]["to"] == "open" and br[0]["hook"].endswith("bad")


def test_hook_breaker_half_opens_and_closes() -> None:
    sink = ListSink()
    state = {"fail": True}
    calls: list[Any] = []

    def flaky(key: Any) -> None:
        calls.append(key)
        if state["fail"]:
            raise ValueError("down")

    with Auditor([sink], frames=0) as a:
        m = audited({i: i for i in range(10)}, a, hook_fail_max=2, hook_reset=0.1)
        m.on_delete(flaky)
        for i in range(4):
            del m[i]  # 0, 1 fail and open it; 2, 3 skip it
        time.sleep(0.15)
        del m[4]  # half-open: tried, fails: open again
        time.sleep(0.15)
        state["fail"] = False
        del m[5]  # half-open: tried, succeeds: closed
        del m[6]
    assert calls == [0, 1, 4, 5, 6]
    br = [(r["from"], r["to"]) for r in sink.records if r["op"] == "breaker"]
    assert br == [("closed", "open"), ("open", "half-open"), ("half-open", "open"),
                  ("open", "half-open"), ("half-open", "closed")]


def test_hooks_run_concurrently_across_threads() -> None:
    inside = threading.Semaphore(0)
    both = threading.Barrier(2, timeout=5)

    def hook(key: Any) -> None:
        both.wait()  # each thread's hook waits for the other's: needs them concurrent
        inside.release()

    m = audited(SyncMap(), None)
    m.on_delete(hook)
    m["a"], m["b"] = 1, 2
    ts = [threading.Thread(target=m.pop, args=(k,)) for k in "ab"]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert inside.acquire(timeout=1) and inside.acquire(timeout=1)


def test_hooks_without_an_auditor() -> None:
    got: list[Any] = []
    m = audited({"a": 1, "b": 2}, None)
    m.on_delete(got.append)
    m.pop("a")
    m.clear()
    assert got == ["a", "b"]


# --- overflow and accounting -------------------------------------------------------------------
@pytest.mark.parametrize("policy", ["drop_newest", "drop_oldest"])
def test_drop_counts_equal_the_missing_records(policy: str) -> None:
    gate = threading.Event()
    sink = ListSink(gate=gate)
    a = Auditor([sink], capacity=10, overflow=policy, batch=4, flush_interval=0.01, frames=0)
    for i in range(200):
        a.emit("delete", i, map="m", found=True)
    s = a.stats()
    s.check()
    gate.set()
    a.close()
    s = a.stats()
    s.check()
    assert s.pending == 0 and s.emitted == 200
    got = {r["seq"] for r in sink.records}
    missing = set(range(1, 201)) - got
    assert len(missing) == s.dropped_newest + s.dropped_oldest > 0
    assert (s.dropped_newest > 0) == (policy == "drop_newest")
    assert s.written == len(got)
    if policy == "drop_oldest":
        assert max(got) == 200  # the newest survive
    else:
        assert 200 in missing


def test_block_policy_loses_nothing_and_waits() -> None:
    sink = ListSink(delay=0.002)
    with Auditor([sink], capacity=8, overflow="block", batch=4, flush_interval=0.01) as a:
        for i in range(100):
            a.emit("delete", i, map="m", found=True)
        assert a.stats().pending <= 8 + 4
    s = a.stats()
    assert s.written == 100 and s.dropped == 0 and [r["seq"] for r in sink.records] == list(
        range(1, 101))


def test_counter_invariant_under_8_threads() -> None:
    sink = ListSink(delay=0.001, durable=True)
    a = Auditor([sink], capacity=64, overflow="drop_oldest", batch=16, flush_interval=0.005)
    m = audited(SyncMap(), a, name="shared")
    stop = threading.Event()
    bad: list[Any] = []

    def checker() -> None:
        last = 0
        while not stop.is_set():
            s = a.stats()
            try:
                s.check()
                assert s.durable_seq >= last
            except AssertionError as e:
                bad.append(e)
            last = s.durable_seq

    def worker(t: int) -> None:
        for i in range(400):
            m[(t, i)] = i
            if i % 3:
                m.pop((t, i), None)
            else:
                m.delete((t, i - 1))

    ck = threading.Thread(target=checker)
    ck.start()
    ts = [threading.Thread(target=worker, args=(t,)) for t in range(8)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    durable = a.flush()
    stop.set()
    ck.join()
    a.close()
    assert not bad, bad[:3]
    s = a.stats()
    s.check()
    assert s.emitted == 8 * 400 and s.pending == 0 and durable == s.seq == 3200
    assert len(sink.records) == s.written
    assert len(set(r["seq"] for r in sink.records)) == s.written


def test_emit_after_close_is_counted_failed() -> None:
    a = Auditor([ListSink()])
    a.close()
    m = audited({"a": 1}, a)
    del m["a"]
    s = a.stats()
    s.check()
    assert (s.emitted, s.failed) == (1, 1)


# --- JSONL ---------------------------------------------------------------------------------------
def test_jsonl_sink_roundtrip_and_durable_seq(tmp_path: Any) -> None:
    p = tmp_path / "audit.jsonl"
    a = Auditor([JsonlSink(p)], frames=1)
    m = audited({i: i for i in range(50)}, a, name="users")
    for i in range(50):
        del m[i]
    assert a.flush() == 50
    lines = p.read_text().splitlines()
    assert [json.loads(x)["seq"] for x in lines] == list(range(1, 51))
    a.close()
    assert json.loads(lines[0])["map"] == "users"


# --- fork -----------------------------------------------------------------------------------------
@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_fork_child_never_writes_the_parents_buffer(tmp_path: Any) -> None:
    p = tmp_path / "fork.jsonl"
    gate = threading.Event()
    slow = ListSink(gate=gate, name="gate")
    a = Auditor([JsonlSink(p), slow], batch=1000, flush_interval=0.01, frames=0)
    for i in range(20):
        a.emit("delete", i, map="parent", found=True)
    time.sleep(0.05)  # the writer holds some in flight, behind the gate
    held = a._slots[1].breaker  # its lock is held by the parent's writer, inside the sink
    pid = os.fork()
    if pid == 0:  # the child
        code = 1
        try:
            s = a.stats()
            if a._slots[1].breaker is held:
                code = 4  # the child would wait forever on the parent's writer's lock
            elif s.emitted == 0 and s.pending == 0:
                a.emit("delete", "c", map="child", found=True)
                slow.gate = None
                a.flush(5)
                code = 0 if a.stats().written == 1 else 3
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    gate.set()
    a.close()
    assert os.WEXITSTATUS(status) == 0
    recs = [json.loads(x) for x in p.read_text().splitlines()]
    parent = [r for r in recs if r["map"] == "parent"]
    child = [r for r in recs if r["map"] == "child"]
    assert [r["seq"] for r in parent] == list(range(1, 21))
    assert len(child) == 1 and child[0]["pid"] == pid and child[0]["seq"] == 1


# --- accounting as a property ----------------------------------------------------------------
class FlakySink(ListSink):
    """Fails the batches the test says, in order."""

    def __init__(self, fails: list[bool]) -> None:
        super().__init__(durable=True, name="flaky")
        self.plan = iter(fails)

    def write(self, batch: list[dict[str, Any]]) -> None:
        self.calls += 1
        if next(self.plan, False):
            raise OSError("planned failure")
        self.records.extend(batch)
        self.synced_seq = batch[-1]["seq"]


@given(policy=st.sampled_from(["block", "drop_newest", "drop_oldest"]),
       capacity=st.integers(1, 16), batch=st.integers(1, 8), n=st.integers(0, 120),
       fails=st.lists(st.booleans(), max_size=40), flush_every=st.integers(1, 50))
def test_every_record_is_accounted_for(policy: str, capacity: int, batch: int, n: int,
                                       fails: list[bool], flush_every: int) -> None:
    sink = FlakySink(fails)
    a = Auditor([sink], capacity=capacity, batch=batch, overflow=policy,
                flush_interval=0.001, frames=0, breaker_fail_max=10_000)
    last_durable = 0
    for i in range(n):
        a.emit("delete", i, map="m", found=True)
        if i % flush_every == 0:
            d = a.flush()
            assert d >= last_durable
            last_durable = d
            a.stats().check()
    a.close()
    s = a.stats()
    s.check()
    got = [r["seq"] for r in sink.records]
    assert got == sorted(set(got))  # in seq order, never twice
    assert s.pending == 0 and s.emitted == n and s.written == len(got)
    assert n - len(got) == s.dropped_newest + s.dropped_oldest + s.failed
    assert s.sinks[0].failed == s.failed
    if policy == "block":
        assert s.dropped_newest == s.dropped_oldest == 0
    assert s.durable_seq == n  # everything settled: written and synced, or counted


def test_a_sink_that_deletes_through_an_audited_map_does_not_deadlock() -> None:
    inner: dict[int, int] = {i: i for i in range(100)}
    box: dict[str, Any] = {}

    def reentrant(batch: list[dict[str, Any]]) -> None:
        m = box["m"]
        for _ in batch:  # the writer thread itself deletes: its records never block it
            if len(m):
                m.popitem()

    from gomap.audit import CallableSink

    a = Auditor([CallableSink(reentrant)], capacity=1, overflow="block", batch=1,
                flush_interval=0.001, frames=0)
    box["m"] = audited(inner, a)
    box["m"].pop(0)
    deadline = time.monotonic() + 10
    while len(inner) and time.monotonic() < deadline:
        time.sleep(0.01)
    a.close()
    s = a.stats()
    s.check()
    assert not inner and s.emitted >= 100


def test_records_are_flushed_at_interpreter_exit(tmp_path: Any) -> None:
    import subprocess
    import sys

    p = tmp_path / "exit.jsonl"
    code = ("import sys\nfrom gomap.audit import Auditor, JsonlSink, audited\n"
            f"a = Auditor([JsonlSink({str(p)!r})], flush_interval=60, batch=100000)\n"
            "m = audited({i: i for i in range(500)}, a)\n"
            "for i in range(500):\n    del m[i]\n")  # no flush, no close: atexit does it
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    subprocess.run([sys.executable, "-c", code], check=True, env=env, timeout=60)
    seqs = [json.loads(x)["seq"] for x in p.read_text().splitlines()]
    assert seqs == list(range(1, 501))


class SlowSyncSink(ListSink):
    """Durable, and slow to sync: the writer spends its time between settling a batch
    and its next step, where a snapshot must still add up."""

    def __init__(self) -> None:
        super().__init__(durable=True, name="slowsync")
        self.synced = 0

    def write(self, batch: list[dict[str, Any]]) -> None:
        self.records.extend(batch)

    def sync(self) -> None:
        time.sleep(0.01)
        if self.records:
            self.synced_seq = self.records[-1]["seq"]

    def poll(self, now: float) -> None:
        self.sync()


def test_invariant_holds_while_the_writer_syncs() -> None:
    a = Auditor([SlowSyncSink()], batch=4, flush_interval=0.001, frames=0)
    bad: list[Any] = []
    for i in range(200):
        a.emit("delete", i, map="m", found=True)
        s = a.stats()
        try:
            s.check()
        except AssertionError as e:
            bad.append(e)
        if i % 20 == 0:
            time.sleep(0.005)
    a.close()
    assert not bad, bad[0]
