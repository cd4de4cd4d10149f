"""One MutableMapping contract, run against GoMap (both engines) and every concurrency
companion, with ``dict`` as the oracle and ``check_invariants()`` after every step;
then Go's ``sync.Map`` API contract for the companions, against a reference built
on a dict. The companions also join the engines' contract (:class:`MapContract` of
``test_contract.py``) for every test of it that is about the ``MutableMapping``
protocol rather than about Go's built-in map."""

from __future__ import annotations

import random
from collections.abc import Callable, MutableMapping
from functools import partial
from typing import Any, ClassVar

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gomap import GoMap
from gomap.companions import ConcurrentMap, COWMap, LockedMap, ShardedMap, SyncMap
from gomap.companions.registry import COMPANIONS
from tests.support.contract import MapContract

_MISSING = object()


class MutableMappingContract:
    """Mixin: ``make()`` returns an empty map; every test compares it with a dict."""

    def make(self) -> MutableMapping[Any, Any]:
        raise NotImplementedError

    @staticmethod
    def check(m: Any, d: dict[Any, Any]) -> None:
        m.check_invariants()
        assert len(m) == len(d)

    def test_random_ops_like_dict(self) -> None:
        m = self.make()
        d: dict[Any, Any] = {}
        rng = random.Random(11)
        for step in range(2500):
            k = rng.choice([rng.randrange(60), f"s{rng.randrange(30)}"])
            r = rng.random()
            if r < 0.35:
                m[k] = d[k] = step
            elif r < 0.45:
                assert m.pop(k, "none") == d.pop(k, "none")
            elif r < 0.55:
                if k in d:
                    del m[k]
                    del d[k]
                else:
                    with pytest.raises(KeyError):
                        del m[k]
            elif r < 0.62:
                assert m.setdefault(k, step) == d.setdefault(k, step)
            elif r < 0.67:
                upd = {rng.randrange(60): step, "u": step}
                m.update(upd)
                d.update(upd)
            elif r < 0.70 and d:
                key, value = m.popitem()
                assert d.pop(key) == value
            elif r < 0.71:
                m.clear()
                d.clear()
            elif r < 0.85:
                assert (k in m) == (k in d)
                assert m.get(k, "absent") == d.get(k, "absent")
                if k in d:
                    assert m[k] == d[k]
                else:
                    with pytest.raises(KeyError):
                        m[k]
            else:
                assert dict(m.items()) == d
                assert sorted(map(str, m)) == sorted(map(str, d))
                assert sorted(m.values()) == sorted(d.values())
                assert set(m.keys()) == set(d.keys())
                assert m == d
            self.check(m, d)

    def test_keyerror_and_defaults(self) -> None:
        m = self.make()
        with pytest.raises(KeyError):
            m["nothing"]
        with pytest.raises(KeyError):
            del m["nothing"]
        with pytest.raises(KeyError):
            m.pop("nothing")
        with pytest.raises(KeyError):
            m.popitem()
        assert m.pop("nothing", 5) == 5
        assert m.get("nothing") is None
        self.check(m, {})

    def test_none_is_a_value_like_any_other(self) -> None:
        m = self.make()
        m["k"] = None
        assert "k" in m and m["k"] is None and len(m) == 1
        assert m.pop("k") is None
        self.check(m, {})

    def test_mutating_while_iterating_does_not_raise(self) -> None:
        m = self.make()
        d = {k: k for k in range(200)}
        m.update(d)
        for k in m:
            if k % 2:
                del m[k]
                del d[k]
        self.check(m, d)
        assert dict(m.items()) == d

    # One test body shared by every map class (that is the point of the mixin):
    # Hypothesis sees it called from several classes; each class's map is fresh.
    @settings(max_examples=40, deadline=None,
              suppress_health_check=[HealthCheck.differing_executors])
    @given(st.lists(st.tuples(st.sampled_from(["set", "del", "pop", "sd"]),
                              st.integers(0, 12), st.integers(0, 3)), max_size=60))
    def test_property_like_dict(self, ops: list[tuple[str, int, int]]) -> None:
        m = self.make()
        d: dict[Any, Any] = {}
        for name, k, v in ops:
            if name == "set":
                m[k] = d[k] = v
            elif name == "del":
                assert m.pop(k, None) == d.pop(k, None)
            elif name == "pop":
                assert m.pop(k, "x") == d.pop(k, "x")
            else:
                assert m.setdefault(k, v) == d.setdefault(k, v)
            self.check(m, d)
        assert dict(m.items()) == d


class TestGoMapClassic(MutableMappingContract):
    def make(self) -> MutableMapping[Any, Any]:
        return GoMap(impl="classic", seed=1)


class TestGoMapSwiss(MutableMappingContract):
    def make(self) -> MutableMapping[Any, Any]:
        return GoMap(impl="swiss", seed=1)


class SyncMapReference:
    """Go's ``sync.Map`` contract on a plain dict (one thread)."""

    def __init__(self) -> None:
        self.d: dict[Any, Any] = {}

    def apply(self, name: str, a: list[Any]) -> Any:
        d = self.d
        if name == "get":
            return [d.get(a[0]), a[0] in d]
        if name == "set":
            d[a[0]] = a[1]
            return []
        if name == "del":
            d.pop(a[0], None)
            return []
        if name == "load_or_store":
            return [d[a[0]], True] if a[0] in d else [d.setdefault(a[0], a[1]), False]
        if name == "load_and_delete":
            return [d.pop(a[0]), True] if a[0] in d else [None, False]
        if name == "swap":
            old = [d.get(a[0]), a[0] in d]
            d[a[0]] = a[1]
            return old
        if name == "compare_and_swap":
            ok = a[0] in d and d[a[0]] == a[1]
            if ok:
                d[a[0]] = a[2]
            return [ok]
        if name == "compare_and_delete":
            ok = a[0] in d and d[a[0]] == a[1]
            if ok:
                del d[a[0]]
            return [ok]
        if name == "range":
            return sorted(d.items())
        d.clear()
        return []


class CompanionMapContract(MapContract):
    """The engines' contract, for a companion: its ``MutableMapping`` tests run as they
    are; the tests of Go's *built-in map* behaviour are switched off, each for its
    reason (the companions' counterparts are named)."""

    factory: ClassVar[Callable[[], ConcurrentMap]]

    def make(self, items: Any = None, **kw: Any) -> Any:  # seed= is GoMap's; ignored
        m = type(self).factory()
        if items is not None:
            m.update(items)
        return m

    # GoMap.lookup; the companions' load is tested by ConcurrentMapContract
    test_lookup_returns_go_comma_ok = None
    # Go's float-key rules (f64hash NaN, the stored key replaced); companions follow dict
    test_every_nan_insert_is_a_new_unreachable_entry = None
    test_plus_and_minus_zero_are_one_key_and_the_key_is_updated = None
    # Go's panic text "hash of unhashable type T"; dict-based companions raise Python's
    test_unhashable_key_raises_typeerror_naming_the_type = None
    # Go's randomised iteration, fmt-style repr, runtime fatal errors for misuse: the
    # companions are the opposite, safe to share (test_companions_misuse/threads)
    test_iteration_order_is_random_per_iteration_and_reproducible_with_seed = None
    test_repr_looks_like_go_fmt = None
    test_two_threads_writing_without_a_lock_are_caught = None
    test_a_read_during_a_write_is_a_fatal_read_write_error = None
    test_an_iterator_step_during_a_write_is_a_fatal_iteration_write_error = None
    # the Go spec's for-range-over-map rules and GoMap's engine iterator; a companion's
    # iteration is one range (Go's sync.Map Range rules, test_companions_threads)
    test_iteration_under_mutation_keeps_the_spec_guarantees = None
    test_random_operations_match_dict = None


class ConcurrentMapContract(MutableMappingContract, CompanionMapContract):
    """Mixin for the companions: Go's ``sync.Map`` methods against a dict reference,
    the shared MutableMapping contract, and the engines' contract where it applies."""

    def make(self, items: Any = None, **kw: Any) -> Any:
        return CompanionMapContract.make(self, items, **kw)

    def test_go_api_like_a_reference(self) -> None:
        m = self.make()
        d: dict[Any, Any] = {}
        rng = random.Random(5)
        for _ in range(4000):
            k = rng.randrange(40)
            v = rng.randrange(4)
            op = rng.randrange(10)
            if op == 0:
                assert m.load(k) == ((d[k], True) if k in d else (None, False))
            elif op == 1:
                m.store(k, v)
                d[k] = v
            elif op == 2:
                want = (d[k], True) if k in d else (v, False)
                d.setdefault(k, v)
                assert m.load_or_store(k, v) == want
            elif op == 3:
                want = (d.pop(k), True) if k in d else (None, False)
                assert m.load_and_delete(k) == want
            elif op == 4:
                want = (d[k], True) if k in d else (None, False)
                d[k] = v
                assert m.swap(k, v) == want
            elif op == 5:
                new = rng.randrange(4)
                ok = k in d and d[k] == v
                if ok:
                    d[k] = new
                assert m.compare_and_swap(k, v, new) is ok
            elif op == 6:
                ok = k in d and d[k] == v
                if ok:
                    del d[k]
                assert m.compare_and_delete(k, v) is ok
            elif op == 7:
                m.delete(k)
                d.pop(k, None)
            elif op == 8:
                seen: list[Any] = []
                limit = rng.choice([0, 1, 3, 1000])

                def f(key: Any, value: Any, seen: list[Any] = seen, limit: int = limit) -> bool:
                    seen.append((key, value))
                    return len(seen) < limit

                m.range(f)
                assert len(seen) == min(max(limit, 1), len(d))
                assert len({k for k, _ in seen}) == len(seen)
                assert all(d[key] == value for key, value in seen)
            elif rng.random() < 0.05:
                m.clear()
                d.clear()
            self.check(m, d)

    @settings(max_examples=40, deadline=None,
              suppress_health_check=[HealthCheck.differing_executors])
    @given(st.lists(st.tuples(
        st.sampled_from(["get", "set", "del", "load_or_store", "load_and_delete", "swap",
                         "compare_and_swap", "compare_and_delete", "range", "clear"]),
        st.integers(0, 9), st.integers(0, 2), st.integers(0, 2)), max_size=80))
    def test_property_go_api_like_a_reference(
            self, steps: list[tuple[str, int, int, int]]) -> None:
        from gomap.companions import ops

        m = self.make()
        ref = SyncMapReference()
        for name, k, v, w in steps:
            args = {"get": [k], "set": [k, v], "del": [k], "load_or_store": [k, v],
                    "load_and_delete": [k], "swap": [k, v], "compare_and_swap": [k, v, w],
                    "compare_and_delete": [k, v], "range": [], "clear": []}[name]
            op = ops.from_script([name, *args])
            got = ops.apply(m, op)
            want = ref.apply(name, args)
            if name == "range":
                got = sorted(map(tuple, got))
            assert got == want, (name, args)
            self.check(m, ref.d)

    def test_cas_on_absent_key_and_compare_and_delete_of_none(self) -> None:
        m = self.make()
        assert m.compare_and_swap("k", None, 1) is False
        assert m.compare_and_delete("k", None) is False
        assert "k" not in m
        self.check(m, {})

    def test_range_may_call_any_method(self) -> None:
        m = self.make()
        for k in range(50):
            m.store(k, k)
        seen = []

        def f(k: Any, v: Any) -> bool:
            seen.append(k)
            m.delete(k)
            m.store(("new", k), v)
            return True

        m.range(f)
        assert len(set(seen)) == len(seen)
        assert set(range(50)) <= set(seen) | set(m)
        m.check_invariants()


def _contract_class(name: str, make: Callable[[], ConcurrentMap]) -> type:
    return type(name, (ConcurrentMapContract,), {"factory": staticmethod(make)})


# One contract class per registered companion (seeded where it takes gomap's hashing
# hooks), plus the one-shard edge case of ShardedMap.
for _spec in COMPANIONS.values():
    _name = "Test" + "".join(p.capitalize() for p in _spec.name.replace(".", "").split("-"))
    _kw = {"seed": 1} if _spec.seedable else {}
    globals()[_name] = _contract_class(_name, partial(_spec.new, **_kw))


class TestShardedMap1(ConcurrentMapContract):
    factory = staticmethod(lambda: ShardedMap(shards=1))


def test_syncmap_versions_and_bad_arguments() -> None:
    assert SyncMap().version == "1.24"
    assert SyncMap(version="1.23").version == "1.23"
    assert isinstance(SyncMap(version="1.23"), SyncMap)
    with pytest.raises(ValueError, match="version"):
        SyncMap(version="1.22")
    with pytest.raises(TypeError, match="hooks"):
        SyncMap(version="1.23", seed=1)
    with pytest.raises(ValueError, match="shards"):
        ShardedMap(shards=0)
    with pytest.raises(ValueError, match="priority"):
        LockedMap(priority="nobody")


def test_trie_hashing_hooks_force_collisions_and_deep_chains() -> None:
    # every key hashes alike in the top 60 bits: one path 15 levels deep, then 16 slots
    m = SyncMap(hasher=lambda k, seed: k & 0xF)
    for k in range(40):
        m.store(k, k)
        m.check_invariants()
    snap = m.snapshot()
    depth = 0
    node = snap["root"]
    while len(node["c"]) == 1 and isinstance(node["c"][0][1], dict):
        node = node["c"][0][1]
        depth += 1
    assert depth == 15
    assert sorted(len(chain) for _, chain in node["c"]) == [2] * 8 + [3] * 8
    for k in range(40):
        m.delete(k)
        m.check_invariants()
    assert m.snapshot()["root"] == {"c": []}


def test_sharded_items_consistent_snapshot_and_shard_choice() -> None:
    m = ShardedMap(shards=4, seed=3)
    for k in range(100):
        m[k] = k
    assert dict(m.items(consistent=True)) == {k: k for k in range(100)}
    assert {m.shard_of(k) for k in range(100)} == {0, 1, 2, 3}
    assert ShardedMap(shards=4, seed=3).shard_of("x") == m.shard_of("x")


def test_cow_snapshot_is_immutable_and_unaffected_by_writes() -> None:
    m = COWMap()
    m.update({1: 1, 2: 2})
    snap = m.snapshot()
    m[3] = 3
    del m[1]
    assert dict(snap) == {1: 1, 2: 2}
    assert dict(m.items()) == {2: 2, 3: 3}


def test_docstring_examples_run() -> None:
    import doctest

    import gomap.companions.syncmap as mod

    failures, tried = doctest.testmod(mod)
    assert tried > 0 and failures == 0


def test_syncmap123_dirty_copy_failing_on_a_key_eq_rolls_back_its_expunges() -> None:
    from tests.support.contract import Fragile

    m = SyncMap(version="1.23")
    x, a, b, c = Fragile(2), Fragile(0), Fragile(7), Fragile(1)  # a and b collide
    for k in (x, a, b):
        m.store(k, 1)
    m.range(lambda k, v: True)  # promote: read = {x, a, b}, dirty nil
    m.delete(x)  # x: nil
    Fragile.fail_eq = True
    try:
        with pytest.raises(RuntimeError, match="eq failed"):
            m.store(c, 1)  # dirtyLocked expunges x, then copying b compares it with a
    finally:
        Fragile.fail_eq = False
    m.check_invariants()  # x is nil again, dirty still nil
    snap = m.snapshot()
    assert snap["dirty"] is None and snap["read"][x] == ["nil"]
    m.store(c, 2)
    m.check_invariants()
    assert m.snapshot()["read"][x] == ["expunged"]
    assert dict(m.items()) == {a: 1, b: 1, c: 2}


def test_one_op_vocabulary_drives_every_companion_alike() -> None:
    from gomap.companions import ops

    script = [op for op in _random_sync_script(3000)]
    kinds = [spec.new(**({"seed": 1} if spec.seedable else {})) for spec in COMPANIONS.values()]
    for i, op in enumerate(script):
        code = ops.from_script(op)
        results = [ops.apply(m, code) for m in kinds]
        if code[0] == ops.RANGE:
            results = [sorted(map(tuple, r)) if len(op) == 1 else len(r) for r in results]
        assert all(r == results[0] for r in results), (i, op, results)
    for m in kinds:
        m.check_invariants()
    with pytest.raises(ValueError, match="unknown operation"):
        ops.from_script(["iter", 1])
    with pytest.raises(ValueError, match="takes 3 arguments"):
        ops.from_script(["compare_and_swap", 1, 2])


def _random_sync_script(n: int) -> list[list[Any]]:
    rng = random.Random(3)
    out: list[list[Any]] = []
    for _ in range(n):
        k, v, w = rng.randrange(30), rng.randrange(3), rng.randrange(3)
        out.append(rng.choice([
            ["get", k], ["set", k, v], ["del", k], ["load_or_store", k, v],
            ["load_and_delete", k], ["swap", k, v], ["compare_and_swap", k, v, w],
            ["compare_and_delete", k, v], ["range"], ["range", 2], ["dump"],
            ["clear"] if rng.random() < 0.05 else ["get", k]]))
    return out


def test_companion_registry_describes_every_companion() -> None:
    """Each CompanionSpec builds its companion; a verified one names a harness that
    exists, builds with its pinned release and mirrors a file of that release."""
    from pathlib import Path

    import gomap.oracle
    from gomap.companions.registry import get_companion, harness_go_versions, verify_groups
    from gomap.oracle.toolchain import GO_VERSIONS, GoToolchainMissing, find_go

    go_dir = Path(gomap.oracle.__file__).parent / "go"
    for name, spec in COMPANIONS.items():
        assert get_companion(name) is spec
        m = spec.new()
        assert isinstance(m, ConcurrentMap) and len(m) == 0
        if spec.harness:
            assert (go_dir / spec.harness / "main.go").is_file()
            assert spec.go_release and GO_VERSIONS[spec.harness] == spec.go_release
            assert verify_groups()[spec.verify][spec.version] is spec
            try:
                goroot = find_go(spec.go_release).goroot
            except GoToolchainMissing:
                continue
            assert (goroot / "src" / spec.go_source).is_file(), spec.go_source
    assert set(harness_go_versions()) == {s.harness for s in COMPANIONS.values() if s.harness}
    with pytest.raises(ValueError, match="unknown companion"):
        get_companion("nosuch")
