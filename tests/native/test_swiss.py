"""The native (C) Swiss engine against the Python reference: the same random
operation scripts on both, and after every operation the same ``snapshot()``, the
same events, the same results, the same exceptions, the same hasher / rand calls.

Scripts mix every operation (assign, delete, lookup, clear, iterators started,
stepped and dropped at any point), keys of every kind the default hasher treats
specially (ints, strs, floats with NaN and ±0.0, tuples through the Python
fallback, user keys whose ``__hash__`` / ``__eq__`` log and raise), hashers that
force collisions (long probe sequences, tombstones, pruning), hints that make
directories, every key kind (access path) of the registry, growth, splits and
directory growth under live iterators, and user code (``__eq__``, hashers,
``rand``, subscribers) that raises mid-operation. The helpers are the
differential tests' (:mod:`tests.support.differential`).
"""

from __future__ import annotations

import gc
import random
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gomap import GoMap
from gomap.engines import HUGE_HINT, get_engine
from gomap.hashing import default_rand
from gomap.swiss import SwissMap
from tests.support.differential import (
    SIMULATE_CASES,
    Boom,
    Key,
    SwissSide,
    assert_stats_alike,
    counting_rand,
    long_script,
    native_or_skip,
    run_both_raising,
    run_both_swiss,
    same,
    simulate_on_both_backends,
)
from tests.support.strategies import OPS

native = native_or_skip()
NativeSwissMap = native.NativeSwissMap
KEY_KINDS = get_engine("swiss").key_kinds


@settings(max_examples=120, deadline=None)
@given(
    ops=OPS,
    seed=st.integers(0, 2**64 - 1),
    hasher_kind=st.sampled_from(["stable", "process", "collide", "few"]),
    hint=st.sampled_from([0, 0, 5, 9, 100, 1000, 3000]),
    key_kind=st.sampled_from(KEY_KINDS),
)
def test_random_scripts_reach_the_same_state(
    ops: list[tuple[Any, ...]], seed: int, hasher_kind: str, hint: int, key_kind: str
) -> None:
    run_both_swiss(ops, seed, hasher_kind, hint, key_kind)


@settings(max_examples=40, deadline=None)
@given(ops=OPS, seed=st.integers(0, 2**32), hasher_kind=st.sampled_from(["collide", "few"]),
       key_kind=st.sampled_from(["generic", "fast64"]))
def test_a_raising_subscriber_leaves_the_same_state(
    ops: list[tuple[Any, ...]], seed: int, hasher_kind: str, key_kind: str
) -> None:
    run_both_swiss(ops, seed, hasher_kind, 0, key_kind, boom_observer=True)


@pytest.mark.parametrize(("hasher_kind", "key_kind"), [
    ("stable", "generic"), ("stable", "fast64"), ("collide", "faststr"), ("few", "fast32ptr"),
])
def test_long_scripts_with_growth_splits_and_iterators(hasher_kind: str, key_kind: str) -> None:
    rng = random.Random(hasher_kind + key_kind)
    nkeys = 6000 if hasher_kind == "stable" else 700
    ops: list[tuple[Any, ...]] = []
    if hasher_kind != "stable":  # a sliding window: tombstones everywhere, then prunes
        for k in range(900):
            ops += [("set", k, 1), ("del", k - 30)]
    ops += [("iter",), ("next", 0, 3)]
    ops += [("set", k, k) for k in range(nkeys)]  # grow, split, grow the directory
    ops += long_script(rng, nkeys, 6000 if hasher_kind == "stable" else 2500)
    py, _ = run_both_swiss(ops, 7, hasher_kind, 0, key_kind, check_every=97)
    seen = {entry[0] for entry in py.log}
    assert {"growToSmall", "smallToTable", "tableGrow", "iterInit", "tombstone", "clear",
            "seed"} <= seen
    if hasher_kind == "stable":
        assert {"split", "directoryGrow"} <= seen
    if key_kind != "generic":
        assert "pruneTombstones" in seen
    if hasher_kind == "few":  # full groups: some prunes recover slots
        assert any(e[0] == "pruneTombstones" and "'pruned': 0}" not in e[1] for e in py.log)


@pytest.mark.parametrize("hasher_kind", ["stable", "collide"])
def test_the_iterator_protocol_steps_alike_while_the_map_changes(hasher_kind: str) -> None:
    """``next(it)`` (the native tp_iternext, with its in-table fast step) against the
    reference while sets and deletes between its steps fill the slots just ahead of
    it (which Go's group match skips), empty the ones it stands on, grow its table,
    split it and grow the directory. Many short runs: a fresh table after a growth is
    half empty, which is where the slots ahead get filled."""
    for seed in range(40):
        for n in (15, 16, 17, 30, 60, 1500):
            if n == 1500 and (seed % 10 or hasher_kind == "collide"):
                continue
            rng = random.Random(seed)
            ops: list[tuple[Any, ...]] = [("set", k, k) for k in range(n)] + [("iter",)]
            for _ in range(min(3 * n, 300)):
                ops.append(("next", 0, rng.choice([1, 1, 3])))
                for _ in range(rng.randrange(1, 3)):
                    ops.append(("set", 1000 + rng.randrange(10**6), 0) if rng.random() < 0.7
                               else ("del", rng.randrange(n)))
            ops.append(("next", 0, 4 * n + 1))
            run_both_swiss(ops, seed, hasher_kind, 0, check_every=50)


def test_user_hash_and_eq_raising_leave_both_backends_alike() -> None:
    rng = random.Random(3)
    ops: list[tuple[Any, ...]] = []
    for _ in range(1500):
        ops.append(("set", Key(rng.randrange(60)), rng.randrange(9)) if rng.random() < 0.6
                   else ("del", Key(rng.randrange(60))) if rng.random() < 0.8
                   else ("iter",) if rng.random() < 0.3 else ("next", rng.randrange(3), 5))
    for key_kind in ("generic", "faststr"):
        py = SwissSide(SwissMap, 1, "stable", 0, key_kind, False)
        c = SwissSide(NativeSwissMap, 1, "stable", 0, key_kind, False)
        raised = run_both_raising(py, c, ops, rng)
        assert raised > 50


def test_raising_rand_leaves_both_backends_alike() -> None:
    """rand() failing at make, at the delete that empties the map, at clear and at
    an iterator's start: the same state and the same exceptions."""
    rng = random.Random(5)
    ops: list[tuple[Any, ...]] = []
    for _ in range(800):
        r = rng.random()
        ops.append(("armrand", rng.randrange(3)) if r < 0.1 else
                   ("iter",) if r < 0.2 else ("clear",) if r < 0.25 else
                   ("set", rng.randrange(30), 1) if r < 0.6 else ("del", rng.randrange(30)))
    py, _ = run_both_swiss(ops, 11, "stable", 0)
    assert ("rand", "boom") in py.log


def test_nan_and_signed_zero_keys() -> None:
    ops: list[tuple[Any, ...]] = []
    for i in range(40):
        ops += [("set", float("nan"), i), ("set", 0.0, i), ("set", -0.0, -i), ("iter",)]
    ops += [("next", 0, 50), ("set", 1, 1)] + [("set", i, i) for i in range(2, 2000)]
    ops += [("next", 1, 200), ("del", 0.0), ("get", -0.0), ("next", 2, 100), ("clear",),
            ("next", 3, 100)]
    run_both_swiss(ops, 2, "stable", 0, check_every=50)


def test_native_events_follow_the_declared_schema() -> None:
    from gomap.events import check_event

    seen: set[str] = set()

    def check(event: str, details: dict[str, Any]) -> None:
        check_event("swiss", event, details)
        seen.add(event)

    m = NativeSwissMap(0, subscribers=[check], rand=default_rand(2), key_kind="fast64")
    it = m.iterator()
    for k in range(5000):
        m.assign(k, k)
        if k == 3:
            it = m.iterator()
        if k % 3 == 0:
            m.delete(k - 20)
    assert it.next() is not None
    for k in range(5000):
        m.delete(k)
    m.assign(1, 1)
    m.clear()
    assert seen >= {"seed", "makemap", "growToSmall", "smallToTable", "tableGrow", "split",
                    "directoryGrow", "tombstone", "pruneTombstones", "clear", "iterInit"}


def test_stats_are_the_same_on_both_backends() -> None:
    assert_stats_alike(SwissMap(0, rand=default_rand(1)),
                       NativeSwissMap(0, rand=default_rand(1)), 6000, 3000)


def test_iterator_fields_match() -> None:
    """The Iter's own fields (the oracle compares them against the runtime's)."""
    py, c = (cls(0, rand=default_rand(4)) for cls in (SwissMap, NativeSwissMap))
    its: list[tuple[Any, Any]] = []
    for k in range(3000):
        py.assign(k, k)
        c.assign(k, k)
        if k % 300 == 7:
            its.append((py.iterator(), c.iterator()))
        for a, b in its:
            assert a.next() == b.next()
            assert a.state() == b.state()
            assert (a.dir_idx, a.entry_idx, a.group) == (b.dir_idx, b.entry_idx, b.group)


def test_goMap_runs_swiss_natively_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GOMAP_BACKEND", raising=False)
    assert GoMap().backend == "native"
    assert isinstance(GoMap(impl="swiss").engine, NativeSwissMap)
    assert GoMap(impl="swiss", backend="python").backend == "python"
    assert GoMap(impl="swiss", go="1.24").backend == "python"  # not the pinned release
    with pytest.raises(ValueError, match=r"models Go 1\.27\.3 only"):
        GoMap(impl="swiss", go="1.24", backend="native")
    assert GoMap(hint=HUGE_HINT + 1).backend == "python"  # its directory stays sparse
    monkeypatch.setenv("GOMAP_BACKEND", "python")
    assert GoMap().backend == "python"


def test_goMap_fast_paths_match_the_python_backend() -> None:
    """GoMap's dunders (run in C on a native engine) against the Python backend."""
    rng = random.Random(6)
    maps = [GoMap(impl="swiss", seed=3, backend=b) for b in ("python", "native")]
    assert isinstance(maps[1].engine, NativeSwissMap)

    def result(m: GoMap, op: int, k: Any) -> Any:
        try:
            if op == 0:
                m[k] = k
                return None
            if op == 1:
                return m[k]
            if op == 2:
                del m[k]
                return None
            if op == 3:
                return (k in m, m.get(k), m.get(k, "d"), m.lookup(k), len(m))
            if op == 4:
                m.delete(k)
                return None
            it = iter(m)
            return [next(it, None) for _ in range(3)] + list(m.items())[:5]
        except Exception as e:  # compared
            return repr(e)

    for _ in range(8000):
        op = rng.choice([0, 0, 0, 1, 2, 3, 4, 5] if rng.random() < 0.99 else [5])
        k: Any = rng.randrange(2500) if rng.random() < 0.9 else rng.choice(
            [float("nan"), "s", (1, 2), [1]])
        assert result(maps[0], op, k) == result(maps[1], op, k)
    assert maps[0].snapshot() == maps[1].snapshot()
    assert sorted(maps[0].items(), key=repr) == sorted(maps[1].items(), key=repr)
    maps[1].engine.check_invariants()


def test_a_cycle_through_the_map_is_collected() -> None:
    """Tables and iterators are GC-tracked: a key that holds its map is freed."""
    import weakref

    class Holder:
        def __init__(self, m: Any) -> None:
            self.m = m

    m = NativeSwissMap(0)
    for i in range(100):
        m.assign(Holder(m), i)
    it = m.iterator()
    m.assign("it", it)
    ref = weakref.ref(m)
    del m, it
    gc.collect()
    assert ref() is None


@pytest.mark.parametrize("where", ["small", "table", "after_growth", "clone", "update"])
def test_a_cycle_stored_into_a_table_of_ints_is_collected(where: str) -> None:
    """A table holding only ints and strings is not tracked by the collector (as a
    dict of atoms is not); the first object that may close a cycle tracks it, however
    it gets there: an insert into the small group or a table, an entry moved by a
    growth or a split, a clone, an elem overwritten in place."""
    import weakref

    class Holder:
        def __init__(self, m: Any) -> None:
            self.m = m

    m = NativeSwissMap(0)
    n = 5 if where == "small" else 3000
    for i in range(n):
        m.assign(i, str(i))
    assert not any(gc.is_tracked(t) for t in m.directory) or where == "small"
    target = m
    if where == "update":
        m.assign(7, Holder(m))  # an existing key's elem
    elif where == "after_growth":
        m.assign(-1, Holder(m))
        for i in range(n, 3 * n):  # tables grow and split with the holder inside
            m.assign(i, str(i))
    elif where == "clone":  # the holder reaches the clone only as a copied entry
        m.assign(-1, Holder(m))
        target = m.clone()
        m.assign(-2, target)
    else:
        m.assign(-1, Holder(m))
    m.check_invariants()
    refs = [weakref.ref(m), weakref.ref(target)]
    del m, target
    gc.collect()
    assert [r() for r in refs] == [None, None]


@pytest.mark.parametrize("window", [11, 23, 50, 97, 180, 400])
def test_tombstone_churn_prunes_alike(window: int) -> None:
    """Random sets and deletes over a steady key space, on the typed paths: every
    pruneTombstones decision on both backends, with the same counts (pruning that
    recovers slots is in the long scripts above)."""
    rng = random.Random(window)
    ops: list[tuple[Any, ...]] = []
    for _ in range(60 * window):
        k = rng.randrange(2 * window)
        ops.append(("set", k, k) if rng.random() < 0.5 else ("del", k))
        if rng.random() < 0.01:
            ops.append(("iter",))
        elif rng.random() < 0.05:
            ops.append(("next", rng.randrange(3), 7))
    decisions = 0
    for hasher_kind, key_kind in (("stable", "fast64"), ("collide", "faststr")):
        py, _ = run_both_swiss(ops, window, hasher_kind, 0, key_kind, check_every=499)
        decisions += sum(e[0] == "pruneTombstones" for e in py.log)
    assert decisions > 0


@pytest.mark.parametrize(("key", "value", "pattern"), SIMULATE_CASES)
def test_simulate_reports_are_the_same_on_both_backends(
    key: str, value: str, pattern: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The simulator's C loop and C accountant (native backend) against its Python
    loop and the Python accountant, whole report."""
    simulate_on_both_backends("swiss", key, value, pattern, monkeypatch)


def test_clone_is_the_same_on_both_backends() -> None:
    """Map.Clone at any shape (small, one table, a directory with shared entries):
    the same copy, independent of its source, and no random draw."""
    py = SwissSide(SwissMap, 3, "stable", 0, "generic", False)
    c = SwissSide(NativeSwissMap, 3, "stable", 0, "generic", False)
    for n in (0, 5, 9, 200, 3000, 9000):
        py.h.clear()
        c.h.clear()
        for k in range(n):
            py.h.assign(k * 7, k)
            c.h.assign(k * 7, k)
            if k % 5 == 0:
                py.h.delete(k * 3)
                c.h.delete(k * 3)
        a, b = py.h.clone(), c.h.clone()
        assert type(b) is NativeSwissMap
        assert repr(a.snapshot()) == repr(b.snapshot())
        same(py, c, f"clone at {n}")
        for k in range(n // 2):
            for m in (a, b):
                m.assign(-k, k)
                m.delete(k * 7)
        assert repr(a.snapshot()) == repr(b.snapshot())
        same(py, c, f"source after the clones changed ({n})")
        b.check_invariants()


@pytest.mark.parametrize("impl", ["swiss", "classic"])
def test_a_goMap_loop_that_raised_is_over_on_both_backends(impl: str) -> None:
    """GoMap's iteration is a generator on the Python backend: once it raised (here
    rand() failing at Iter.Init, then an iteration during a write), it is over; the
    C iterator behind the native GoMap ends the same way."""
    outcomes = []
    for backend in ("python", "native"):
        log: list[Any] = []
        armed = [-1]
        m = GoMap(impl=impl, rand=counting_rand(1, log, armed), backend=backend)
        for k in range(50):
            m[k] = k
        armed[0] = 0
        it = iter(m)
        with pytest.raises(Boom):
            next(it)
        after_init = list(it)
        it = iter(m)
        first = next(it)

        class Stepper:
            def __init__(self, loop: Any) -> None:
                self.loop = loop

            def __hash__(self) -> int:
                return 1

            def __eq__(self, other: object) -> bool:
                with pytest.raises(Exception, match="iteration and map write"):
                    next(self.loop)
                return False

        m[Stepper(it)] = 1  # steps the loop from inside the write
        outcomes.append((after_init, first, list(it), log))
    assert outcomes[0] == outcomes[1]
    assert outcomes[0][0] == [] and outcomes[0][2] == []
