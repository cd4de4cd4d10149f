"""``AccountedEngine.rebuilt_memory`` (the simulator's "never shrinks" account, which
counts the keys into the new map's buckets or tables instead of copying them) gives
exactly what ``rebuild()`` (the ops' ``rebuild``, which the memory oracle checks
against Go) gives: the new map's memory figures and capacity, on twin maps with the
same operations, seed and random source."""

from __future__ import annotations

import random
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from gomap.layout.maplayout import map_layout
from gomap.memory import AccountedEngine
from tests.support.differential import native_or_skip

native_or_skip()

PAIRS = [("int64", "int64"), ("string", "int64"), ("int64", "string"),
         ("int64", "[20]int64"), ("string", "[8]string"), ("float64", "struct{}")]


def _key(key: str, rng: random.Random, space: int) -> Any:
    n = rng.randrange(space)
    if key == "string":
        return f"k{n}"
    if key == "float64":
        return n + 0.5
    return n * 7919 - space


class _Few:
    """A hasher with ``ways`` values in the bits that pick a classic bucket: chains long
    enough to start a same-size growth."""

    def __init__(self, ways: int) -> None:
        self.ways = ways

    def __call__(self, key: Any, seed: int) -> int:
        return ((hash(key) % self.ways) * 0x9E3779B97F4A7C15 ^ seed) & (2**64 - 1)


class _OneTable:
    """A hasher whose top byte is the same for every key: the directory of a Swiss map
    made for many keys sends them all to its first table, which would grow and split."""

    def __call__(self, key: Any, seed: int) -> int:
        h = (hash(key) * 0x9E3779B97F4A7C15) & (2**56 - 1)
        return (h ^ seed) & (2**56 - 1)


def _twins(impl: str, key: str, elem: str, script: list[tuple[str, int]], seed: int,
           hasher: Any = None) -> list[AccountedEngine]:
    out = []
    for _ in range(2):
        draws = random.Random(seed)
        opts: dict[str, Any] = {"rand": lambda d=draws: d.getrandbits(64), "backend": "native"}
        if hasher is not None:
            opts["hasher"] = hasher
        e = AccountedEngine(impl, 0, map_layout(key, elem),
                            unbox_int_keys=key == "int64", **opts)
        rng = random.Random(seed)
        for op, space in script:
            if op == "set":
                for _ in range(space):
                    e.assign(_key(key, rng, 4 * space + 1), 1 if elem == "int64" else None)
            elif op == "del":
                for _ in range(space):
                    e.delete(_key(key, rng, 4 * space + 1))
            else:
                e.clear()
        out.append(e)
    return out


def _check(impl: str, key: str, elem: str, script: list[tuple[str, int]], seed: int,
           hasher: Any = None) -> None:
    counted, copied = _twins(impl, key, elem, script, seed, hasher)
    assert counted.memory() == copied.memory()
    mem, cap = counted.rebuilt_memory()
    fresh = copied.rebuild()
    assert (mem, cap) == (fresh.memory(), fresh.stats().capacity)
    # the maps the loop ran over stay alike (the census ran the same range)
    assert counted.memory() == copied.memory()


def _census(impl: str, n: int, hasher: Any) -> tuple[Any, int]:
    """What the census says for a map of about ``n`` keys, and its key count."""
    e, _ = _twins(impl, "int64", "int64", [("set", n)], 5, hasher)
    return e._rebuild_target().engine._rebuild_census(e.iterator()), len(e.engine)


scripts = st.lists(st.tuples(st.sampled_from(["set", "set", "del", "clear"]),
                             st.integers(0, 700)), min_size=1, max_size=5)


@pytest.mark.parametrize("impl", ["classic", "swiss"])
@pytest.mark.parametrize("key,elem", PAIRS)
@settings(max_examples=25, deadline=None)
@given(script=scripts, seed=st.integers(0, 2**32))
@example(script=[("set", 700), ("set", 700)], seed=1)
@example(script=[("set", 9)], seed=2)
@example(script=[("set", 700), ("del", 600)], seed=3)
def test_the_counted_rebuild_is_the_copied_one(impl: str, key: str, elem: str,
                                               script: list[tuple[str, int]], seed: int) -> None:
    _check(impl, key, elem, script, seed)


@pytest.mark.parametrize("ways", [1, 3, 40])
def test_long_classic_chains_are_counted(ways: int) -> None:
    """Few hash values: long chains, hundreds of overflow buckets, the pre-allocated
    ones first. Below B = 16 a same-size growth can never start during the copy (the
    chains need fewer than 2^B overflow buckets), so the census accounts them."""
    counted, n = _census("classic", 3000, _Few(ways))
    assert counted == n > 2000
    _check("classic", "int64", "int64", [("set", 3000)], 5, _Few(ways))


def test_a_sampled_overflow_count_is_drawn_as_the_copy_draws_it() -> None:
    """From B = 16 noverflow is sampled: each overflow bucket draws from the map's
    rand. The census draws as many, in the same order, so the random source is
    where the copy leaves it (the next draws are equal) and the figures are equal."""
    counted, copied = _twins("classic", "int64", "int64", [("set", 300_000)], 5, _Few(200))
    assert counted.engine.B >= 16
    new = counted._rebuild_target()
    assert new.engine._rebuild_census(counted.iterator()) == len(counted.engine)
    fresh = copied.rebuild()
    assert new.memory() == fresh.memory() and new.engine.noverflow == fresh.engine.noverflow > 0
    assert counted.engine.rand() == copied.engine.rand()


def test_keys_that_would_grow_a_swiss_table_are_copied() -> None:
    """Every key in the first of the four tables made for 3,000 keys: it would grow
    and split; the census says so and the keys are copied."""
    assert _census("swiss", 3000, _OneTable())[0] is None
    _check("swiss", "int64", "int64", [("set", 3000)], 5, _OneTable())


@pytest.mark.parametrize("impl", ["classic", "swiss"])
def test_a_big_map_is_counted_not_copied(impl: str) -> None:
    """The census path is the one taken for an ordinary map: the new map holds no key,
    and its figures are the copy's."""
    counted, copied = _twins(impl, "int64", "int64", [("set", 60_000)], 9)
    n = len(counted.engine)
    new = counted._rebuild_target()
    assert new.engine._rebuild_census(counted.iterator()) == n > 50_000
    assert len(new.engine) == 0 and new.acct.entries == n
    fresh = copied.rebuild()
    assert new.memory() == fresh.memory()
