"""Native maps whose Go integer keys are stored unboxed (``_unbox_int_keys``: the
simulator's maps, as Go's map_fast64 stores them) against the same maps storing
them as objects: the same state after every operation, keys boxed wherever they
leave the engine (iteration, look-ups, snapshot, the table views), the mode kept by
a clone and by the copy of ``_copy_from``, and the cyclic GC still seeing the elems.
(The figures against the Python reference are tests/native/test_accounting.py's.)
"""

from __future__ import annotations

import gc
import random
import weakref
from typing import Any

import pytest

from gomap.hashing import default_rand
from tests.support.differential import native_or_skip

native_or_skip()

from gomap._native import HMap, SwissMap  # noqa: E402

IMPLS = {"classic": HMap, "swiss": SwissMap}


def collide(key: Any, seed: int) -> int:
    """Few distinct hashes (a Python hasher: the unboxed key is boxed for it)."""
    return ((hash(key) % 13) * 0x9E3779B97F4A7C15 ^ seed) & (2**64 - 1)


def make(impl: str, unboxed: bool, seed: int, hint: int = 0, **kw: Any) -> Any:
    m = IMPLS[impl](hint, rand=default_rand(seed), **kw)
    if unboxed:
        m._unbox_int_keys()
    assert m.unboxed == unboxed
    return m


def variants() -> list[tuple[str, dict[str, Any]]]:
    out: list[tuple[str, dict[str, Any]]] = [("classic", {}), ("classic", {"hasher": collide})]
    for kind in ("fast64", "generic"):
        out += [("swiss", {"key_kind": kind}), ("swiss", {"key_kind": kind, "hasher": collide})]
    return out


def drain(it: Any) -> list[Any]:
    out = []
    while (kv := it.next()) is not None:
        out.append(kv)
    return out


@pytest.mark.parametrize(("impl", "kw"), variants())
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_an_unboxed_map_keeps_the_state_and_results_of_a_boxed_one(
        impl: str, kw: dict[str, Any], seed: int) -> None:
    rng = random.Random(seed)
    hint = rng.choice([0, 9, 3000])
    boxed, unboxed = make(impl, False, seed, hint, **kw), make(impl, True, seed, hint, **kw)
    iters: list[tuple[Any, Any]] = []
    for n in range(4000):
        what, v = rng.randrange(20), rng.randrange(-1500, 1500) * 0x100000001
        if what < 9:
            for m in (boxed, unboxed):
                m.assign(v, n)
        elif what < 14:
            for m in (boxed, unboxed):
                m.delete(v)
        elif what < 16:
            assert boxed.lookup(v) == unboxed.lookup(v)
            get = "get_with_key" if impl == "swiss" else "lookup_key"
            assert getattr(boxed, get)(v) == getattr(unboxed, get)(v)
        elif what == 16 and rng.random() < 0.05:
            for m in (boxed, unboxed):
                m.clear()
        elif what == 17:
            iters.append((boxed.iterator(), unboxed.iterator()))
        else:  # step the open iterators (growth may happen between the steps)
            for a, b in iters:
                assert a.next() == b.next()
            if rng.random() < 0.2:
                iters.clear()
        if n % 97 == 0:
            assert boxed.snapshot() == unboxed.snapshot()
    assert boxed.snapshot() == unboxed.snapshot()
    assert drain(boxed.iterator()) == drain(unboxed.iterator())


def test_the_swiss_table_views_box_their_keys() -> None:
    boxed, unboxed = make("swiss", False, 5), make("swiss", True, 5)
    for v in range(0, 3000, 3):
        for m in (boxed, unboxed):
            m.assign(v - 1000, str(v))
    for m in (boxed, unboxed):
        for v in range(0, 3000, 9):
            m.delete(v - 1000)
    for a, b in zip(boxed.directory, unboxed.directory, strict=True):
        assert a.keys == b.keys and a.elems == b.elems and a.ctrl == b.ctrl
        for g in range(a.length_mask + 1):
            assert a.group_slots(g) == b.group_slots(g)
    t = unboxed.directory[0]
    k = next(k for k in t.keys if k is not None)
    assert all(type(x) is int for x in t.keys if x is not None)
    ok, stored, elem = t.get_with_key(unboxed.hasher(k, unboxed.seed), k)
    assert ok and type(stored) is int and stored == k and elem == str(k + 1000)
    with pytest.raises(TypeError, match="Go integers"):
        t.get_with_key(0, "x")


@pytest.mark.parametrize("impl", ["classic", "swiss"])
def test_a_clone_keeps_the_mode(impl: str) -> None:
    m = make(impl, True, 8)
    for v in range(500):
        m.assign(v * 7919, v)
    c = m.clone()
    assert c.unboxed and dict(drain(c.iterator())) == dict(drain(m.iterator()))
    if impl == "swiss":  # (classic's clone is Go's mapclone: a new layout)
        assert c.snapshot() == m.snapshot()
    c.assign(-1, -1)
    m.delete(0)
    assert c.lookup(-1) == (True, -1) and m.lookup(-1) == (False, None)
    assert c.lookup(0) == (True, 0) and m.lookup(0)[0] is False
    with pytest.raises(TypeError, match="Go integers"):
        c.assign("x", 1)


@pytest.mark.parametrize("impl", ["classic", "swiss"])
@pytest.mark.parametrize(("src_unboxed", "dst_unboxed"),
                         [(True, True), (False, True), (True, False), (False, False)])
def test_copy_from_copies_between_any_modes(impl: str, src_unboxed: bool,
                                            dst_unboxed: bool) -> None:
    src = make(impl, src_unboxed, 9)
    for v in range(2000):
        src.assign(v * 31 - 5000, v)
    for v in range(0, 2000, 3):
        src.delete(v * 31 - 5000)
    want = dict(drain(src.iterator()))
    dst = make(impl, dst_unboxed, 10)
    assert dst._copy_from(src.iterator()) == len(want)
    assert dict(drain(dst.iterator())) == want
    other = make(impl, dst_unboxed, 10)  # any iterator of pairs
    assert other._copy_from(iter(want.items())) == len(want)
    assert dict(drain(other.iterator())) == want
    if dst_unboxed:
        with pytest.raises(OverflowError, match="int64"):
            make(impl, True, 11)._copy_from(iter([(2**64, 1)]))


@pytest.mark.parametrize("impl", ["classic", "swiss"])
@pytest.mark.parametrize("old_keys", ["strings", "ints"])
def test_an_iterator_walking_storage_older_than_the_unboxing(impl: str, old_keys: str) -> None:
    # An iterator kept while its map is emptied, turned unboxed and refilled (growing
    # meanwhile): the tables / buckets it still walks keep their object keys and their
    # mode; it yields keys as they are, boxed, and copies from it alike.
    for copy in (False, True):
        m = make(impl, False, 12)
        old = [str(v) if old_keys == "strings" else v for v in range(100)]
        for k in old:
            m.assign(k, k)
        it = m.iterator()
        assert it.next() is not None
        for k in old:
            m.delete(k)
        m._unbox_int_keys()
        for v in range(300):
            m.assign(v, v)
        if copy:
            dst = make(impl, True, 13)
            dst._copy_from(it)
            rest = drain(dst.iterator())
        else:
            rest = drain(it)
        assert all(type(k) is int and k == e for k, e in rest)
        assert len({k for k, _ in rest}) == len(rest)


@pytest.mark.parametrize("impl", ["classic", "swiss"])
def test_the_gc_still_collects_cycles_through_an_unboxed_maps_elems(impl: str) -> None:
    class Elem:
        pass

    m = make(impl, True, 13)
    e = Elem()
    e.m = m  # type: ignore[attr-defined]
    for v in range(200):
        m.assign(v, e)
    it = m.iterator()
    it.next()
    e.it = it  # type: ignore[attr-defined]
    ref = weakref.ref(e)
    del m, e, it
    gc.collect()
    assert ref() is None


@pytest.mark.parametrize("impl", ["classic", "swiss"])
def test_only_an_empty_map_turns_unboxed(impl: str) -> None:
    m = make(impl, False, 14)
    m.assign(1, 1)
    with pytest.raises(ValueError, match="empty map"):
        m._unbox_int_keys()
    m.delete(1)
    m._unbox_int_keys()
    m._unbox_int_keys()  # (again: nothing to do)
    assert m.unboxed
