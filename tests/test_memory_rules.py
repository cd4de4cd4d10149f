"""Heap accounting rules, one test per rule, with figures worked out by hand from the
runtimes' sources (Go 1.23 runtime/map.go, Go 1.27 internal/runtime/maps) and the
allocator's size classes. The same accounting is checked byte for byte against the
real runtimes in test_oracle_memory.py."""

from __future__ import annotations

import random
from typing import Any

import pytest

from gomap import GoMap
from gomap.classic.hmap import OLD_ITERATOR, evacuated
from gomap.layout.maplayout import map_layout
from gomap.memory import accounted_engine
from tests.support.hashers import TableHasher, classic_hash, counter_rand


def live(m: GoMap) -> int:
    return m.memory().live_bytes


def test_make_allocates_only_the_header() -> None:
    for impl in ("classic", "swiss"):
        st = GoMap(impl=impl, key_type="int64", value_type="int64").memory()
        # hmap (classic) and maps.Map (swiss) are both 48 bytes: size class 48
        assert (st.live_bytes, st.allocated_bytes, st.allocations) == (48, 48, 1)


def test_first_insert_allocates_one_bucket_or_one_group() -> None:
    m = GoMap(impl="classic", key_type="int64", value_type="int64")
    m[1] = 1
    assert m.memory().allocated_bytes == 48 + 144  # newobject(bucket): 144 B, noscan
    s = GoMap(impl="swiss", key_type="int64", value_type="int64")
    s[1] = 1
    assert s.memory().allocated_bytes == 48 + 144  # one 136 B group -> size class 144


def test_makemap_hint_preallocates_overflow_buckets_and_fills_the_size_class() -> None:
    # hint 1000: B = 8 (6.5*256 >= 1000); 256 + 2^(8-4) = 272 buckets of 144 B = 39168 B,
    # over 32 KiB: whole pages, 40960 B, which holds 284 buckets; mapextra for nextOverflow.
    m = GoMap(impl="classic", hint=1000, key_type="int64", value_type="int64")
    st = m.memory()
    assert st.live == {"header": 48 + 24, "buckets": 40960, "old_buckets": 0,
                       "overflow_buckets": 0, "overflow_lists": 0, "indirect": 0}
    assert len(m.engine.buckets) == 284  # type: ignore[attr-defined]
    assert st.allocations == 3


def test_swiss_hint_allocates_the_directory_and_its_tables() -> None:
    # hint 1000: capacity 1000*8/7 = 1142 -> 2 tables (1024 max each) of 571 -> 1024 slots:
    # directory 2*8 = 16 B; per table 32 B header + 128 groups * 136 B = 17408 -> 18432.
    st = GoMap(impl="swiss", hint=1000, key_type="int64", value_type="int64").memory()
    assert st.live_bytes == 48 + 16 + 2 * (32 + 18432)
    assert st.allocations == 1 + 1 + 2 * 2


def test_swiss_small_map_moves_to_a_table_at_the_ninth_entry() -> None:
    m = GoMap(impl="swiss", key_type="int64", value_type="int64", seed=1)
    for i in range(8):
        m[i] = i
    assert live(m) == 48 + 144
    m[8] = 8
    # table header 32 + 2 groups (272 B -> 288) + directory of one pointer (8); the
    # small group is garbage
    assert live(m) == 48 + 32 + 288 + 8
    assert m.memory().allocated_bytes == 48 + 144 + 32 + 288 + 8


def test_classic_growth_keeps_the_old_array_until_every_bucket_is_evacuated() -> None:
    h = TableHasher({}, default=0)
    rng = random.Random(4)
    h.table = {i: rng.getrandbits(64) for i in range(200)}
    m = GoMap(impl="classic", key_type="int64", value_type="int64", hasher=h, rand=counter_rand())
    for i in range(105):  # the 105th entry overloads B=4: grow to B=5
        m[i] = i
    eng: Any = m.engine
    assert eng.oldbuckets is not None
    br = m.memory().live
    old = map_layout("int64", "int64").bucket_array_bytes(len(eng.oldbuckets))
    assert br["old_buckets"] == old > 0
    i = 105
    while eng.oldbuckets is not None:
        m[i] = i
        i += 1
    assert m.memory().live["old_buckets"] == 0


def test_pointer_free_overflow_buckets_need_mapextra_and_an_overflow_list() -> None:
    # make(map, 13): B = 1, no pre-allocated overflow; nine keys in bucket 0 overflow it
    h = TableHasher({i: classic_hash(0, 10 + i) for i in range(9)})
    m = GoMap(impl="classic", hint=13, key_type="int64", value_type="int64", hasher=h)
    for i in range(8):
        m[i] = i
    before = m.memory()
    m[8] = 8
    after = m.memory()
    # overflow bucket 144 + mapextra 24 + new([]*bmap) 24 + backing array of 1 pointer 8
    assert after.allocated_bytes - before.allocated_bytes == 144 + 24 + 24 + 8
    assert after.allocations - before.allocations == 4
    assert after.live["overflow_lists"] == 24 + 8


def test_pointerful_overflow_buckets_need_no_overflow_list() -> None:
    h = TableHasher({f"k{i}": classic_hash(0, 10 + i) for i in range(9)})
    m = GoMap(impl="classic", hint=13, key_type="string", value_type="int64", hasher=h)
    for i in range(9):
        m[f"k{i}"] = i
    assert m.memory().live["overflow_lists"] == 0
    assert m.memory().live["overflow_buckets"] == 208  # one bucket of 208 B
    assert m.memory().live["header"] == 48  # no mapextra either


def test_ranging_over_a_pointer_free_map_creates_the_overflow_list() -> None:
    m = GoMap(impl="classic", key_type="int64", value_type="int64")
    list(m)  # empty: mapiterinit returns early
    assert m.memory().allocated_bytes == 48
    m[1] = 1
    list(m)
    assert m.memory().allocated_bytes == 48 + 144 + 24 + 24  # mapextra + new([]*bmap)
    list(m)
    assert m.memory().allocated_bytes == 48 + 144 + 24 + 24  # once
    s = GoMap(impl="classic", key_type="string", value_type="int64")
    s["a"] = 1
    list(s)
    assert s.memory().allocated_bytes == 48 + 208  # pointerful: nothing


def a17(i: int) -> tuple[int, ...]:
    """A value of Go type [17]int64 (GoMap takes array keys as tuples)."""
    return (i,) + (0,) * 16


def test_indirect_keys_and_elems_are_one_object_each() -> None:
    for impl in ("classic", "swiss"):
        m = GoMap(impl=impl, key_type="[17]int64", value_type="[20]int64")
        m[a17(1)] = (1,) * 20  # values are checked against value_type, as keys are
        before = m.memory()
        m[a17(2)] = (2,) * 20
        after = m.memory()
        assert after.allocated_bytes - before.allocated_bytes == 144 + 160  # noscan classes
        m[a17(2)] = (3,) * 20  # an update reuses both objects
        assert m.memory().allocated_bytes == after.allocated_bytes
        m.delete(a17(2))
        assert m.memory().live_bytes == before.live_bytes


def test_deleted_entries_stay_live_while_an_old_bucket_still_points_at_them() -> None:
    rng = random.Random(7)
    table = {a17(i): rng.getrandbits(64) for i in range(400)}
    m = GoMap(impl="classic", key_type="[17]int64", value_type="int64",
              hasher=TableHasher(table), rand=counter_rand())
    for i in range(104):
        m[a17(i)] = i
    for _ in m:  # a range loop, even one that stops early, sets the iterator flags
        break
    m[a17(104)] = 104  # grow to B=5; old cells are not cleared (oldIterator)
    eng: Any = m.engine
    assert eng.oldbuckets is not None and eng.flags & OLD_ITERATOR
    gone = [a17(k) for k in range(104) if evacuated(eng.oldbuckets[table[a17(k)] & 15])][:3]
    assert gone
    for k in gone:
        m.delete(k)
    br = m.memory().live
    assert br["indirect"] == (len(m) + len(gone)) * 144  # still referenced
    i = 105
    while eng.oldbuckets is not None:
        m[a17(i)] = i
        i += 1
    assert m.memory().live["indirect"] == len(m) * 144  # freed with the old array


def test_evacuation_frees_old_overflow_chains_only_up_to_a_preallocated_bucket() -> None:
    lay = map_layout("string", "int64")
    rng = random.Random(11)
    keys = [f"k{i}" for i in range(3000)]
    table = {k: rng.getrandbits(64) for k in keys}
    e = accounted_engine("classic", 0, lay, hasher=TableHasher(table), rand=counter_rand())
    for k in keys:
        e.assign(k, 0)
    st = e.memory()
    assert e.acct.unlinked > 0
    assert st.live_bytes == sum(st.live.values())


def test_clear_frees_overflow_buckets_and_keeps_the_array() -> None:
    # Every key in bucket 0 (distinct tophash): a chain of 25 buckets, most of them
    # allocated one by one once the pre-allocated ones run out.
    m = GoMap(impl="classic", key_type="int64", value_type="int64", seed=2,
              hasher=lambda k, seed: (k % 250 + 5) << 56)
    for i in range(200):
        m[i] = i
    while m.engine.oldbuckets is not None:  # type: ignore[attr-defined]
        m[0] = 0
    br = m.memory().live
    assert br["overflow_buckets"] > 0
    m.clear()
    after = m.memory().live
    assert after["buckets"] == br["buckets"]
    assert after["overflow_buckets"] == after["overflow_lists"] == 0
    assert after["header"] == 48 + 24  # mapextra is kept


def test_swiss_rehash_frees_the_old_table_and_split_doubles_the_directory() -> None:
    m = GoMap(impl="swiss", key_type="int64", value_type="int64", seed=3)
    events: list[str] = []
    m.subscribe(lambda ev, d: events.append({"split": "split", "directoryGrow": "dir"}[ev])
                if ev in ("split", "directoryGrow") else None)
    for i in range(1000):
        m[i] = i
    assert events[:2] == ["dir", "split"]
    st = m.memory()
    # two 1024-slot tables (32 + 128*136 -> 18432 each) and a 2-entry directory
    assert st.live == {"header": 48, "small_group": 0, "directory": 16,
                       "tables": 2 * (32 + 18432), "indirect": 0}


def test_live_bytes_are_the_sum_of_the_breakdown_and_never_exceed_allocated() -> None:
    for impl in ("classic", "swiss"):
        for kt, vt in [("int64", "int64"), ("[17]int64", "string"), ("string", "[20]int64")]:
            m = GoMap(impl=impl, key_type=kt, value_type=vt, seed=5)
            rng = random.Random(5)
            for step in range(6000):
                r = rng.randrange(700)
                k = str(r) if kt == "string" else a17(r) if kt == "[17]int64" else r
                x = rng.random()
                if x < 0.55:
                    m[k] = (str(step) if vt == "string" else (step,) * 20
                            if vt == "[20]int64" else step)
                elif x < 0.95:
                    m.delete(k)
                elif x < 0.99:
                    list(m)
                else:
                    m.clear()
                if step % 97 == 0:
                    st = m.memory()
                    assert st.live_bytes == sum(st.live.values())
                    assert 0 < st.live_bytes <= st.peak_live_bytes <= st.allocated_bytes


def test_memory_needs_types_or_track_memory() -> None:
    m = GoMap(impl="classic")
    with pytest.raises(RuntimeError, match="key_type"):
        m.memory()
    t = GoMap(impl="classic", track_memory=True)  # map[any]any
    t["x"] = 1
    assert t.memory().live_bytes == 48 + 288  # a 272 B bucket of map[any]any: class 288
    u = GoMap(impl="swiss", key_type="int64", value_type="int64", track_memory=False)
    with pytest.raises(RuntimeError):
        u.memory()
    assert u.engine.key_kind == "fast64"  # type: ignore[attr-defined]


def test_memory_report_fields() -> None:
    m = GoMap(impl="swiss", key_type="string", value_type="[]byte", seed=1)
    m["a"] = b"x"
    d = m.memory().as_dict()
    assert set(d) >= {"impl", "live_bytes", "allocated_bytes", "peak_live_bytes", "allocations",
                      "live"}
    c = m.copy()
    assert c.memory().live_bytes == m.memory().live_bytes
