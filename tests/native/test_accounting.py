"""The heap accountant and the simulator's loop in C against their Python references.

The native engines keep their own heap totals (``HMap._account`` / ``SwissMap._account``,
read by ``gomap.memory.NativeClassicAccountant`` / ``NativeSwissAccountant``) and run
the simulator's loop themselves (``_replay``). Both must give exactly what the Python
accountants, subscribed to the Python engines' events, and the Python loop give: here
after every operation of random scripts on both engines, on every kind of layout
(pointer-free buckets with overflow lists, pointerful buckets whose old chains are
freed early, indirect keys and elems whose objects old cells retain), with colliding
hashers, growth in progress and iterators interleaved; and on whole classic
simulations, with the operations the C loop hands back to Python mixed in (the Swiss
ones are in tests/test_native_swiss.py).
"""

from __future__ import annotations

import random
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gomap.hashing import DefaultHasher, default_rand
from gomap.layout.maplayout import map_layout
from gomap.memory import AccountedEngine, NativeClassicAccountant, NativeSwissAccountant
from gomap.ops import CLEAR, DEL, DUMP, GET, ITER, MAKE, NEXT, RANGE, SET, STOP
from gomap.sim.simulator import simulate
from tests.support.differential import native_or_skip

native = native_or_skip()

LAYOUTS = [
    ("int64", "int64"),        # pointer-free buckets: overflow lists
    ("int64", "string"),       # pointerful: evacuated chains unlinked early
    ("[17]int64", "int64"),    # indirect keys (over 128 bytes)
    ("int64", "[20]int64"),    # indirect elems
    ("string", "string"),
]


def make_key(key_type: str, v: int) -> Any:
    if key_type == "[17]int64":
        return tuple([v] * 17)
    if key_type == "string":
        return f"k{v}"
    return v


def collide(key: Any, seed: int) -> int:
    """Few distinct hashes: overflow chains and same-size growth."""
    h = hash(key) & 0xFFFF
    return (((h % 251) << 56) | (h // 7)) ^ seed


NATIVE_ACCOUNTANTS = {"classic": NativeClassicAccountant, "swiss": NativeSwissAccountant}


def pair(key_type: str, elem_type: str, hint: int, colliding: bool, seed: int,
         impl: str = "classic", unbox: bool = False) -> tuple[AccountedEngine, AccountedEngine]:
    """The Python engine and the native one (``unbox``: its int keys kept as int64)."""
    out = []
    for backend in ("python", "native"):
        rand = default_rand(seed)
        hasher: Any = collide if colliding else DefaultHasher(rand, stable=True)
        out.append(AccountedEngine(impl, hint, map_layout(key_type, elem_type),
                                   hasher=hasher, rand=rand, backend=backend,
                                   unbox_int_keys=unbox))
    py, nat = out
    assert not py.native and nat.native
    assert getattr(nat.engine, "unboxed", False) == (unbox and key_type == "int64")
    assert isinstance(nat.acct, NATIVE_ACCOUNTANTS[impl])
    return py, nat


def figures(e: AccountedEngine) -> dict[str, Any]:
    a = e.acct
    out = {"memory": e.memory().as_dict(), "peak": a.peak, "entries": a.entries,
           "grow_events": a.grow_events}
    if e.impl == "classic":
        out.update(unlinked=a.unlinked, orphans=a.orphans,
                   overflow_buckets=a.overflow_buckets())
    else:
        out.update(tables=a.tables, capacity=a.capacity, tombstones=a.tombstones())
    return out


def run_pair(key_type: str, elem_type: str, script: list[tuple[int, int]], hint: int,
             colliding: bool, seed: int, impl: str = "classic", unbox: bool = False) -> None:
    py, nat = pair(key_type, elem_type, hint, colliding, seed, impl, unbox)
    assert figures(py) == figures(nat)
    iters: list[list[Any]] = []
    for n, (what, v) in enumerate(script):
        key = make_key(key_type, v)
        if what < 5:
            for e in (py, nat):
                e.assign(key, n)
        elif what < 8:
            for e in (py, nat):
                e.delete(key)
        elif what == 8:
            assert py.lookup(key) == nat.lookup(key)
        elif what == 9 and v % 7 == 0:
            for e in (py, nat):
                e.clear()
        elif what == 9:
            iters.append([py.iterator(), nat.iterator()])
        else:  # step the open iterators (growth may happen between the steps)
            for pair_ in iters:
                assert pair_[0].next() == pair_[1].next()
            if v % 3 == 0:
                iters.clear()
        assert figures(py) == figures(nat), (n, what, v)
        assert py.snapshot() == nat.snapshot()
    nat.check_invariants()


script_st = st.lists(st.tuples(st.integers(0, 10), st.integers(0, 400)), max_size=300)


@pytest.mark.parametrize("impl", ["classic", "swiss"])
@pytest.mark.parametrize(("key_type", "elem_type"), LAYOUTS)
@settings(max_examples=25, deadline=None)
@given(script=script_st, hint=st.sampled_from([0, 0, 9, 100]), colliding=st.booleans(),
       seed=st.integers(0, 2**32 - 1))
def test_the_c_accountant_keeps_the_python_accountants_figures_after_every_op(
        impl: str, key_type: str, elem_type: str, script: list[tuple[int, int]], hint: int,
        colliding: bool, seed: int) -> None:
    run_pair(key_type, elem_type, script, hint, colliding, seed, impl)


@pytest.mark.parametrize("impl", ["classic", "swiss"])
@pytest.mark.parametrize(("key_type", "elem_type"), LAYOUTS)
def test_long_runs_through_many_growths_keep_the_same_figures(impl: str, key_type: str,
                                                              elem_type: str) -> None:
    rng = random.Random(key_type + elem_type)
    script = [(rng.choice([0, 0, 0, 1, 5, 6, 8, 9, 10]), rng.randrange(3000))
              for _ in range(6000)]
    run_pair(key_type, elem_type, script, 0, False, 7, impl)
    run_pair(key_type, elem_type, script[:2500], 0, True, 8, impl)


UNBOXED_LAYOUTS = [layout for layout in LAYOUTS if layout[0] == "int64"]


@pytest.mark.parametrize("impl", ["classic", "swiss"])
@pytest.mark.parametrize(("key_type", "elem_type"), UNBOXED_LAYOUTS)
@settings(max_examples=25, deadline=None)
@given(script=script_st, hint=st.sampled_from([0, 0, 9, 100]), colliding=st.booleans(),
       seed=st.integers(0, 2**32 - 1))
def test_unboxed_int_keys_keep_the_python_engines_state_and_figures_after_every_op(
        impl: str, key_type: str, elem_type: str, script: list[tuple[int, int]], hint: int,
        colliding: bool, seed: int) -> None:
    # The simulator's native maps keep Go integer keys as int64 in their buckets; the
    # state (snapshot), every result and every figure stay the reference's.
    run_pair(key_type, elem_type, script, hint, colliding, seed, impl, unbox=True)


@pytest.mark.parametrize("impl", ["classic", "swiss"])
@pytest.mark.parametrize(("key_type", "elem_type"), UNBOXED_LAYOUTS)
def test_unboxed_long_runs_through_many_growths_keep_the_same_figures(
        impl: str, key_type: str, elem_type: str) -> None:
    rng = random.Random("unboxed" + key_type + elem_type)
    script = [(rng.choice([0, 0, 0, 1, 5, 6, 8, 9, 10]), rng.randrange(3000))
              for _ in range(6000)]
    run_pair(key_type, elem_type, script, 0, False, 7, impl, unbox=True)
    run_pair(key_type, elem_type, script[:2500], 0, True, 8, impl, unbox=True)


# int64 values where hash(int) changes shape: around 2**61 - 1 (the modulus), -1 and -2
# (which hash alike), and the ends of the range.
HASH_EDGES = [0, 1, -1, -2, 2, 2**61 - 2, 2**61 - 1, 2**61, 2**62, -(2**61 - 1), -(2**61),
              -(2**61) - 1, 2**63 - 1, -(2**63), -(2**63) + 1, 3 * (2**61 - 1), 12345678901]


@pytest.mark.parametrize("impl", ["classic", "swiss"])
def test_an_unboxed_key_hashes_as_the_python_int_it_is(impl: str) -> None:
    py, nat = pair("int64", "int64", 0, False, 11, impl, unbox=True)
    for n, v in enumerate(HASH_EDGES * 3):
        for e in (py, nat):
            e.assign(v ^ (n // len(HASH_EDGES)), n)
        assert py.snapshot() == nat.snapshot()
    for v in HASH_EDGES:
        assert py.lookup(v) == nat.lookup(v)
    nat.check_invariants()


@pytest.mark.parametrize("impl", ["classic", "swiss"])
def test_an_unboxed_map_refuses_keys_it_cannot_hold_and_stays_intact(impl: str) -> None:
    _, nat = pair("int64", "int64", 0, False, 3, impl, unbox=True)
    for v in range(100):
        nat.assign(v, v)
    before = nat.snapshot()
    with pytest.raises(TypeError, match="Go integers"):
        nat.assign("7", 1)
    with pytest.raises(OverflowError, match="int64"):
        nat.assign(2**63, 1)
    with pytest.raises(OverflowError, match="int64"):
        nat.delete(-(2**63) - 1)
    assert nat.snapshot() == before
    with pytest.raises(ValueError, match="empty map"):
        _unbox_full(nat.engine)


def _unbox_full(engine: Any) -> None:
    """_unbox_int_keys on a boxed map holding entries (a ValueError)."""
    boxed = type(engine)()
    boxed.assign(1, 1)
    boxed._unbox_int_keys()


def test_a_raising_user_hash_fails_the_op_alike_and_keeps_the_figures_alike() -> None:
    class Bad:
        def __init__(self, v: int) -> None:
            self.v = v

        def __hash__(self) -> int:
            if self.v == 13:
                raise RuntimeError("boom")
            return self.v

        def __eq__(self, other: object) -> bool:
            return isinstance(other, Bad) and other.v == self.v

    py, nat = pair("[17]int64", "int64", 0, False, 5)
    for v in [*range(40), 13, *range(40, 200)]:
        outcomes = []
        for e in (py, nat):
            try:
                e.assign(Bad(v), v)
                outcomes.append(None)
            except RuntimeError as exc:
                outcomes.append(str(exc))
        assert outcomes[0] == outcomes[1]
        assert figures(py) == figures(nat)


OPS_ST = st.lists(
    st.one_of(
        st.tuples(st.just(SET), st.integers(0, 300)),
        st.tuples(st.just(SET), st.integers(0, 300), st.integers()),
        st.tuples(st.just(GET), st.integers(0, 300)),
        st.tuples(st.just(DEL), st.integers(0, 300)),
        st.just((CLEAR,)),
        st.just((RANGE,)),
        st.just((DUMP,)),
        st.tuples(st.just(ITER), st.integers(0, 2)),   # left to Python by the C loop
        st.tuples(st.just(NEXT), st.integers(0, 2)),
        st.tuples(st.just(STOP), st.integers(0, 2)),
    ),
    max_size=400,
)


def sim(backend: str, ops: list[tuple[Any, ...]], monkeypatch: pytest.MonkeyPatch,
        **kw: Any) -> Any:
    monkeypatch.setenv("GOMAP_BACKEND", backend)
    seen: list[int] = []
    try:
        rep = simulate("classic", "int64", "string", iter(ops), progress=seen.append, **kw)
    except Exception as exc:  # the same error on both backends
        return ("error", type(exc).__name__, str(exc))
    d = rep.as_dict()
    d.pop("seconds")
    d.pop("backend")
    return d, seen


@settings(max_examples=40, deadline=None)
@given(ops=OPS_ST, hint=st.sampled_from([None, 0, 50]), samples=st.sampled_from([3, 1000]))
def test_the_c_loop_gives_the_python_loops_report(ops: list[tuple[Any, ...]],
                                                  hint: int | None, samples: int) -> None:
    opened: set[int] = set()
    script: list[tuple[Any, ...]] = [] if hint is None else [(MAKE, hint)]
    for op in ops:  # NEXT only on an open iterator, as the Replayer requires
        if op[0] == NEXT and op[1] not in opened:
            continue
        if op[0] == ITER:
            opened.add(op[1])
        script.append(op)
    with pytest.MonkeyPatch.context() as mp:
        a = sim("python", script, mp, samples=samples, total=len(script))
        b = sim("native", script, mp, samples=samples, total=len(script))
    assert a == b


def test_the_c_loop_reports_a_misplaced_make_as_the_python_loop(
        monkeypatch: pytest.MonkeyPatch) -> None:
    ops = [(SET, 1), (SET, 2), (MAKE, 4), (SET, 3)]
    a = sim("python", ops, monkeypatch)
    b = sim("native", ops, monkeypatch)
    assert a == b == ("error", "ValueError", "op #3: make may only be the first operation")


def test_a_long_simulation_samples_and_reports_progress_alike(
        monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(11)
    ops: list[tuple[Any, ...]] = []
    for i in range(30000):
        r = rng.random()
        k = rng.randrange(5000)
        ops.append((SET, k) if r < 0.6 else (DEL, k) if r < 0.9 else (GET, k))
        if i % 9000 == 8999:
            ops.append((RANGE,))
    a = sim("python", ops, monkeypatch, samples=50, total=len(ops))
    b = sim("native", ops, monkeypatch, samples=50, total=len(ops))
    assert a == b
    report, progress = b
    assert progress == [*range(4096, 30000 + 3, 4096), len(ops)]
    assert len(report["timeline"]) >= 50


def test_replay_rejects_what_is_not_an_iterator() -> None:
    e = AccountedEngine("classic", 0, map_layout("int64", "int64"), backend="native")
    with pytest.raises(TypeError, match="iterator"):
        e.engine._replay([(SET, 1)], 0, 10, 0, 0, 0)


def test_the_c_accountant_and_loop_leak_nothing_over_a_million_operations() -> None:
    """Indirect keys go through the retained set at every growth; the loop makes an
    elem per SET: object counts, a sample key's refcount and traced memory come back."""
    import gc
    import sys
    import tracemalloc

    sample = tuple(range(17))
    keys = [tuple([i] * 17) for i in range(3000)] + [sample]

    def run(n: int) -> None:
        e = AccountedEngine("classic", 0, map_layout("[17]int64", "int64"), backend="native")
        rng = random.Random(3)
        ops = ((SET if rng.random() < 0.55 else DEL, rng.choice(keys)) for _ in range(n))
        done, op, ended, *_ = e.engine._replay(ops, 0, n + 1, 0, 0, 0)
        assert (done, op, ended) == (n, None, True)
        assert e.acct.entries == len(e)
        e.clear()
        del e

    run(20_000)  # warm caches
    gc.collect()
    refs = sys.getrefcount(sample)
    objects = len(gc.get_objects())
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    run(1_000_000)
    gc.collect()
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    assert sys.getrefcount(sample) == refs
    assert abs(len(gc.get_objects()) - objects) < 50
    assert after - before < 64 * 1024, f"{after - before} bytes not given back"
