"""Injected hashers that force collisions: same H1 (long probe sequences), same H2
(false control-byte matches), and both at once."""

from __future__ import annotations

import random
from collections.abc import Callable

import pytest

from gomap.hashing import default_rand, mix64
from gomap.swiss import CTRL_DELETED, CTRL_EMPTY, SwissMap

Hasher = Callable[[object, int], int]


def same_h1(k: object, seed: int) -> int:
    """Every key starts probing at the same group; H2 and the top bits vary."""
    h = mix64(hash(k) ^ seed)
    return h & ~(((1 << 50) - 1) << 7)  # clear H1's low 50 bits, keep top 7 and H2


def same_h2(k: object, seed: int) -> int:
    """Every key has H2 == 0x2A: each control-byte match must be checked by ==."""
    return (mix64(hash(k) ^ seed) & ~0x7F) | 0x2A


def constant(k: object, seed: int) -> int:
    """Every key hashes the same: one probe sequence, one table, H2 always equal."""
    return 0x1234_5678_9ABC_DE2A


HASHERS = {"same_h1": same_h1, "same_h2": same_h2, "constant": constant}


@pytest.mark.parametrize("name", sorted(HASHERS))
@pytest.mark.parametrize("key_kind", ["generic", "fast64"])
def test_colliding_keys_behave_like_a_dict(name: str, key_kind: str) -> None:
    hasher = HASHERS[name]
    n = 300 if name == "constant" else 1500
    m = SwissMap(hasher=hasher, rand=default_rand(1), key_kind=key_kind)
    d: dict[int, int] = {}
    rng = random.Random(name)
    for step in range(4 * n):
        k = rng.randrange(n)
        r = rng.random()
        if r < 0.55:
            m.assign(k, step)
            d[k] = step
        elif r < 0.85:
            m.delete(k)
            d.pop(k, None)
        else:
            assert m.lookup(k) == ((True, d[k]) if k in d else (False, None))
        if step % 400 == 0:
            m.check_invariants()
    m.check_invariants()
    assert dict(m.iterator()) == d
    assert len(m) == len(d)


def test_same_h1_fills_groups_along_the_triangular_probe_sequence() -> None:
    m = SwissMap(100, hasher=same_h1, rand=default_rand(1))  # one 128-slot table
    for i in range(40):
        m.assign(i, i)
    groups = m.snapshot()["tables"][0]["groups"]
    full = [sum(c < CTRL_EMPTY for c in g["ctrl"]) for g in groups]
    start = (same_h1(0, m.seed) >> 7) & 15
    seq = [start]
    for i in range(1, 5):
        seq.append((seq[-1] + i) & 15)
    # 40 keys fill the first five groups of the shared probe sequence, 8 each.
    assert [full[g] for g in seq] == [8, 8, 8, 8, 8]
    assert sum(full) == 40
    for i in range(40):
        assert m.lookup(i) == (True, i)


def test_same_h2_false_matches_are_resolved_by_key_comparison() -> None:
    m = SwissMap(hasher=same_h2, rand=default_rand(1))
    for i in range(8):
        m.assign(i, i)
    assert m.snapshot()["small"]["ctrl"] == [0x2A] * 8
    assert m.lookup(8) == (False, None)
    m.assign(3, "x")
    assert m.lookup(3) == (True, "x") and len(m) == 8


def test_constant_hash_deletes_leave_tombstones_along_the_chain() -> None:
    m = SwissMap(hasher=constant, rand=default_rand(1))
    for i in range(100):
        m.assign(i, i)
    t = m.snapshot()["tables"][0]
    for i in range(0, 100, 2):
        m.delete(i)
    s = m.snapshot()["tables"][0]
    ctrl = [c for g in s["groups"] for c in g["ctrl"]]
    # Only the last group of the chain had empty slots; the others got tombstones.
    assert ctrl.count(CTRL_DELETED) >= 40
    assert s["used"] == 50 and s["capacity"] == t["capacity"]
    for i in range(1, 100, 2):
        assert m.lookup(i) == (True, i)
    for i in range(0, 100, 2):
        assert m.lookup(i) == (False, None)
    m.check_invariants()
    # Re-inserting fills the tombstones of the chain first (free of growth), then
    # the empty slots at its end: the table ends as it was before the deletes.
    for i in range(0, 100, 2):
        m.assign(i, -i)
    s2 = m.snapshot()["tables"][0]
    assert s2["capacity"] == t["capacity"] and s2["growth_left"] == t["growth_left"]
    assert s2["tombstones"] == 0
    m.check_invariants()
