"""The map contract every map configuration runs (:class:`MapContract`, with
``dict`` as the oracle for contents and ``check_invariants()`` after every step),
the stateful comparison with ``dict`` it drives, and the user keys that misbehave
(:class:`Fragile`). ``tests/test_contract.py`` runs it against every engine
configuration; ``tests/companions/test_contract.py`` against the companions."""

from __future__ import annotations

import math
import random
import sys
import threading
import time
from typing import Any, ClassVar

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from gomap import ConcurrentMapWriteError, GoMap, MapFatalError


class Fragile:
    """A key whose __eq__ or __hash__ can be told to fail."""

    fail_eq = False
    fail_hash = False

    def __init__(self, v: int) -> None:
        self.v = v

    def __hash__(self) -> int:
        if Fragile.fail_hash:
            raise RuntimeError("hash failed")
        return self.v % 7  # plenty of collisions

    def __eq__(self, other: object) -> bool:
        if Fragile.fail_eq:
            raise RuntimeError("eq failed")
        return isinstance(other, Fragile) and other.v == self.v


class ReadsDuringEq:
    """A key whose __eq__ reads the map it is being stored in (re-entrant misuse)."""

    target: GoMap | None = None

    def __init__(self, v: int) -> None:
        self.v = v

    def __hash__(self) -> int:
        return 1  # all collide, so assign must compare keys

    def __eq__(self, other: object) -> bool:
        if ReadsDuringEq.target is not None:
            ReadsDuringEq.target.get(12345)
        return isinstance(other, ReadsDuringEq) and other.v == self.v


class PyInt(int):
    """An int whose ``__eq__`` is Python code: the native engine calls it while its
    ``hashWriting`` flag is up, so another thread can be scheduled mid-write."""

    __hash__ = int.__hash__

    def __eq__(self, other: object) -> bool:
        return int.__eq__(self, other)  # type: ignore[operator,no-any-return]


class MapContract:
    """The contract every map configuration meets. A subclass names the engine
    (``impl``) and the options ``make`` passes to ``GoMap``."""

    impl: ClassVar[str] = "classic"
    options: ClassVar[dict[str, Any]] = {}

    @property
    def typed_keys(self) -> bool:
        """A typed fast path (Go's ``mapaccess2_fast64`` …): it compares keys in a
        small map without hashing them, so an unhashable key is not always caught
        (Go's typed maps cannot hold one)."""
        return self.options.get("key_kind", "generic") != "generic"

    def make(self, items: Any = None, **kw: Any) -> GoMap:
        return GoMap(items, impl=self.impl, **self.options, **kw)

    def test_set_get_delete_like_dict(self) -> None:
        m = self.make(seed=1)
        d: dict[int, int] = {}
        rng = random.Random(7)
        for step in range(3000):
            k = rng.randrange(400)
            if rng.random() < 0.6:
                m[k] = d[k] = step
            else:
                m.delete(k)
                d.pop(k, None)
            if step % 97 == 0:
                m.check_invariants()
        m.check_invariants()
        assert len(m) == len(d)
        assert dict(m.items()) == d
        assert sorted(m) == sorted(d)
        assert sorted(m.values()) == sorted(d.values())
        for k in range(400):
            assert (k in m) == (k in d)
            assert m.get(k, "absent") == d.get(k, "absent")

    def test_go_delete_of_absent_key_is_a_no_op_but_del_raises_keyerror(self) -> None:
        m = self.make(seed=2)
        m.delete("nothing")  # empty map
        m["a"] = 1
        m.delete("nothing")  # non-empty map
        assert dict(m.items()) == {"a": 1}
        with pytest.raises(KeyError):
            del m["nothing"]
        with pytest.raises(KeyError):
            m.pop("nothing")
        assert m.pop("nothing", 5) == 5
        assert m.pop("a") == 1
        assert len(m) == 0
        m.check_invariants()

    def test_lookup_returns_go_comma_ok(self) -> None:
        m = self.make(seed=3)
        m[1] = "one"
        assert m.lookup(1) == ("one", True)
        assert m.lookup(2) == (None, False)

    def test_mapping_mixins_work(self) -> None:
        m = self.make({"a": 1, "b": 2}.items(), seed=4)
        assert m.setdefault("c", 3) == 3
        assert m.setdefault("a", 9) == 1
        m.update({"d": 4}, e=5)
        k, _v = m.popitem()
        assert k not in m
        assert len(m) == 4
        full = {"a": 1, "b": 2, "c": 3, "d": 4, "e": 5}
        assert k in full
        del full[k]
        assert m == full
        c = m.copy()
        assert dict(c.items()) == dict(m.items())
        c["zz"] = 0
        assert "zz" not in m
        m.check_invariants()
        c.check_invariants()

    def test_every_nan_insert_is_a_new_unreachable_entry(self) -> None:
        m = self.make(seed=5)
        nan = float("nan")
        for i in range(20):
            m[nan] = i  # the same object each time: identity must not matter
        assert len(m) == 20
        assert nan not in m
        assert m.get(nan) is None
        m.delete(nan)
        assert len(m) == 20
        produced = [v for k, v in m.items()]
        assert sorted(produced) == list(range(20))
        assert all(math.isnan(k) for k in m)
        m.check_invariants()
        m.clear()
        assert len(m) == 0
        m.check_invariants()

    def test_plus_and_minus_zero_are_one_key_and_the_key_is_updated(self) -> None:
        m = self.make(seed=6)
        m[0.0] = "plus"
        m[-0.0] = "minus"
        assert len(m) == 1
        [(k, v)] = list(m.items())
        assert v == "minus"
        assert math.copysign(1.0, k) == -1.0  # Go stores the new key for float keys

    def test_unhashable_key_raises_typeerror_naming_the_type(self) -> None:
        m = self.make(seed=7)
        m["x"] = 1
        ops = [lambda: m.__setitem__([1], 2), lambda: m.get([1]), lambda: m.delete({})]
        if self.typed_keys:
            ops = ops[:1]  # only the assignment hashes in every state
        for op in ops:
            with pytest.raises(TypeError, match=r"hash of unhashable type (list|dict)"):
                op()
        empty = self.make()
        if not self.typed_keys:
            with pytest.raises(TypeError, match="unhashable type list"):
                empty.delete([1])
        assert dict(m.items()) == {"x": 1}
        m.check_invariants()

    def test_failing_user_eq_or_hash_leaves_the_map_consistent(self) -> None:
        m = self.make(seed=8)
        keys = [Fragile(i) for i in range(200)]
        rng = random.Random(1)
        expected: dict[int, int] = {}
        try:
            for step in range(2000):
                k = rng.choice(keys)
                Fragile.fail_eq = rng.random() < 0.2
                Fragile.fail_hash = rng.random() < 0.1
                try:
                    if rng.random() < 0.7:
                        m[k] = step
                        expected[k.v] = step
                    else:
                        m.delete(k)
                        expected.pop(k.v, None)
                except RuntimeError:
                    pass
                finally:
                    Fragile.fail_eq = Fragile.fail_hash = False
                m.check_invariants()
                # The failed operation either happened wholly or not at all.
                got = m.get(k)
                if got is None:
                    expected.pop(k.v, None)
                else:
                    expected[k.v] = got
        finally:
            Fragile.fail_eq = Fragile.fail_hash = False
        assert {k.v: v for k, v in m.items()} == expected
        m[Fragile(10_000)] = 1  # still usable
        m.check_invariants()

    def test_iteration_order_is_random_per_iteration_and_reproducible_with_seed(self) -> None:
        m = self.make(((i, i) for i in range(100)), seed=9)
        orders = [tuple(m) for _ in range(10)]
        assert len(set(orders)) > 1, "ten iterations all came out in the same order"
        assert all(sorted(o) == list(range(100)) for o in orders)
        a = self.make(((str(i), i) for i in range(100)), seed=42)
        b = self.make(((str(i), i) for i in range(100)), seed=42)
        assert [list(a) for _ in range(5)] == [list(b) for _ in range(5)]
        assert a.snapshot() == b.snapshot()
        c = self.make(((str(i), i) for i in range(100)), seed=43)
        assert c.snapshot() != a.snapshot()

    def test_delete_everything_while_iterating(self) -> None:
        m = self.make(((i, i) for i in range(1000)), seed=10)
        seen = []
        for k in m:
            seen.append(k)
            del m[k]
        assert sorted(seen) == list(range(1000))
        assert len(m) == 0
        m.check_invariants()

    def test_repr_looks_like_go_fmt(self) -> None:
        m = self.make({"b": 2, "a": 1}.items(), seed=11)
        assert repr(m) == f"GoMap[{self.impl}]{{map['a':1 'b':2]}}"

    def test_two_threads_writing_without_a_lock_are_caught(self) -> None:
        m = self.make(seed=13)
        # Under the GIL one native operation on int keys is atomic: two threads cannot
        # overlap inside it, so there is nothing to detect. They overlap (and Go's check
        # fires) where a write runs Python code: the key's __eq__ here. On the Python
        # backend every write runs Python code, so plain ints overlap already.
        key: Any = PyInt if m.backend == "native" else int
        errors: list[BaseException] = []
        stop = time.monotonic() + 20

        def writer(base: int) -> None:
            try:
                i = 0
                while time.monotonic() < stop and not errors:
                    m[key(base + (i % 5000))] = i
                    m.delete(key(base + ((i * 7) % 5000)))
                    i += 1
            except MapFatalError as e:
                errors.append(e)

        old = sys.getswitchinterval()
        sys.setswitchinterval(1e-6)
        try:
            threads = [threading.Thread(target=writer, args=(b,)) for b in (0, 100_000)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(timeout=30)
            assert not any(t.is_alive() for t in threads), "a writer deadlocked"
        finally:
            sys.setswitchinterval(old)
        assert errors, "concurrent writes went undetected for 20 s"
        assert isinstance(errors[0], ConcurrentMapWriteError)
        assert str(errors[0]) == "concurrent map writes"
        m.check_invariants()  # the detecting writer raised before it changed anything

    def test_a_read_during_a_write_is_a_fatal_read_write_error(self) -> None:
        from gomap import ConcurrentMapReadWriteError

        m = self.make(seed=14)
        m[ReadsDuringEq(1)] = 1
        m[5] = 5
        ReadsDuringEq.target = m
        try:
            with pytest.raises(ConcurrentMapReadWriteError,
                               match="concurrent map read and map write"):
                m[ReadsDuringEq(2)] = 2  # comparing with the stored key reads the map mid-write
        finally:
            ReadsDuringEq.target = None
        m.check_invariants()
        assert m.get(5) == 5 and len(m) in (2, 3)

    def test_an_iterator_step_during_a_write_is_a_fatal_iteration_write_error(self) -> None:
        from gomap import ConcurrentMapIterationWriteError

        m = self.make(((i, i) for i in range(50)), seed=15)
        it = m.engine.iterator()
        assert it.next() is not None

        class StepsDuringEq(ReadsDuringEq):
            __hash__ = ReadsDuringEq.__hash__

            def __eq__(self, other: object) -> bool:
                it.next()
                return False

        # hash(StepsDuringEq) == hash(1) == 1: storing it compares it with the int key 1,
        # and that comparison steps the iterator while the write is under way.
        with pytest.raises(ConcurrentMapIterationWriteError, match="iteration and map write"):
            m[StepsDuringEq(2)] = 2
        m.check_invariants()

    @settings(suppress_health_check=[HealthCheck.differing_executors])
    @given(
        n=st.integers(0, 300),
        seed=st.integers(0, 2**32),
        script=st.lists(st.tuples(st.sampled_from("dix"), st.integers(0, 600)), max_size=400),
    )
    # a small map reuses the slot of a deleted key: 0, deleted and set again, lands in a
    # slot the iteration has not reached yet and is produced again (Go 1.26 Swiss)
    @example(n=1, seed=0, script=[("i", 2), ("d", 0), ("i", 1), ("i", 0)])
    def test_iteration_under_mutation_keeps_the_spec_guarantees(
        self, n: int, seed: int, script: list[tuple[str, int]]
    ) -> None:
        m = self.make(((k, k) for k in range(n)), seed=seed)
        start = set(range(n))
        first_deleted: dict[int, int] = {}  # key -> step of its first deletion
        inserted_ever: set[int] = set()
        produced: dict[int, int] = {}  # key -> step at which it was last produced
        # key -> the changes made to it (step, "d" deleted / "i" set), in order
        changes: dict[int, list[tuple[int, str]]] = {}
        ops = iter(script)
        step = 0
        for k, v in m.items():
            # What is produced is in the map now, with its current value.
            assert m.get(k, "absent") == v
            if k in produced:
                # Only a new entry may be produced again: one created during the
                # iteration (the spec: it "may be produced or skipped") after the
                # entry produced before was deleted.
                after = [what for t, what in changes.get(k, []) if t > produced[k]]
                assert "d" in after and "i" in after[after.index("d"):], \
                    f"{k} produced twice"
            produced[k] = step
            for _ in range(2):
                op = next(ops, None)
                if op is None:
                    break
                what, key = op
                step += 1
                if what == "d":
                    m.delete(key)
                    first_deleted.setdefault(key, step)
                    changes.setdefault(key, []).append((step, "d"))
                else:
                    m[key] = key + 1_000_000 * step if what == "i" else key
                    inserted_ever.add(key)
                    changes.setdefault(key, []).append((step, "i"))
            m.check_invariants()
        stayed = start - set(first_deleted)
        missing = stayed - set(produced)
        assert not missing, f"entries present throughout were not produced: {sorted(missing)[:10]}"
        # An entry removed before it was reached (and never added back) is not produced.
        for k, t in first_deleted.items():
            if k in produced and k not in inserted_ever:
                assert produced[k] < t, (f"{k} produced at step {produced[k]} after its "
                                         f"delete at {t}")

    def test_random_operations_match_dict(self) -> None:
        from hypothesis.stateful import run_state_machine_as_test

        machine = type("Machine", (MapVersusDict,), {"contract": type(self)})
        run_state_machine_as_test(machine)


# --- a stateful comparison with dict ------------------------------------------------------
class MapVersusDict(RuleBasedStateMachine):
    """Random operations on a map and on a dict; ``contract`` makes the map."""

    contract: type[MapContract]

    def __init__(self) -> None:
        super().__init__()
        self.m = self.contract().make(seed=12)
        self.d: dict[int, int] = {}
        self.it = None
        self.it_seen: set[int] = set()
        self.it_cleared = False

    keys = st.integers(-50, 250)

    @rule(k=keys, v=st.integers())
    def set(self, k: int, v: int) -> None:
        self.m[k] = v
        self.d[k] = v

    @rule(k=keys)
    def delete(self, k: int) -> None:
        self.m.delete(k)
        self.d.pop(k, None)

    @rule(k=keys)
    def get(self, k: int) -> None:
        assert self.m.get(k, "absent") == self.d.get(k, "absent")

    @rule()
    def clear(self) -> None:
        self.m.clear()
        self.d.clear()
        # Entries re-created after a clear are "created during iteration": the spec
        # lets them be produced or not, and Go's Swiss map can even produce one twice
        # (its iterator re-looks-up keys from a replaced table), so stop the
        # no-duplicate check for an iterator that lived through a clear.
        self.it_cleared = True

    @rule(n=st.integers(0, 60), base=st.integers(0, 10_000))
    def bulk_insert(self, n: int, base: int) -> None:
        for i in range(n):
            self.m[base + i] = i
            self.d[base + i] = i

    @rule()
    def start_iteration(self) -> None:
        self.it = self.m.engine.iterator()
        self.it_seen = set()
        self.it_cleared = False

    @precondition(lambda self: self.it is not None)
    @rule(steps=st.integers(1, 20))
    def step_iteration(self, steps: int) -> None:
        assert self.it is not None
        for _ in range(steps):
            kv = self.it.next()
            if kv is None:
                self.it = None
                return
            k, v = kv
            assert self.it_cleared or k not in self.it_seen
            self.it_seen.add(k)
            assert self.d.get(k, "absent") == v

    @invariant()
    def consistent(self) -> None:
        self.m.check_invariants()
        assert len(self.m) == len(self.d)

    def teardown(self) -> None:
        assert dict(self.m.items()) == self.d
