"""The differential runner: one engine's native (C) backend against its Python
reference, fed the same operations, compared after every one (the same results,
the same exceptions, the same ``snapshot()``, the same events and hook calls).

:class:`Side` holds one backend's map, its hook log and its iterators;
:func:`run_both` drives two sides through a script; :func:`run_both_classic` and
:func:`run_both_swiss` make the two sides of each engine. The user code these
tests inject (keys whose ``__hash__`` / ``__eq__`` raise, logging hashers and
``rand``) is here too.
"""

from __future__ import annotations

import random
from typing import Any

from gomap.hashing import DefaultHasher, default_rand


def native_or_skip() -> Any:
    """``gomap.native``, or skip the whole module when the C extension is not built."""
    import pytest

    native = pytest.importorskip("gomap.native")
    if not native.AVAILABLE:  # pragma: no cover
        pytest.skip("the C extension is not built", allow_module_level=True)
    return native


class Boom(Exception):
    """Raised by the user code of these tests."""


class Key:
    """A user key with Python __hash__/__eq__ that can be told to raise."""

    armed: int = -1  # raise on this many-th call from now (-1: never)
    calls: list[str] = []  # noqa: RUF012 - shared on purpose: the call log

    def __init__(self, v: int) -> None:
        self.v = v

    @staticmethod
    def tick(what: str) -> None:
        Key.calls.append(what)
        if Key.armed == 0:
            Key.armed = -1
            raise Boom(what)
        if Key.armed > 0:
            Key.armed -= 1

    def __hash__(self) -> int:
        Key.tick(f"hash {self.v}")
        return self.v % 3

    def __eq__(self, other: object) -> bool:
        Key.tick(f"eq {self.v}")
        return isinstance(other, Key) and other.v == self.v

    def __repr__(self) -> str:
        return f"Key({self.v})"


def collide_hasher(log: list[Any]) -> Any:
    """A user hasher with few distinct hashes: long overflow chains, same-size growth."""

    def hasher(key: Any, seed: int) -> int:
        log.append(("hash", repr(key), seed))
        if isinstance(key, float) and key != key:
            return 0x9E3779B97F4A7C15 ^ seed
        h = hash(key) & 0xFFFF
        return (((h % 251) << 56) | (h // 10)) ^ seed  # runs of 10 keys share a bucket

    return hasher


def few_hashes(log: list[Any]) -> Any:
    """A hasher with 61 distinct hashes (whole 64-bit collisions): one probe sequence
    per hash, full groups, tombstones, pruning that must keep them."""

    def hasher(key: Any, seed: int) -> int:
        log.append(("hash", repr(key), seed))
        if isinstance(key, float) and key != key:
            return 0x9E3779B97F4A7C15 ^ seed
        return ((hash(key) % 61) * 0x9E3779B97F4A7C15 ^ seed) & (2**64 - 1)

    return hasher


def counting_rand(seed: int, log: list[Any], armed: list[int] | None = None) -> Any:
    """A logged rand; ``armed[0] == 0`` makes the next draw raise (n > 0: n draws on)."""
    r = default_rand(seed)

    def rand() -> int:
        if armed is not None and armed[0] >= 0:
            armed[0] -= 1
            if armed[0] < 0:
                log.append(("rand", "boom"))
                raise Boom("rand")
        v = r()
        log.append(("rand", v))
        return v

    return rand


class Side:
    """One backend's map, its hook log and its iterators.

    ``hasher_kind``: ``stable`` / ``process`` (the default hasher), ``few``
    (:func:`few_hashes`) or anything else (:func:`collide_hasher`). With
    ``boom_observer`` the observer raises on the events in ``boom_events``.
    """

    boom_events: tuple[str, ...] = ()

    def __init__(self, cls: Any, seed: int, hasher_kind: str, hint: int,
                 boom_observer: bool, **engine_options: Any) -> None:
        self.log: list[Any] = []
        self.rand_armed = [-1]
        rand = counting_rand(seed, self.log, self.rand_armed)
        if hasher_kind == "stable":
            hasher = DefaultHasher(rand, stable=True)
        elif hasher_kind == "process":
            hasher = DefaultHasher(rand)
        elif hasher_kind == "few":
            hasher = few_hashes(self.log)
        else:
            hasher = collide_hasher(self.log)
        self.boom_observer = boom_observer
        self.h = cls(hint, hasher=hasher, rand=rand, observer=self.observe, **engine_options)
        self.iters: list[Any] = []

    def observe(self, event: str, details: dict[str, Any]) -> None:
        self.log.append((event, repr(details)))
        if self.boom_observer and event in self.boom_events:
            raise Boom(event)

    def run(self, op: tuple[Any, ...]) -> Any:
        kind = op[0]
        h = self.h
        if kind == "set":
            return h.assign(op[1], op[2])
        if kind == "del":
            return h.delete(op[1])
        if kind == "get":
            return h.lookup(op[1])
        if kind == "clear":
            return h.clear()
        if kind == "iter":
            self.iters.append(h.iterator())
            return None
        if kind == "next":
            if not self.iters:
                return None
            it = self.iters[op[1] % len(self.iters)]
            if op[2] % 2:  # the iterator protocol (the native tp_iternext's fast step)
                return [next(it, None) for _ in range(op[2])]
            return [it.next() for _ in range(op[2])]
        if kind == "armrand":  # a later rand() draw raises (iterator start, new seed, ...)
            self.rand_armed[0] = op[1]
            return None
        if kind == "drop":
            if self.iters:
                self.iters.pop(op[1] % len(self.iters))
            return None
        if kind == "fill":
            for k in range(op[1]):
                h.assign(k * 7919 % 5003, k)
            return None
        raise AssertionError(op)


class ClassicSide(Side):
    """One backend's classic map (``layout``: its BucketLayout)."""

    boom_events = ("newoverflow", "emptyRest")

    def __init__(self, cls: Any, seed: int, hasher_kind: str, hint: int, layout: Any,
                 boom_observer: bool) -> None:
        super().__init__(cls, seed, hasher_kind, hint, boom_observer, layout=layout)


class SwissSide(Side):
    """One backend's Swiss map (``key_kind``: its access path)."""

    boom_events = ("tombstone", "tableGrow", "split", "directoryGrow", "smallToTable",
                   "pruneTombstones", "iterInit")

    def __init__(self, cls: Any, seed: int, hasher_kind: str, hint: int, key_kind: str,
                 boom_observer: bool) -> None:
        super().__init__(cls, seed, hasher_kind, hint, boom_observer, key_kind=key_kind)


def long_script(rng: random.Random, nkeys: int, n: int, *, nan: float = 0.02,
                signed_zeros: float | None = 0.02, next_stop: int = 40, drop: float = 0.997
                ) -> list[tuple[Any, ...]]:
    """``n`` random operations on keys below ``nkeys`` (a NaN key with probability
    ``nan``, else ±0.0 with probability ``signed_zeros``): mostly assigns and deletes,
    some lookups, iterators started, stepped (1 to ``next_stop - 1`` steps), dropped
    (up to ``drop``) and clears."""
    ops: list[tuple[Any, ...]] = []
    for _ in range(n):
        r = rng.random()
        k: Any = rng.randrange(nkeys)
        if rng.random() < nan:
            k = float("nan")
        elif signed_zeros is not None and rng.random() < signed_zeros:
            k = rng.choice([0.0, -0.0])
        if r < 0.55:
            ops.append(("set", k, rng.randrange(9)))
        elif r < 0.8:
            ops.append(("del", k))
        elif r < 0.85:
            ops.append(("get", k))
        elif r < 0.87:
            ops.append(("iter",))
        elif r < 0.99:
            ops.append(("next", rng.randrange(4), rng.randrange(1, next_stop)))
        elif r < drop:
            ops.append(("drop", rng.randrange(4)))
        else:
            ops.append(("clear",))
    return ops


def outcome(side: Side, op: tuple[Any, ...]) -> tuple[str, str]:
    """What ``op`` did on ``side``: its result or its exception, and the user key calls."""
    Key.calls = []
    try:
        r = side.run(op)
    except Exception as e:  # the failure itself is compared
        return ("raise", f"{type(e).__name__}: {e} | {Key.calls}")
    return ("ok", f"{r!r} | {Key.calls}")


def same(py: Side, c: Side, where: str) -> None:
    """The two sides hold the same state and logged the same calls and events."""
    assert repr(py.h.snapshot()) == repr(c.h.snapshot()), f"{where}: state"
    assert py.log == c.log, f"{where}: hook calls / events differ"


def run_both(py: Side, c: Side, ops: list[tuple[Any, ...]], check_every: int = 1) -> None:
    """Run ``ops`` on both sides: the same outcome after every op, and the same state,
    logs and invariants every ``check_every`` ops, after the last one and at the start.
    ``("arm", n)`` makes a user key's n-th ``__hash__`` / ``__eq__`` call from now raise."""
    same(py, c, "make")
    for step, op in enumerate(ops):
        if op[0] == "arm":
            Key.armed = op[1]
            a = outcome(py, ("get", Key(1)))
            Key.armed = op[1]
            b = outcome(c, ("get", Key(1)))
            Key.armed = -1
            assert a == b, f"step {step} {op}"
            continue
        a = outcome(py, op)
        b = outcome(c, op)
        Key.armed = -1
        assert a == b, f"step {step} {op}: results differ"
        if step % check_every == 0 or step == len(ops) - 1:
            same(py, c, f"step {step} {op}")
            if a[0] == "ok" and not py.boom_observer:
                py.h.check_invariants()  # both: the checks call the hasher, which logs
                c.h.check_invariants()
    same(py, c, "end")


def run_both_raising(py: Side, c: Side, ops: list[tuple[Any, ...]], rng: random.Random
                     ) -> int:
    """Run ``ops`` (``arm`` ops skipped) on both sides with a user key armed to raise
    at a random call of 4 in 10 ops; the same outcome, state, logs and invariants after
    every op. Returns how many ops raised."""
    raised = 0
    for step, op in enumerate(ops):
        if op[0] == "arm":
            continue
        n = rng.randrange(6) if rng.random() < 0.4 else -1
        Key.armed = n
        a = outcome(py, op)
        Key.armed = n
        b = outcome(c, op)
        Key.armed = -1
        raised += a[0] == "raise"
        assert a == b, f"step {step}"
        same(py, c, f"step {step}")
        py.h.check_invariants()
        c.h.check_invariants()
    return raised


def assert_stats_alike(py: Any, c: Any, steps: int, nkeys: int) -> None:
    """Assign (2 steps in 3) and delete random keys below ``nkeys`` on two maps; every
    250 steps both report the same ``stats()``, shallow and deep."""
    rng = random.Random(9)
    for step in range(steps):
        k = rng.randrange(nkeys)
        for m in (py, c):
            if step % 3:
                m.assign(k, step)
            else:
                m.delete(k)
        if step % 250 == 0:
            assert py.stats(deep=True) == c.stats(deep=True)
            assert py.stats() == c.stats()


SIMULATE_CASES = [
    ("int64", "int64", "fill:n=20000"),
    ("int64", "int64", "churn:size=3000,cycles=4"),
    ("int64", "int64", "mix:n=30000,space=4000,set=0.5,get=0.3,del=0.2"),
    ("string", "[]byte", "churn:size=2000,cycles=3,keys=string:24"),
    ("[17]int64", "int64", "mix:n=8000,space=900,set=0.6,get=0.2,del=0.2"),
]
"""(key type, value type, pattern) cases for :func:`simulate_on_both_backends`."""


def simulate_on_both_backends(impl: str, key: str, value: str, pattern: str,
                              monkeypatch: Any) -> None:
    """``gomap simulate``'s whole report for ``pattern`` (with a range, iterators and a
    clear put in, which the C loop hands back to Python) is the same on the Python and
    the native backend, progress calls included."""
    from gomap.layout.types import parse_go_type
    from gomap.ops import CLEAR, ITER, RANGE
    from gomap.sim.ops import KeyDomain
    from gomap.sim.simulator import simulate
    from gomap.sim.workloads import parse_pattern

    ops = list(parse_pattern(pattern).ops(KeyDomain(parse_go_type(key))))
    # other kinds of op in between: the C loop hands them back to Python
    ops[len(ops) // 3: len(ops) // 3] = [(RANGE,), (ITER, "a"), (CLEAR,)]
    ops[len(ops) // 2: len(ops) // 2] = [(ITER, "b")]
    reports = []
    for backend in ("python", "native"):
        monkeypatch.setenv("GOMAP_BACKEND", backend)
        seen: list[int] = []
        rep = simulate(impl, key, value, ops, total=len(ops) - 1, samples=50,
                       progress=seen.append, rebuild=True).as_dict()
        rep.pop("seconds")
        assert rep.pop("backend") == backend
        reports.append((rep, seen))
    assert reports[0] == reports[1]


def run_both_classic(ops: list[tuple[Any, ...]], seed: int, hasher_kind: str, hint: int,
                     layout: Any, boom_observer: bool = False
                     ) -> tuple[ClassicSide, ClassicSide]:
    """The classic engine's Python and native backends through ``ops``, checked after
    every op."""
    from gomap.classic import HMap
    from gomap.native import NativeHMap

    py = ClassicSide(HMap, seed, hasher_kind, hint, layout, boom_observer)
    c = ClassicSide(NativeHMap, seed, hasher_kind, hint, layout, boom_observer)
    run_both(py, c, ops)
    return py, c


def run_both_swiss(ops: list[tuple[Any, ...]], seed: int, hasher_kind: str, hint: int,
                   key_kind: str = "generic", boom_observer: bool = False,
                   check_every: int = 1) -> tuple[SwissSide, SwissSide]:
    """The Swiss engine's Python and native backends through ``ops``."""
    from gomap.native import NativeSwissMap
    from gomap.swiss import SwissMap

    py = SwissSide(SwissMap, seed, hasher_kind, hint, key_kind, boom_observer)
    c = SwissSide(NativeSwissMap, seed, hasher_kind, hint, key_kind, boom_observer)
    run_both(py, c, ops, check_every)
    return py, c
