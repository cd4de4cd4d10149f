"""Every inlined copy of a named Go function (marked ``# inlined:``) reaches exactly
the state the named function reaches: random operations through the fast engine
and through its reference twin, which calls the named functions, must leave equal
snapshots and give equal answers after every step."""

from __future__ import annotations

import random
from typing import Any

import pytest

from gomap.classic.debug import ReferenceHMap
from gomap.classic.hmap import HMap
from gomap.hashing import default_rand
from gomap.swiss.debug import ReferenceSwissMap
from gomap.swiss.map import KEY_KINDS, SwissMap

M64 = (1 << 64) - 1


def crowded_hasher(spread: int) -> Any:
    """Few distinct hashes: long probe sequences, many H2 matches, full groups."""

    def h(key: Any, seed: int) -> int:
        x = (hash(key) % spread) * 0x9E3779B97F4A7C15 + seed
        return (x ^ (x >> 29)) & M64

    return h


def drive(fast: Any, ref: Any, seed: int, steps: int) -> None:
    rng = random.Random(seed)
    iters: list[tuple[Any, Any]] = []
    for step in range(steps):
        r = rng.random()
        k = rng.randrange(3000)
        if r < 0.45:
            fast.assign(k, step)
            ref.assign(k, step)
        elif r < 0.7:
            fast.delete(k)
            ref.delete(k)
        elif r < 0.93:
            assert fast.lookup(k) == ref.lookup(k), f"step {step}: lookup({k})"
        elif r < 0.95:
            iters.append((fast.iterator(), ref.iterator()))
        elif r < 0.99 and iters:
            a, b = iters[rng.randrange(len(iters))]
            for _ in range(rng.randrange(1, 40)):
                assert a.next() == b.next(), f"step {step}: iterator step"
        elif r >= 0.998:
            fast.clear()
            ref.clear()
        if step % 25 == 0 or step == steps - 1:
            assert fast.snapshot() == ref.snapshot(), f"state differs after step {step}"
            fast.check_invariants()


@pytest.mark.parametrize("key_kind", KEY_KINDS)
@pytest.mark.parametrize("spread", [50, 100_000])
def test_swiss_inlined_paths_equal_the_named_functions(key_kind: str, spread: int) -> None:
    for seed in range(3):
        h = crowded_hasher(spread)
        fast = SwissMap(hasher=h, rand=default_rand(seed), key_kind=key_kind)
        ref = ReferenceSwissMap(hasher=h, rand=default_rand(seed), key_kind=key_kind)
        drive(fast, ref, seed, 6000)


@pytest.mark.parametrize("spread", [50, 100_000])
def test_classic_inlined_lookup_equals_the_named_functions(spread: int) -> None:
    for seed in range(3):
        h = crowded_hasher(spread)
        drive(HMap(hasher=h, rand=default_rand(seed)),
              ReferenceHMap(hasher=h, rand=default_rand(seed)), seed, 6000)


def test_the_reference_map_really_takes_the_named_paths(monkeypatch: pytest.MonkeyPatch) -> None:
    from gomap.swiss import table

    calls: dict[str, int] = {"get_without_key": 0, "put_slot": 0, "unchecked_put_slot": 0}
    for name in calls:
        real = getattr(table.Table, name)

        def counted(*a: Any, _real: Any = real, _name: str = name, **kw: Any) -> Any:
            calls[_name] += 1
            return _real(*a, **kw)

        monkeypatch.setattr(table.Table, name, counted)
    m = ReferenceSwissMap(rand=default_rand(1))
    for i in range(3000):
        m.assign(i, i)
    assert m.lookup(7) == (True, 7)
    assert all(n > 0 for n in calls.values()), calls
