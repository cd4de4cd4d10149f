"""A hint-sized map costs what is written into it: Go's makemap / NewMap rules for
huge hints, and sparse bucket arrays and directories (untouched buckets and tables
counted, not built) that reach the same states as dense ones. (Go's type limits:
layout/test_type_limits.py.)"""

from __future__ import annotations

import random
from typing import Any

import pytest

import gomap.classic.hmap as hmap_mod
import gomap.swiss.map as swiss_mod
from gomap import GoMap
from gomap.classic.hmap import SparseBucketArray
from gomap.layout.maplayout import map_layout
from gomap.memory import accounted_engine
from gomap.swiss.sparse import SparseDirectory
from tests.support.oracle import require_go

IMPLS = ["classic", "swiss"]
INT64 = map_layout("int64", "int64")


def engine(impl: str, hint: int, seed: int = 1, layout: Any = INT64) -> Any:
    from gomap.hashing import DefaultHasher, default_rand

    r = default_rand(seed)
    return accounted_engine(impl, hint, layout, hasher=DefaultHasher(r, stable=True), rand=r)


def built(e: Any) -> int:
    """How many buckets (classic) or tables (Swiss) exist as objects."""
    raw = e.engine
    if e.impl == "classic":
        arr = raw.buckets
        return dict.__len__(arr) if isinstance(arr, SparseBucketArray) else len(arr or ())
    d = raw.directory
    return len(d.tables()) if isinstance(d, SparseDirectory) else len({id(t) for t in d})


# --- Go's rules for huge hints -------------------------------------------------------------
def test_a_hint_of_1e9_costs_what_go_allocates_but_builds_only_what_is_touched() -> None:
    # Go 1.23 makemap: B = 28, 2^28 + 2^24 buckets of 144 B (page-rounded), hmap, mapextra.
    # Go 1.27 NewMap: 2^21 tables of 1024 slots: 32 B header + 128 groups of 136 B (18432
    # B size class) each, and an 8 B-per-entry directory.
    want = {"classic": (2**28 + 2**24) * 144 + 48 + 24,
            "swiss": 48 + 8 * 2**21 + 2**21 * (32 + 18432)}
    for impl in IMPLS:
        e = engine(impl, 10**9)
        assert e.memory().live_bytes == want[impl]
        for i in range(1000):
            e.assign(i * 7919, i)
        e.check_invariants()
        assert len(e) == 1000
        assert built(e) <= 1000  # in proportion to the writes, not to the hint
        assert e.memory().live_bytes == want[impl]  # nothing grew


def test_swiss_refuses_hints_larger_than_max_alloc_with_an_empty_map() -> None:
    # NewMap: dirSize 2^31 tables * 1024 slots * 136 B > maxAlloc (2^48): an empty map.
    e = engine("swiss", 10**12)
    assert e.engine.dir_len == 0 and e.memory().live_bytes == 48
    e.assign(1, 1)
    assert e.engine.small is not None
    # and just below the limit, a real (sparse) directory
    assert engine("swiss", 10**11).engine.dir_len == 2**27


def test_classic_treats_a_hint_too_large_to_allocate_as_zero() -> None:
    # makemap: hint * t.Bucket.Size_ > maxAlloc -> hint = 0
    e = engine("classic", (1 << 48) // 144 + 1)
    assert e.engine.B == 0 and e.engine.buckets is None
    big = engine("classic", (1 << 48) // 144)
    assert big.engine.B == 39 and isinstance(big.engine.buckets, SparseBucketArray)


def test_gomap_with_a_huge_hint_stays_usable() -> None:
    for impl in IMPLS:
        m = GoMap(impl=impl, hint=10**9, key_type="int64", value_type="int64", seed=1)
        for i in range(500):
            m[i] = i
        assert sorted(m) == list(range(500))  # iteration skips untouched buckets/tables
        for i in range(0, 500, 2):
            del m[i]
        m.check_invariants()
        m.clear()
        assert len(m) == 0
        m[7] = 7
        assert list(m.items()) == [(7, 7)]


# --- sparse structures change nothing but the cost -----------------------------------------
def _script(seed: int, n: int) -> list[tuple[str, int]]:
    rng = random.Random(seed)
    ops: list[tuple[str, int]] = []
    for _ in range(n):
        x = rng.random()
        op = "set" if x < 0.6 else "del" if x < 0.9 else "iter" if x < 0.97 else "clear"
        ops.append((op, rng.randrange(1500)))
    return ops


def _run(impl: str, hint: int, ops: list[tuple[str, int]], check_every: int = 1
         ) -> tuple[Any, list[Any]]:
    e = engine(impl, hint, seed=3)
    seen: list[Any] = []
    for step, (op, k) in enumerate(ops):
        if op == "set":
            e.assign(k, k)
        elif op == "del":
            e.delete(k)
        elif op == "clear":
            e.clear()
        else:
            it = e.iterator()
            order = []
            while (kv := it.next()) is not None:
                order.append(kv[0])
            seen.append(order)
        if step % check_every == 0:
            e.check_invariants()
    e.check_invariants()
    seen.append(e.memory().live_bytes)
    seen.append(e.memory().allocated_bytes)
    return e, seen


@pytest.mark.parametrize("impl", IMPLS)
def test_sparse_arrays_and_directories_reach_the_same_states_as_dense_ones(
        impl: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # sparse storage is the Python engines' (the C classic engine allocates for real)
    monkeypatch.setenv("GOMAP_BACKEND", "python")
    hint = 3000 if impl == "classic" else 9000
    every = 5 if impl == "classic" else 25  # a full check walks every slot of the hint
    ops = _script(11, 2500)
    dense, dense_seen = _run(impl, hint, ops, every)
    monkeypatch.setattr(hmap_mod, "SPARSE_MIN_BUCKETS", 1)
    monkeypatch.setattr(swiss_mod, "SPARSE_MIN_TABLES", 1)
    sparse, sparse_seen = _run(impl, hint, ops, every)
    raw = sparse.engine
    assert isinstance(raw.buckets if impl == "classic" else raw.directory,
                      (SparseBucketArray, SparseDirectory))
    assert sparse_seen == dense_seen  # iteration orders and bytes, step for step
    assert sparse.engine.snapshot() == dense.engine.snapshot()


def test_a_sparse_swiss_directory_grows_and_splits_like_a_dense_one(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # 9 tables' worth of hint, then far more keys: tables grow, split, the directory
    # doubles while most NewMap tables are still untouched.
    ops = [("set", i) for i in range(30000)] + [("iter", 0)]
    dense, dense_seen = _run("swiss", 9000, ops, check_every=5000)
    monkeypatch.setattr(swiss_mod, "SPARSE_MIN_TABLES", 1)
    sparse, sparse_seen = _run("swiss", 9000, ops, check_every=5000)
    assert sparse.engine.global_depth > 4  # the directory grew
    assert sparse_seen == dense_seen
    assert sparse.engine.snapshot() == dense.engine.snapshot()


@pytest.mark.oracle
@pytest.mark.parametrize("impl", IMPLS)
def test_a_sparse_hinted_map_is_byte_exact_with_the_runtime(impl: str) -> None:
    from gomap.oracle.memory_driver import replay_memory
    from gomap.oracle.toolchain import GO_VERSIONS
    from gomap.sim.ops import CLEAR, DEL, GET, MAKE, RANGE, SET

    require_go(GO_VERSIONS[f"mem{impl}"])
    # 10^7: a 2^21-bucket array (classic) / 16384 tables (Swiss): both sparse.
    ops = [(MAKE, 10_000_000)] + [(SET, i * 7919) for i in range(1000)]
    ops += [(DEL, i * 7919) for i in range(0, 1000, 3)] + [(RANGE, None), (GET, 5), (CLEAR, None)]
    ops += [(SET, i) for i in range(100)]
    r = replay_memory(impl, "int64", "int64", [("sparse-hinted", ops)])
    assert r.ok, r.divergence
    assert r.maps[0].live_bytes == r.maps[0].runtime_live_bytes > 300_000_000
