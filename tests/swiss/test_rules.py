"""One test per rule of Go 1.27's Swiss map (internal/runtime/maps), named after it."""

from __future__ import annotations

import math
from typing import Any

import pytest

from gomap.errors import InvariantError
from gomap.hashing import DefaultHasher, default_rand
from gomap.swiss import CTRL_DELETED, CTRL_EMPTY, SwissMap
from gomap.swiss.group import ProbeSeq, align_up_pow2, h1, h2


class Draws:
    """A rand() that records every draw."""

    def __init__(self, seed: int = 1) -> None:
        self._rand = default_rand(seed)
        self.draws: list[int] = []

    def __call__(self) -> int:
        v = self._rand()
        self.draws.append(v)
        return v


def hash_of(group: int, h2_: int, top: int = 0) -> int:
    """A hash whose H1 starts probing at ``group`` (of a small table) with H2 ``h2_``;
    ``top`` sets the highest bits (the directory index)."""
    return (top << 56) | (group << 7) | h2_


def table_map(hashes: dict[Any, int], hint: int = 9, key_kind: str = "fast64") -> SwissMap:
    """A map with one 16-slot table (2 groups) and hashes chosen per key."""
    return SwissMap(hint, hasher=lambda k, s: hashes[k], rand=default_rand(3), key_kind=key_kind)


def spread_map(**kw: Any) -> SwissMap:
    rand = default_rand(11)
    return SwissMap(hasher=DefaultHasher(rand), rand=rand, **kw)


def full_slots(m: SwissMap) -> int:
    return sum(1 for t in m.snapshot()["tables"] for g in t["groups"]
               for c in g["ctrl"] if c < CTRL_EMPTY)


# -- creation ---------------------------------------------------------------------


def test_make_without_hint_allocates_nothing() -> None:
    m = spread_map()
    s = m.snapshot()
    assert (s["small"], s["directory"], s["tables"], s["dir_len"]) == (None, [], [], 0)
    assert s["global_shift"] == 0  # Go's zero value until a table exists
    m.check_invariants()


def test_make_with_hint_up_to_eight_allocates_nothing() -> None:
    m = SwissMap(8, rand=default_rand(1))
    assert m.snapshot()["small"] is None and m.dir_len == 0


@pytest.mark.parametrize(
    ("hint", "groups"),
    [(9, 2), (12, 2), (14, 2), (15, 4), (24, 4), (29, 8), (896, 128)],
)
def test_hint_sizes_one_table_to_hold_hint_entries(hint: int, groups: int) -> None:
    # TestTableGroupCount: capacity = alignUpPow2(hint*8/7).
    m = spread_map()
    m = SwissMap(hint, rand=default_rand(2))
    (t,) = m.snapshot()["tables"]
    assert len(t["groups"]) == groups
    assert t["growth_left"] == groups * 8 * 7 // 8
    for i in range(hint):
        m.assign(i, i)
    assert len(m.snapshot()["tables"][0]["groups"]) == groups  # no growth up to hint
    m.check_invariants()


def test_large_hint_builds_a_directory_of_tables() -> None:
    # targetCapacity 2285 -> dirSize ceil(2285/1024)=3 -> 4 tables of 571 -> 1024 slots.
    m = SwissMap(2000, rand=default_rand(2))
    s = m.snapshot()
    assert (s["dir_len"], s["global_depth"], s["global_shift"]) == (4, 2, 62)
    assert [t["capacity"] for t in s["tables"]] == [1024] * 4
    assert [t["local_depth"] for t in s["tables"]] == [2] * 4
    assert [t["index"] for t in s["tables"]] == [0, 1, 2, 3]
    assert s["directory"] == [0, 1, 2, 3]
    m.check_invariants()


def test_negative_hint_is_zero() -> None:
    assert SwissMap(-5, rand=default_rand(1)).snapshot()["small"] is None


def test_creation_draws_the_seed_once() -> None:
    r = Draws()
    m = SwissMap(rand=r)
    assert r.draws == [m.seed]


# -- small map --------------------------------------------------------------------


def test_first_insert_allocates_the_small_group() -> None:
    m = spread_map()
    m.assign("a", 1)
    s = m.snapshot()
    assert s["small"] is not None and s["dir_len"] == 0 and s["directory"] == []
    assert sum(c < CTRL_EMPTY for c in s["small"]["ctrl"]) == 1


def test_small_map_fills_all_eight_slots_in_order() -> None:
    m = spread_map()
    for i in range(8):
        m.assign(i, -i)
    s = m.snapshot()["small"]
    assert s["keys"] == list(range(8))
    assert all(c == m.hasher(k, m.seed) & 0x7F for c, k in zip(s["ctrl"], s["keys"], strict=True))
    m.check_invariants()


def test_ninth_insert_moves_small_group_to_table() -> None:
    events: list[tuple[str, dict[str, Any]]] = []
    m = spread_map(observer=lambda e, d: events.append((e, d)))
    for i in range(9):
        m.assign(i, i)
    s = m.snapshot()
    assert s["small"] is None and s["dir_len"] == 1 and s["global_shift"] == 64
    (t,) = s["tables"]
    assert (t["capacity"], t["used"], t["growth_left"], t["local_depth"], t["index"]) == (
        16, 9, 14 - 9, 0, 0)
    assert ("smallToTable", {"used": 8, "capacity": 16}) in events
    m.check_invariants()


def test_small_map_update_does_not_grow() -> None:
    m = spread_map()
    for i in range(8):
        m.assign(i, i)
    m.assign(3, "x")
    assert m.dir_len == 0 and m.lookup(3) == (True, "x")


def test_small_map_delete_empties_slot_without_tombstone() -> None:
    m = spread_map()
    for i in range(8):
        m.assign(i, i)
    m.delete(2)
    s = m.snapshot()
    assert s["small"]["ctrl"][2] == CTRL_EMPTY and not s["tombstone_possible"]
    m.assign(100, 1)  # reuses the slot at once
    assert m.snapshot()["small"]["keys"][2] == 100
    m.check_invariants()


# -- groups and probing -----------------------------------------------------------


def test_h1_h2_split_the_hash() -> None:
    h = 0xDEADBEEF_12345678
    assert h2(h) == h & 0x7F and h1(h) == h >> 7


def test_probe_sequence_is_triangular_and_visits_every_group() -> None:
    for groups in (1, 2, 8, 128):
        seq = ProbeSeq(5, groups - 1)
        seen = []
        for _ in range(groups):
            seen.append(seq.offset)
            seq.next()
        assert sorted(seen) == list(range(groups))
    seq = ProbeSeq(3, 15)
    offsets = [seq.offset] + [seq.next().offset for _ in range(4)]
    assert offsets == [3, 4, 6, 9, 13]  # h1, +1, +2, +3, +4


def test_align_up_pow2() -> None:
    assert [align_up_pow2(n) for n in (0, 1, 2, 3, 9, 1024, 1025)] == [0, 1, 2, 4, 16, 1024, 2048]


def test_control_byte_of_a_full_slot_is_h2() -> None:
    m = table_map({"a": hash_of(1, 0x55)})
    m.assign("a", 1)
    g = m.snapshot()["tables"][0]["groups"][1]
    assert g["ctrl"][0] == 0x55 and g["keys"][0] == "a"


def test_insert_takes_first_empty_slot_on_probe_sequence() -> None:
    # 9 keys starting at group 0: 8 fill it, the 9th goes on to group 1 (0+1).
    hashes = {i: hash_of(0, i) for i in range(9)}
    m = table_map(hashes)
    for i in range(9):
        m.assign(i, i)
    groups = m.snapshot()["tables"][0]["groups"]
    assert groups[0]["keys"] == list(range(8))
    assert groups[1]["keys"][0] == 8
    assert m.lookup(8) == (True, 8)
    m.check_invariants()


def test_lookup_stops_at_a_group_with_an_empty_slot() -> None:
    hashes = {"in": hash_of(0, 1), "absent": hash_of(0, 1)}
    m = table_map(hashes)
    m.assign("in", 1)
    assert m.lookup("absent") == (False, None)


# -- deletion and tombstones ------------------------------------------------------


def test_delete_empties_slot_when_group_has_an_empty_slot() -> None:
    m = table_map({1: hash_of(0, 1), 2: hash_of(0, 2)})
    m.assign(1, 1)
    m.assign(2, 2)
    m.delete(1)
    t = m.snapshot()["tables"][0]
    assert t["groups"][0]["ctrl"][0] == CTRL_EMPTY
    assert t["growth_left"] == 14 - 1
    assert not m.tombstone_possible


def test_delete_leaves_tombstone_when_group_has_no_empty_slot() -> None:
    events: list[str] = []
    hashes = {i: hash_of(0, i) for i in range(8)}
    m = SwissMap(9, hasher=lambda k, s: hashes[k], rand=default_rand(1),
                 observer=lambda e, d: events.append(e))
    for i in range(8):
        m.assign(i, i)
    m.delete(3)
    t = m.snapshot()["tables"][0]
    assert t["groups"][0]["ctrl"][3] == CTRL_DELETED
    assert t["groups"][0]["keys"][3] is None
    assert (t["used"], t["growth_left"], t["tombstones"]) == (7, 14 - 8, 1)
    assert m.tombstone_possible and "tombstone" in events
    m.check_invariants()


def test_tombstone_keeps_later_keys_of_the_probe_sequence_findable() -> None:
    hashes = {i: hash_of(0, i) for i in range(9)}
    m = table_map(hashes)
    for i in range(9):
        m.assign(i, i)
    m.delete(0)  # group 0 is full: tombstone, so probing for 8 goes on to group 1
    assert m.lookup(8) == (True, 8)
    m.check_invariants()


def test_insert_reuses_first_tombstone_on_probe_sequence() -> None:
    hashes = {i: hash_of(0, i) for i in range(10)}
    m = table_map(hashes)
    for i in range(9):
        m.assign(i, i)
    m.delete(5)
    gl = m.snapshot()["tables"][0]["growth_left"]
    m.assign(9, 9)  # probes to group 1 (empty there), but takes the tombstone
    t = m.snapshot()["tables"][0]
    assert t["groups"][0]["keys"][5] == 9 and t["groups"][0]["ctrl"][5] == 9
    assert t["growth_left"] == gl  # reusing a tombstone costs no growth
    m.check_invariants()


def test_update_through_a_tombstone_finds_the_existing_key() -> None:
    hashes = {i: hash_of(0, 0) for i in range(10)}
    m = table_map(hashes)
    for i in range(9):
        m.assign(i, i)
    m.delete(0)
    m.assign(8, "new")  # 8 lives in group 1: must update it, not fill the tombstone
    assert len(m) == 8 and m.lookup(8) == (True, "new")
    m.check_invariants()


def test_tombstones_consume_growth_left() -> None:
    hashes = {i: hash_of(0, i) for i in range(8)}
    m = table_map(hashes)
    for i in range(8):
        m.assign(i, i)
    for i in range(4):
        m.delete(i)
    t = m.snapshot()["tables"][0]
    assert t["used"] + t["growth_left"] + t["tombstones"] == 14


# -- growth -----------------------------------------------------------------------


def test_table_grows_in_place_when_growth_left_exhausted() -> None:
    events: list[tuple[str, dict[str, Any]]] = []
    m = spread_map(observer=lambda e, d: events.append((e, d)))
    for i in range(896):
        m.assign(i, i)
    assert m.dir_len == 1 and m.snapshot()["tables"][0]["capacity"] == 1024
    grows = [d for e, d in events if e == "tableGrow"]
    assert [(d["old_capacity"], d["new_capacity"]) for d in grows] == [
        (16, 32), (32, 64), (64, 128), (128, 256), (256, 512), (512, 1024)]
    # capacity 16 holds 14, so the 15th insert grows it
    m2 = spread_map()
    for i in range(14):
        m2.assign(i, i)
    assert m2.snapshot()["tables"][0]["capacity"] == 16
    m2.assign(14, 14)
    assert m2.snapshot()["tables"][0]["capacity"] == 32


def test_table_splits_beyond_max_table_capacity() -> None:
    events: list[tuple[str, dict[str, Any]]] = []
    m = spread_map(observer=lambda e, d: events.append((e, d)))
    for i in range(896):
        m.assign(i, i)
    assert m.dir_len == 1 and m.snapshot()["tables"][0]["growth_left"] == 0
    m.assign(896, 896)
    s = m.snapshot()
    assert (s["dir_len"], s["global_depth"], s["global_shift"]) == (2, 1, 63)
    assert [(t["capacity"], t["local_depth"], t["index"]) for t in s["tables"]] == [
        (1024, 1, 0), (1024, 1, 1)]
    assert sum(t["used"] for t in s["tables"]) == 897
    names = [e for e, _ in events]
    assert names.index("directoryGrow") < names.index("split")
    m.check_invariants()


def test_split_uses_the_hash_bit_below_local_depth() -> None:
    m = spread_map()
    for i in range(897):
        m.assign(i, i)
    left, right = m.directory
    for t, bit in ((left, 0), (right, 1)):
        for idx, c in enumerate(t.ctrl):
            if c < CTRL_EMPTY:
                assert m.hasher(t.keys[idx], m.seed) >> 63 == bit


def test_split_without_directory_growth_when_local_depth_below_global() -> None:
    m = SwissMap(2000, rand=default_rand(5))  # 4 tables of 1024, global depth 2
    events: list[str] = []
    m.subscribe(lambda e, d: events.append(e))

    def fill(prefix: int, bits: int, until: Any) -> None:
        i = 0
        while not until():
            if m.hasher(i, m.seed) >> (64 - bits) == prefix:
                m.assign(i, i)
            i += 1

    # Table 0 has localDepth == globalDepth: its split doubles the directory.
    fill(0b00, 2, lambda: m.global_depth == 3)
    assert events.count("directoryGrow") == 1 and events.count("split") == 1
    assert m.snapshot()["directory"] == [0, 1, 2, 2, 3, 3, 4, 4]
    # Table 2 (prefix 10, entries 4-5) has localDepth 2 < 3: it splits in place.
    fill(0b10, 2, lambda: events.count("split") == 2)
    s = m.snapshot()
    assert events.count("directoryGrow") == 1 and s["dir_len"] == 8
    assert s["directory"] == [0, 1, 2, 2, 3, 4, 5, 5]
    assert [t["local_depth"] for t in s["tables"]] == [3, 3, 2, 3, 3, 2]
    m.check_invariants()


def test_directory_grows_and_tables_share_entries() -> None:
    m = spread_map()
    for i in range(3000):
        m.assign(i, i)
        if i % 500 == 0:
            m.check_invariants()
    s = m.snapshot()
    assert s["dir_len"] == 1 << s["global_depth"] and s["dir_len"] >= 4
    for n, t in enumerate(s["tables"]):
        entries = [i for i, x in enumerate(s["directory"]) if x == n]
        assert entries == list(range(t["index"], t["index"] + 2 ** (s["global_depth"]
                                                                       - t["local_depth"])))
    m.check_invariants()


# -- pruneTombstones --------------------------------------------------------------


def _full_table_with_tombstones(key_kind: str) -> tuple[SwissMap, list[str]]:
    """One 16-slot table: group 0 full with 2 tombstones, group 1 holding 6 keys, so
    growthLeft is 0 and 2 tombstones (>= 10% of 16) are not needed by any probe."""
    hashes = {i: hash_of(0, i) for i in range(8)}
    hashes.update({i: hash_of(1, i) for i in range(8, 15)})
    events: list[str] = []
    m = SwissMap(9, hasher=lambda k, s: hashes[k], rand=default_rand(1), key_kind=key_kind,
                 observer=lambda e, d: events.append(e + ("+" if d.get("pruned") else "")))
    for i in range(14):
        m.assign(i, i)
    m.delete(0)
    m.delete(1)
    t = m.snapshot()["tables"][0]
    assert (t["growth_left"], t["tombstones"]) == (0, 2)
    return m, events


@pytest.mark.parametrize("key_kind", ["fast32", "fast64", "faststr"])
def test_typed_fast_paths_prune_tombstones_before_growing(key_kind: str) -> None:
    m, events = _full_table_with_tombstones(key_kind)
    m.assign(14, 14)  # group 1 has an empty slot, growthLeft is 0: prune first
    t = m.snapshot()["tables"][0]
    assert t["capacity"] == 16  # no grow
    assert t["groups"][0]["ctrl"][:2] == [CTRL_EMPTY, CTRL_EMPTY]
    assert (t["growth_left"], t["tombstones"]) == (1, 0)
    assert "pruneTombstones+" in events and "tableGrow" not in events
    m.check_invariants()


def test_generic_path_never_prunes_tombstones() -> None:
    m, events = _full_table_with_tombstones("generic")
    m.assign(14, 14)  # runtime_mapassign goes straight to rehash
    t = m.snapshot()["tables"][0]
    assert t["capacity"] == 32 and t["tombstones"] == 0  # grow dropped them
    assert not any(e.startswith("pruneTombstones") for e in events)
    assert "tableGrow" in events
    m.check_invariants()


def test_prune_skipped_below_ten_percent_tombstones() -> None:
    hashes = {i: hash_of(0, i) for i in range(8)}
    hashes.update({i: hash_of(1, i) for i in range(8, 15)})
    events: list[str] = []
    m = SwissMap(9, hasher=lambda k, s: hashes[k], rand=default_rand(1), key_kind="fast64",
                 observer=lambda e, d: events.append(e + ("+" if d.get("pruned") else "")))
    for i in range(14):
        m.assign(i, i)
    m.delete(0)  # 1 tombstone: 10 < 16
    m.assign(14, 14)
    assert "pruneTombstones" in events and "pruneTombstones+" not in events
    assert m.snapshot()["tables"][0]["capacity"] == 32
    m.check_invariants()


def test_prune_keeps_tombstones_a_probe_sequence_needs() -> None:
    # Key 8 starts at group 0 but lives in group 1 (group 0 was full): group 0's
    # tombstones are needed to find it, so nothing is pruned and the table grows.
    hashes = {i: hash_of(0, i) for i in range(9)}
    hashes.update({i: hash_of(1, i) for i in range(9, 15)})
    m = SwissMap(9, hasher=lambda k, s: hashes[k], rand=default_rand(1), key_kind="fast64")
    for i in range(14):
        m.assign(i, i)
    m.delete(0)
    m.delete(1)
    m.assign(14, 14)
    assert m.snapshot()["tables"][0]["capacity"] == 32
    assert m.lookup(8) == (True, 8)
    m.check_invariants()


def test_tombstone_build_up_under_churn_is_bounded_by_pruning_and_growth() -> None:
    # TestTombstoneGrow: delete one key, insert a new one, at constant size.
    for key_kind in ("fast64", "generic"):
        events: list[str] = []
        rand = default_rand(4)
        m = SwissMap(28, hasher=DefaultHasher(rand), rand=rand, key_kind=key_kind,
                     observer=lambda e, d, ev=events: ev.append(  # type: ignore[misc]
                         e + ("+" if d.get("pruned") else "")))
        for i in range(24):
            m.assign(i, i)
        nxt = 24
        for step in range(3000):
            it = m.iterator()
            kv = it.next()
            assert kv is not None
            m.delete(kv[0])
            m.assign(nxt, nxt)
            nxt += 1
            assert len(m) == 24
            if step % 100 == 0:
                m.check_invariants()
        t = m.snapshot()["tables"][0]
        assert t["capacity"] <= 128  # tombstones never force unbounded growth
        if key_kind == "fast64":
            assert "pruneTombstones+" in events
        else:
            assert not any(e.startswith("pruneTombstones") for e in events)
        m.check_invariants()


# -- clear and seeds --------------------------------------------------------------


def test_clear_keeps_tables_resets_counters_and_reseeds() -> None:
    r = Draws(7)
    m = SwissMap(rand=r, hasher=DefaultHasher(r))
    for i in range(3000):
        m.assign(i, i)
    m.delete(5)
    before = m.snapshot()
    ndraws = len(r.draws)
    m.clear()
    s = m.snapshot()
    assert len(r.draws) == ndraws + 1 and s["seed"] == r.draws[-1] != before["seed"]
    assert s["used"] == 0 and s["clear_seq"] == 1 and not s["tombstone_possible"]
    assert s["directory"] == before["directory"]
    assert [t["capacity"] for t in s["tables"]] == [t["capacity"] for t in before["tables"]]
    for t in s["tables"]:
        assert t["growth_left"] == t["capacity"] * 7 // 8 and t["used"] == 0
        assert all(c == CTRL_EMPTY for g in t["groups"] for c in g["ctrl"])
    m.check_invariants()
    for i in range(3000):  # refilling needs no growth
        m.assign(i, i)
    assert m.snapshot()["directory"] == before["directory"]


def test_clear_of_empty_map_without_tombstones_does_nothing() -> None:
    r = Draws()
    m = SwissMap(rand=r)
    m.clear()
    assert m.clear_seq == 0 and len(r.draws) == 1


def test_clear_with_only_tombstones_left_still_clears() -> None:
    hashes = {i: hash_of(0, i) for i in range(8)}
    r = Draws()
    m = SwissMap(9, hasher=lambda k, s: hashes[k], rand=r)
    for i in range(8):
        m.assign(i, i)
    m.delete(0)
    for i in range(1, 8):
        m.delete(i)
    assert len(m) == 0 and m.tombstone_possible
    n = len(r.draws)
    m.clear()
    assert m.clear_seq == 1 and len(r.draws) == n + 1 and not m.tombstone_possible
    assert m.snapshot()["tables"][0]["tombstones"] == 0


def test_clear_small_map_zeroes_the_group() -> None:
    m = spread_map()
    m.assign(1, 1)
    m.clear()
    s = m.snapshot()
    assert s["small"] == {"ctrl": [CTRL_EMPTY] * 8, "keys": [None] * 8, "elems": [None] * 8}
    assert s["clear_seq"] == 1


def test_deleting_the_last_entry_reseeds() -> None:
    r = Draws()
    m = SwissMap(rand=r, hasher=DefaultHasher(r))
    m.assign(1, 1)
    m.assign(2, 2)
    m.delete(1)
    assert len(r.draws) == 1
    m.delete(2)
    assert len(r.draws) == 2 and m.seed == r.draws[-1]
    m.delete(3)  # empty map: no draw, no hashing
    assert len(r.draws) == 2


def test_delete_of_absent_key_keeps_seed() -> None:
    r = Draws()
    m = SwissMap(rand=r, hasher=DefaultHasher(r))
    m.assign(1, 1)
    m.delete(99)
    assert len(r.draws) == 1 and len(m) == 1


def test_iterator_on_empty_map_draws_nothing_and_yields_nothing() -> None:
    r = Draws()
    m = SwissMap(rand=r)
    it = m.iterator()
    m.assign(1, 1)  # added after Init: Go's iterator already ended
    assert it.next() is None and len(r.draws) == 1


def test_iterator_draws_entry_then_dir_offset() -> None:
    r = Draws()
    events: list[dict[str, Any]] = []
    m = SwissMap(rand=r, observer=lambda e, d: events.append(d) if e == "iterInit" else None)
    m.assign(1, 1)
    it = m.iterator()
    assert r.draws[1:] == [it.entry_offset, it.dir_offset]
    assert events[0]["entry_offset"] == r.draws[1] and events[0]["dir_offset"] == r.draws[2]


# -- keys -------------------------------------------------------------------------


def test_nan_keys_never_match_and_each_insert_adds_an_entry() -> None:
    m = spread_map()
    nan = float("nan")
    for _ in range(20):
        m.assign(nan, 1)
    assert len(m) == 20 and m.lookup(nan) == (False, None)
    m.delete(nan)
    assert len(m) == 20
    keys = [kv[0] for kv in m.iterator()]
    assert len(keys) == 20 and all(math.isnan(k) for k in keys)
    m.check_invariants()
    m.clear()
    assert len(m) == 0


def test_plus_and_minus_zero_are_one_key_and_the_key_is_updated() -> None:
    m = spread_map()
    m.assign(0.0, "a")
    m.assign(-0.0, "b")
    assert len(m) == 1 and m.lookup(0.0) == (True, "b")
    (k, v), = list(m.iterator())
    assert math.copysign(1, k) == -1 and v == "b"


def test_assignment_stores_the_new_key_object() -> None:
    m = spread_map()
    for i in range(20):
        m.assign(i, i)
    m.assign(5.0, "float")
    keys = [k for k, _ in m.iterator()]
    assert any(type(k) is float and k == 5 for k in keys)


def test_unhashable_key_raises_type_error_before_any_change() -> None:
    m = spread_map()
    before = m.snapshot()
    for op in (lambda: m.assign([1], 1), lambda: m.lookup([1]), lambda: m.delete([1])):
        with pytest.raises(TypeError, match="unhashable type list"):
            op()
    assert m.snapshot() == before
    m.assign(1, 1)
    with pytest.raises(TypeError):
        m.assign({}, 1)
    assert len(m) == 1 and not m.writing


class Touchy:
    """A key whose __eq__ raises when armed."""

    armed = False

    def __init__(self, v: int) -> None:
        self.v = v

    def __hash__(self) -> int:
        return 0  # every key collides

    def __eq__(self, other: object) -> bool:
        if Touchy.armed:
            raise RuntimeError("boom")
        return isinstance(other, Touchy) and other.v == self.v


def test_raising_eq_propagates_and_leaves_the_map_consistent() -> None:
    m = spread_map()
    for i in range(30):
        m.assign(Touchy(i), i)
    Touchy.armed = True
    try:
        for op in (lambda: m.assign(Touchy(99), 1), lambda: m.lookup(Touchy(3)),
                   lambda: m.delete(Touchy(3))):
            with pytest.raises(RuntimeError, match="boom"):
                op()
    finally:
        Touchy.armed = False
    assert not m.writing and len(m) == 30
    m.check_invariants()
    m.assign(Touchy(99), 1)
    assert m.lookup(Touchy(99)) == (True, 1)


def test_raising_hash_mid_grow_leaves_the_map_consistent() -> None:
    calls = {"n": 0, "fail_at": -1}

    def hasher(k: Any, s: int) -> int:
        calls["n"] += 1
        if calls["n"] == calls["fail_at"]:
            raise RuntimeError("hash failed")
        return DefaultHasher(lambda: 0)(k, s)

    m = SwissMap(hasher=hasher, rand=default_rand(1))
    for i in range(14):
        m.assign(i, i)
    calls["fail_at"] = calls["n"] + 5  # inside the grow's re-hashing
    with pytest.raises(RuntimeError, match="hash failed"):
        m.assign(14, 14)
    m.check_invariants()
    assert len(m) == 14 and not m.writing
    m.assign(14, 14)
    assert m.lookup(14) == (True, 14)


# -- snapshot, invariants, clone --------------------------------------------------


def test_snapshot_format() -> None:
    m = spread_map()
    for i in range(9):
        m.assign(i, str(i))
    s = m.snapshot()
    assert set(s) >= {"impl", "used", "seed", "global_depth", "global_shift", "dir_len",
                      "clear_seq", "tombstone_possible", "writing", "small", "directory",
                      "tables"}
    assert s["impl"] == "swiss" and s["writing"] is False
    (t,) = s["tables"]
    assert set(t) >= {"used", "capacity", "growth_left", "local_depth", "index", "groups"}
    for g in t["groups"]:
        assert len(g["ctrl"]) == len(g["keys"]) == len(g["elems"]) == 8
        for c, k, e in zip(g["ctrl"], g["keys"], g["elems"], strict=True):
            assert (c < CTRL_EMPTY) == (k is not None) == (e is not None)
    import json

    json.dumps(s)


def test_check_invariants_detects_corruption() -> None:
    m = spread_map()
    for i in range(20):
        m.assign(i, i)
    t = m.directory[0]
    t.growth_left += 1
    with pytest.raises(InvariantError, match=r"invariant failed: .*growthLeft"):
        m.check_invariants()
    t.growth_left -= 1
    idx = next(i for i, c in enumerate(t.ctrl) if c < CTRL_EMPTY)
    t.ctrl[idx] ^= 1
    with pytest.raises(InvariantError, match="invariant failed"):
        m.check_invariants()


def test_clone_is_equal_and_independent() -> None:
    r = Draws()
    m = SwissMap(rand=r, hasher=DefaultHasher(r))
    for i in range(2000):
        m.assign(i, i)
    n = len(r.draws)
    c = m.clone()
    assert len(r.draws) == n  # Clone draws nothing
    assert c.snapshot() == m.snapshot()
    c.assign(-1, -1)
    c.delete(0)
    assert m.lookup(0) == (True, 0) and m.lookup(-1) == (False, None)
    c.check_invariants()
    m.check_invariants()
