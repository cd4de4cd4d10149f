"""Safe deletion: delete_where on every map (plain and audited), VersionedMap's snapshot
+ compare-and-delete, and its linearizability on random threaded histories."""

from __future__ import annotations

import random
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gomap import GoMap
from gomap.audit import Auditor, VersionedMap, audited, delete_where
from gomap.companions.lincheck import Call, check_history, versions_unique
from tests.support.audit import MAPS, ListSink

SAFE_MAPS = [*MAPS, ("VersionedMap", VersionedMap)]


@pytest.mark.parametrize(("kind", "factory"), SAFE_MAPS, ids=[k for k, _ in SAFE_MAPS])
@pytest.mark.parametrize("wrap", [False, True], ids=["plain", "audited"])
def test_delete_where_on_every_map(kind: str, factory: Any, wrap: bool) -> None:
    sink = ListSink()
    with Auditor([sink], frames=1) as a:
        raw = factory()
        m = audited(raw, a, name=kind) if wrap else raw
        for i in range(100):
            m[i] = i * 3
        n = delete_where(m, lambda k, v: v % 2 == 0)
        assert n == 50
        assert sorted(m) == list(range(1, 100, 2))
        assert delete_where(m, lambda k, v: False) == 0
    recs = [r for r in sink.records if r["source"] == "python"]
    if wrap:
        assert len(recs) == 50 and {r["op"] for r in recs} == {"delete_where"}
        assert all(r["found"] for r in recs)
        assert sorted(int(r["key"]) for r in recs) == list(range(0, 100, 2))
        assert recs[0]["caller"][0]["function"] == "test_delete_where_on_every_map"
    else:
        assert recs == []


@given(st.dictionaries(st.integers(-50, 50), st.integers(0, 9), max_size=60),
       st.integers(0, 9), st.sampled_from(["classic", "swiss"]))
def test_delete_where_on_gomap_matches_dict(d: dict[int, int], cut: int, impl: str) -> None:
    g = GoMap(d, impl=impl, seed=7)
    seen: list[int] = []

    def pred(k: int, v: int) -> bool:
        seen.append(k)
        return v >= cut

    n = delete_where(g, pred)
    expect = {k: v for k, v in d.items() if v < cut}
    assert dict(g.items()) == expect and n == len(d) - len(expect)
    assert sorted(seen) == sorted(d)  # every entry visited once during the one range
    g.check_invariants()


def test_delete_where_on_gomap_runs_during_the_range() -> None:
    g = GoMap({i: i for i in range(50)}, impl="swiss", seed=1)
    lens: list[int] = []
    delete_where(g, lambda k, v: lens.append(len(g)) or True)
    assert lens == list(range(50, 0, -1))  # deleted as the range went, not after


def test_delete_where_companion_skips_entries_changed_meanwhile() -> None:
    from gomap.companions import SyncMap

    m = SyncMap()
    for i in range(10):
        m[i] = 0
    changed: list[int] = []

    def pred(k: int, v: int) -> bool:
        if not changed:  # the first call: every entry is collected, none deleted yet
            changed.append((k + 1) % 10)
            m[changed[0]] = 1  # another writer changes an entry already collected
        return True

    assert delete_where(m, pred) == 9
    assert dict(m.items_list()) == {changed[0]: 1}


def test_delete_where_versioned_skips_entries_written_since_the_snapshot() -> None:
    m = VersionedMap({i: i for i in range(10)})
    changed: list[int] = []

    def pred(k: int, v: int) -> bool:
        if not changed:
            changed.append((k + 1) % 10)
            m[changed[0]] = 99
        return True

    assert delete_where(m, pred) == 9 and dict(m.items()) == {changed[0]: 99}


def test_delete_where_bad_pred() -> None:
    with pytest.raises(TypeError, match="predicate"):
        delete_where({}, 3)  # type: ignore[arg-type]
    d = {1: 1, 2: 2}

    def boom(k: int, v: int) -> bool:
        raise ValueError("no")

    with pytest.raises(ValueError):
        delete_where(d, boom)
    assert d == {1: 1, 2: 2}


# --- VersionedMap ------------------------------------------------------------------------------
def test_versioned_map_versions_and_snapshot() -> None:
    m = VersionedMap()
    v1 = m.store("a", 1)
    v2 = m.store("a", 2)
    assert 0 < v1 < v2 and m.version("a") == v2 and m.version("zz") == 0
    snap = m.snapshot()
    assert snap == {"a": (2, v2)}
    with pytest.raises(TypeError):
        snap["a"] = (3, 0)  # type: ignore[index]
    m["b"] = 5
    assert "b" not in snap  # a copy at one instant
    assert not m.compare_and_delete("a", v1)
    assert m.compare_and_delete("a", v2) and "a" not in m
    v3 = m.store("a", 2)  # same value again: a new version, never an old one (no ABA)
    assert v3 > v2 and not m.compare_and_delete("a", v2)
    assert m.compare_and_store("a", v3, 7) > v3 and m["a"] == 7
    assert m.compare_and_store("a", v3, 8) == 0
    assert m.compare_and_store("new", 0, 1) > 0 and m.compare_and_store("new", 0, 2) == 0
    assert m.get_versioned("new") == (1, m.version("new")) and m.get_versioned("x") is None
    assert m.load_and_delete("new") == (1, True) and m.load_and_delete("new") == (None, False)
    assert m.pop("b") == 5 and m.popitem()[0] == "a" and len(m) == 0


def test_versioned_map_audited_compare_and_delete() -> None:
    sink = ListSink()
    with Auditor([sink], frames=0) as a:
        m = audited(VersionedMap({"k": 1}), a, name="v")
        ver = m.snapshot()["k"][1]
        assert not m.compare_and_delete("k", ver + 1)
        assert m.compare_and_delete("k", ver)
    assert [(r["op"], r["found"]) for r in sink.records] == [
        ("compare_and_delete", False), ("compare_and_delete", True)]


# --- linearizability ------------------------------------------------------------------
KEYS = ("a", "b")


def _run_protocol(m: Any, rng: random.Random, threads: int, ops: int) -> list[Call]:
    """Each thread runs the snapshot + compare-and-delete protocol at random: it
    remembers the versions it saw and uses them in its conditional calls."""
    progs = [[rng.random() for _ in range(ops * 3)] for _ in range(threads)]
    barrier = threading.Barrier(threads)
    out: list[list[Call]] = [[] for _ in range(threads)]
    errors: list[BaseException] = []
    clock = time.perf_counter_ns

    def worker(t: int) -> None:
        rs = iter(progs[t])
        seen: dict[str, int] = {}
        rec = out[t]
        try:
            barrier.wait()
            for _ in range(ops):
                k = KEYS[int(next(rs) * len(KEYS))]
                r = next(rs)
                v = int(next(rs) * 3)
                t0 = clock()
                if r < 0.2:
                    snap = m.snapshot()
                    t1 = clock()
                    for key in KEYS:  # a snapshot is a read of every key at one instant
                        e = snap.get(key)
                        rec.append(Call(t, "vload", key, (), e, t0, t1))
                        if e:
                            seen[key] = e[1]
                    continue
                if r < 0.35:
                    res: Any = m.get_versioned(k)
                    op, args = "vload", ()
                    if res:
                        seen[k] = res[1]
                elif r < 0.55:
                    res = m.store(k, v)
                    op, args = "vstore", (v, res)
                    seen[k] = res
                elif r < 0.65:
                    res = m.load_and_delete(k)
                    op, args = "vload_and_delete", ()
                elif r < 0.9:
                    ver = seen.get(k, 1)
                    res = m.compare_and_delete(k, ver)
                    op, args = "vcompare_and_delete", (ver,)
                else:
                    ver = seen.get(k, 0)
                    res = m.compare_and_store(k, ver, v)
                    op, args = "vcompare_and_store", (ver, v, res)
                    if res:
                        seen[k] = res
                t1 = clock()
                rec.append(Call(t, op, k, args, res, t0, t1))
        except BaseException as e:
            errors.append(e)

    ths = [threading.Thread(target=worker, args=(t,)) for t in range(threads)]
    for th in ths:
        th.start()
    for th in ths:
        th.join()
    if errors:
        raise errors[0]
    return [c for rec in out for c in rec]


def _histories(factory: Callable[[], Any], n: int, seed: int) -> tuple[int, int, int]:
    rng = random.Random(seed)
    bad = calls = 0
    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        for _ in range(n):
            m = factory()
            hist = _run_protocol(m, rng, threads=3, ops=6)
            calls += len(hist)
            if check_history(hist) or not versions_unique(hist):
                bad += 1
    finally:
        sys.setswitchinterval(old)
    return n, calls, bad


def test_versioned_map_is_linearizable() -> None:
    _, calls, bad = _histories(VersionedMap, 300, seed=18)
    assert calls > 300 * 3 * 5 and bad == 0


class _RacyVersionedMap(VersionedMap):
    """compare_and_delete as check-then-act: the negative control."""

    def compare_and_delete(self, key: Any, version: int) -> bool:
        e = self.get_versioned(key)
        if e is None or e[1] != version:
            return False
        time.sleep(0.0005)  # another thread writes here
        with self._lock:
            self._data.pop(key, None)
        return True

    def store(self, key: Any, value: Any) -> int:
        time.sleep(0.0001)
        return super().store(key, value)


def test_the_checker_catches_a_check_then_act_map() -> None:
    _, _, bad = _histories(_RacyVersionedMap, 150, seed=5)
    assert bad > 0, "the checker found no violation in a racy map"
