"""The native (C) classic engine against the Python reference: the same random
operation scripts on both, and after every operation the same ``snapshot()``, the
same observer events, the same results, the same exceptions, the same hook calls.

Scripts mix every operation (assign, delete, lookup, clear, iterators started,
stepped and dropped at any point), keys of every kind the default hasher treats
specially (ints, strs, floats with NaN and ±0.0, tuples through the Python
fallback), hashers that force collisions, growth in progress (iterators across
``hashGrow``, same-size growth from overflow chains) and user ``__hash__`` /
``__eq__`` / observer code that raises mid-operation.
"""

from __future__ import annotations

import gc
import math
import random
import sys
import tracemalloc
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gomap import GoMap
from gomap.classic import BucketLayout, HMap
from gomap.hashing import DefaultHasher, default_rand
from tests.support.differential import (
    SIMULATE_CASES,
    ClassicSide,
    Key,
    assert_stats_alike,
    collide_hasher,
    long_script,
    native_or_skip,
    outcome,
    run_both_classic,
    run_both_raising,
    simulate_on_both_backends,
)
from tests.support.strategies import OPS

native = native_or_skip()
NativeHMap = native.NativeHMap


LAYOUTS = [
    BucketLayout(),  # map[any]any: pointers, cleared after evacuation
    BucketLayout(bucket_size=8 + 64 + 64 + 8, pointers=False),  # map[int64]int64
    BucketLayout(bucket_size=8 + 64 + 64 + 8, pointers=True, indirect_key=True),
]


@settings(max_examples=100)
@given(
    ops=OPS,
    seed=st.integers(0, 2**32),
    hasher_kind=st.sampled_from(["stable", "process", "collide"]),
    hint=st.sampled_from([0, 0, 9, 100, 300]),
    layout=st.sampled_from(LAYOUTS),
)
def test_random_scripts_reach_the_same_state(
    ops: list[tuple[Any, ...]], seed: int, hasher_kind: str, hint: int, layout: BucketLayout
) -> None:
    run_both_classic(ops, seed, hasher_kind, hint, layout)


@settings(max_examples=30)
@given(ops=OPS, seed=st.integers(0, 2**32))
def test_a_raising_observer_leaves_the_same_state(ops: list[tuple[Any, ...]], seed: int) -> None:
    run_both_classic(ops, seed, "collide", 0, LAYOUTS[0], boom_observer=True)


@pytest.mark.parametrize("hasher_kind", ["stable", "collide"])
def test_long_scripts_with_growth_and_iterators(hasher_kind: str) -> None:
    rng = random.Random(hasher_kind)
    ops: list[tuple[Any, ...]] = []
    nkeys = 1500 if hasher_kind == "stable" else 300
    if hasher_kind == "collide":  # a sliding window: overflow everywhere, then sparse
        for k in range(300):
            ops += [("set", k, 1), ("del", k - 20)]
    ops += long_script(rng, nkeys, 3000 if hasher_kind == "stable" else 1500, nan=0.03,
                       signed_zeros=None, next_stop=30, drop=0.995)
    py, _ = run_both_classic(ops, 7, hasher_kind, 0, LAYOUTS[0])
    seen = {entry[0] for entry in py.log}
    assert {"hashGrow", "growWork", "evacuate", "growDone", "iterInit", "emptyRest"} <= seen
    if hasher_kind == "collide":
        assert any(e[0] == "hashGrow" and "'same_size': True" in e[1] for e in py.log)


@pytest.mark.parametrize("n", [53, 105, 209, 417])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_iterator_protocol_walks_a_growth_in_progress_alike(n: int, seed: int) -> None:
    """``next(it)`` (the native tp_iternext, with its in-bucket fast step) against the
    reference while a growth is under way: an iterator started just after ``hashGrow``
    walks old buckets that are not evacuated (``checkBucket``) and evacuated ones,
    while sets and deletes go on evacuating between its steps."""
    rng = random.Random(seed)
    ops: list[tuple[Any, ...]] = [("set", k, k) for k in range(n)]  # n - 1 = 6.5 * 2^B
    ops += [("iter",)]
    for _ in range(60):
        ops.append(("next", 0, rng.choice([1, 3, 5, 7])))
        ops.append(("set", n + rng.randrange(n), 0) if rng.random() < 0.5
                   else ("del", rng.randrange(2 * n)))
    ops.append(("next", 0, 2 * n + 1))
    py, _ = run_both_classic(ops, seed, "stable", 0, LAYOUTS[0])
    seen = {entry[0] for entry in py.log}
    assert {"hashGrow", "evacuate", "iterInit"} <= seen


def test_user_hash_and_eq_raising_leave_both_backends_alike() -> None:
    """The contract test's Fragile keys, with the state compared after every op."""
    rng = random.Random(3)
    ops: list[tuple[Any, ...]] = []
    for _ in range(1500):
        ops.append(("arm", rng.randrange(8)) if rng.random() < 0.3 else
                   ("set", Key(rng.randrange(40)), rng.randrange(9)) if rng.random() < 0.6 else
                   ("del", Key(rng.randrange(40))))
    py = ClassicSide(HMap, 1, "stable", 0, LAYOUTS[0], False)
    c = ClassicSide(NativeHMap, 1, "stable", 0, LAYOUTS[0], False)
    raised = run_both_raising(py, c, ops, rng)
    assert raised > 50


def test_incrnoverflow_draws_at_B_16_alike() -> None:
    """From B 16 on, incrnoverflow counts at random: the same rand calls on both."""
    ops: list[tuple[Any, ...]] = [("set", i * 131072, i) for i in range(40)]  # one chain
    py, c = run_both_classic([], 5, "stable", 300_000, LAYOUTS[1])  # B = 16
    for op in ops:
        assert outcome(py, op) == outcome(c, op)
    assert py.log == c.log
    assert py.h.B >= 16 and py.h.noverflow == c.h.noverflow
    assert repr(py.h.snapshot()) == repr(c.h.snapshot())


def test_default_hasher_in_c_is_bit_identical() -> None:
    from gomap import _native  # type: ignore[attr-defined]
    from gomap.hashing import _stable_bytes_hash

    rng = random.Random(1)
    for _ in range(300):
        b = bytes(rng.randrange(256) for _ in range(rng.randrange(200)))  # words and tails
        assert _native.stable_bytes_hash(b) == _stable_bytes_hash(b)
    keys: list[Any] = [0, -1, -2, 2**63, -(2**70), 1.5, -0.0, math.inf, "", "héllo", "\udcff",
                       True, None, (1, "a"), frozenset({1}), b"xy", 10**30]
    for stable in (False, True):
        for seed in (0, 1, 0xFFFFFFFF):
            rand = default_rand(seed)
            hasher = DefaultHasher(rand, stable=stable)
            h = NativeHMap(0, hasher=hasher, rand=rand)
            prand = default_rand(seed)
            py = HMap(0, hasher=DefaultHasher(prand, stable=stable), rand=prand)
            for k in keys:
                h.assign(k, 1)
                py.assign(k, 1)
            assert repr(h.snapshot()) == repr(py.snapshot())


def test_goMap_native_is_the_default_and_python_can_be_forced(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("GOMAP_BACKEND", raising=False)
    assert GoMap(impl="classic").backend == "native"
    assert isinstance(GoMap(impl="classic").engine, NativeHMap)
    assert GoMap(impl="classic", backend="python").backend == "python"
    assert GoMap(impl="swiss").backend == "native"  # tests/test_native_swiss.py
    with pytest.raises(ValueError, match="unknown backend"):
        GoMap(impl="classic", backend="rust")
    monkeypatch.setenv("GOMAP_BACKEND", "python")
    assert GoMap(impl="classic").backend == "python"
    monkeypatch.setenv("GOMAP_BACKEND", "cobol")
    with pytest.raises(ValueError, match="GOMAP_BACKEND"):
        GoMap(impl="classic")


@pytest.mark.parametrize(("impl", "space"), [("classic", 3000), ("swiss", 5000)])
def test_accounted_memory_is_the_same_on_both_backends(impl: str, space: int) -> None:
    rng = random.Random(4)
    maps = [GoMap(impl=impl, seed=3, key_type="int64", value_type="string", backend=b)
            for b in ("python", "native")]
    for step in range(20000):
        k = rng.randrange(space)
        for m in maps:
            if step % 3:
                m[k] = "v"
            else:
                m.delete(k)
        if step % 997 == 0:
            its = [iter(m) for m in maps]
            for it in its:
                next(it, None)
    a, b = (m.memory() for m in maps)
    assert a == b
    assert maps[0].snapshot() == maps[1].snapshot()
    assert sorted(maps[0].items(), key=repr) == sorted(maps[1].items(), key=repr)
    maps[1].engine.check_invariants()


@pytest.mark.parametrize(("impl", "space"), [("classic", 5000), ("swiss", 20000)])
def test_references_stay_flat_over_a_million_operations(impl: str, space: int) -> None:
    """No leak of keys, elems, buckets or tables: object counts, a sample key's
    refcount and traced memory come back to where they were."""
    sample = "sample-key-" + str(random.random())
    elem = object()

    def churn(n: int) -> None:
        m = GoMap(impl=impl, seed=1)
        assert m.backend == "native"
        for i in range(n):
            k = i % space
            m[k] = elem
            m[sample] = elem
            if i % 3 == 0:
                m.delete(k)
            if i % 1000 == 0:
                it = m.engine.iterator()
                it.next()
            if i % 5000 == 0:
                m.get(math.nan)
                m[math.nan] = elem
            if i % 250_000 == 0:
                m.clear()
        del m

    churn(10_000)  # warm caches
    gc.collect()
    refs_key, refs_elem = sys.getrefcount(sample), sys.getrefcount(elem)
    objects = len(gc.get_objects())
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    churn(1_000_000 // 3)
    gc.collect()
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    assert sys.getrefcount(sample) == refs_key
    assert sys.getrefcount(elem) == refs_elem
    assert abs(len(gc.get_objects()) - objects) < 50
    assert after - before < 64 * 1024, f"{after - before} bytes not given back"


def test_native_events_follow_the_declared_schema() -> None:
    from gomap.events import check_event

    seen: set[str] = set()

    def check(event: str, details: dict[str, Any]) -> None:
        check_event("classic", event, details)
        seen.add(event)

    h = NativeHMap(0, subscribers=[check], hasher=collide_hasher([]), rand=default_rand(2))
    it = None
    for k in range(600):
        h.assign(k, k)
        if k == 300:
            it = h.iterator()
        if k % 3 == 0:
            h.delete(k - 20)
    assert it is not None and it.next() is not None
    for k in range(600):
        h.delete(k)
    h.assign(1, 1)
    h.clear()
    assert seen >= {"seed", "makemap", "firstBucket", "newoverflow", "emptyOne", "emptyRest",
                    "clear", "hashGrow", "growWork", "evacuate", "growDone", "iterInit"}


def test_stats_are_the_same_on_both_backends() -> None:
    assert_stats_alike(HMap(0, rand=default_rand(1)), NativeHMap(0, rand=default_rand(1)),
                       5000, 800)


@pytest.mark.parametrize(("key", "value", "pattern"), SIMULATE_CASES)
def test_simulate_reports_are_the_same_on_both_backends(
    key: str, value: str, pattern: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The simulator's C loop (native backend) against its Python loop, whole report."""
    simulate_on_both_backends("classic", key, value, pattern, monkeypatch)
