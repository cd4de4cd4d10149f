"""Linearizability of concurrent map histories, checked per key.

A *history* is what threads observed: for every call, the operation, its
arguments, its result, and the instants it was invoked and returned (taken with
``time.perf_counter_ns`` before the call and after it). A history is
*linearizable* if the calls can be put in one sequential order that (1) keeps
every call that returned before another was invoked before it and (2) gives every
call the result a sequential map would have given.

For a map whose calls each touch one key, linearizability is *local*: the whole
history is linearizable iff each key's sub-history is (Herlihy & Wing, 1990). So
:func:`check_history` splits by key and searches each sub-history against a
sequential model of one register (absent, or holding a value), with the
Wing–Gong search and a memo of (calls already placed, register state) —
exponential in the worst case, instant for the small histories the tests make.

The register model is Go's ``sync.Map`` contract (see
:class:`gomap.companions.base.ConcurrentMap`): ``load`` → ``(v, ok)``,
``store`` → ``None``, ``load_or_store`` → ``(actual, loaded)``,
``load_and_delete`` → ``(v, loaded)``, ``delete`` → ``None``, ``swap`` →
``(previous, loaded)``, ``compare_and_swap`` → ``bool``, ``compare_and_delete``
→ ``bool``.
"""

from __future__ import annotations

import random
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

ABSENT: Any = ("<absent>",)
"""The register state of a key that is not in the map."""

SINGLE_KEY_OPS = ("load", "store", "load_or_store", "load_and_delete", "delete", "swap",
                  "compare_and_swap", "compare_and_delete")

VERSIONED_OPS = ("vload", "vstore", "vload_and_delete", "vcompare_and_delete",
                 "vcompare_and_store")
"""The register of a versioned map (:class:`gomap.audit.VersionedMap`): the state is
``(value, version)``. A version is chosen by the map, so a call that writes one carries
it in its arguments (taken from its result): ``vstore(v, ver) -> ver``,
``vcompare_and_store(expected_ver, v, new_ver) -> new_ver or 0``; ``vload() ->
(v, ver) or None``, ``vload_and_delete() -> (v, loaded)``,
``vcompare_and_delete(ver) -> bool``. That versions never repeat is checked apart
(:func:`versions_unique`)."""


@dataclass(frozen=True)
class Call:
    """One completed call: ``op(key, *args) -> result`` between ``invoke`` and ``response``."""

    thread: int
    op: str
    key: Any
    args: tuple[Any, ...]
    result: Any
    invoke: int
    response: int


def apply(state: Any, op: str, args: tuple[Any, ...]) -> tuple[Any, Any]:
    """The sequential register: ``(result, new state)`` of ``op`` on ``state``."""
    present = state is not ABSENT
    cur = state if present else None
    if op == "load":
        return (cur, present), state
    if op == "store":
        return None, args[0]
    if op == "load_or_store":
        return ((cur, True), state) if present else ((args[0], False), args[0])
    if op == "load_and_delete":
        return (cur, present), ABSENT
    if op == "delete":
        return None, ABSENT
    if op == "swap":
        return (cur, present), args[0]
    if op == "compare_and_swap":
        ok = present and cur == args[0]
        return ok, (args[1] if ok else state)
    if op == "compare_and_delete":
        ok = present and cur == args[0]
        return ok, (ABSENT if ok else state)
    if op in VERSIONED_OPS:
        return _apply_versioned(state, op, args)
    raise ValueError(f"not a single-key map operation: {op!r}")


def _apply_versioned(state: Any, op: str, args: tuple[Any, ...]) -> tuple[Any, Any]:
    present = state is not ABSENT
    if op == "vload":
        return (tuple(state) if present else None), state
    if op == "vstore":
        return args[1], (args[0], args[1])
    if op == "vload_and_delete":
        return ((state[0], True) if present else (None, False)), ABSENT
    if op == "vcompare_and_delete":
        ok = present and state[1] == args[0]
        return ok, (ABSENT if ok else state)
    # vcompare_and_store(expected, value, new)
    ok = (state[1] if present else 0) == args[0]
    if not ok:
        return 0, state
    if not args[2]:
        return ("<should have stored>",), state  # refused where the model succeeds
    return args[2], (args[1], args[2])


def versions_unique(calls: Sequence[Call]) -> bool:
    """Every version a versioned write returned is positive and returned once."""
    vs = [c.result for c in calls if c.op in ("vstore", "vcompare_and_store") and c.result]
    return all(isinstance(v, int) and v > 0 for v in vs) and len(set(vs)) == len(vs)


def check_key(calls: Sequence[Call], initial: Any = ABSENT) -> list[Call] | None:
    """A linearization of one key's calls (a list in linear order), or ``None``."""
    n = len(calls)
    order = sorted(range(n), key=lambda i: calls[i].invoke)
    failed: set[tuple[int, Any]] = set()
    chosen: list[int] = []

    def search(done: int, state: Any) -> bool:
        if done == (1 << n) - 1:
            return True
        memo = (done, state)
        if memo in failed:
            return False
        # Calls that may go next: not done, and invoked before every pending response.
        pending = [i for i in order if not done >> i & 1]
        horizon = min(calls[i].response for i in pending)
        for i in pending:
            c = calls[i]
            if c.invoke > horizon:
                break
            result, nxt = apply(state, c.op, c.args)
            if result != c.result:
                continue
            chosen.append(i)
            if search(done | 1 << i, nxt):
                return True
            chosen.pop()
        failed.add(memo)
        return False

    if search(0, initial):
        return [calls[i] for i in chosen]
    return None


def check_history(calls: Sequence[Call]) -> dict[Any, list[Call]]:
    """The keys whose sub-history is *not* linearizable, each with its calls (empty: ok)."""
    by_key: dict[Any, list[Call]] = defaultdict(list)
    for c in calls:
        by_key[c.key].append(c)
    return {k: cs for k, cs in by_key.items() if check_key(cs) is None}


def random_program(rng: random.Random, keys: Sequence[Any], n_ops: int, values: int = 3
                   ) -> list[tuple[str, Any, tuple[Any, ...]]]:
    """``n_ops`` random single-key calls over ``keys`` with values in ``range(values)``."""
    prog: list[tuple[str, Any, tuple[Any, ...]]] = []
    for _ in range(n_ops):
        op = rng.choice(SINGLE_KEY_OPS)
        k = rng.choice(keys)
        v = rng.randrange(values)
        if op in ("store", "load_or_store", "swap", "compare_and_delete"):
            args: tuple[Any, ...] = (v,)
        elif op == "compare_and_swap":
            args = (v, rng.randrange(values))
        else:
            args = ()
        prog.append((op, k, args))
    return prog


def run_history(m: Any, programs: Sequence[Sequence[tuple[str, Any, tuple[Any, ...]]]],
                *, start_delay_ns: int = 300_000) -> list[Call]:
    """Run one program per thread on map ``m``, all released at once; record every call.

    Every thread waits at a barrier, then spins until a common start instant
    ``start_delay_ns`` after the threads were started, so that all of them are
    runnable (and contending) when the first call begins. Results are normalised to
    tuples so they compare with :func:`apply`'s."""
    barrier = threading.Barrier(len(programs))
    out: list[list[Call]] = [[] for _ in programs]
    errors: list[BaseException] = []
    clock = time.perf_counter_ns

    def worker(t: int) -> None:
        rec = out[t]
        try:
            barrier.wait()
            while clock() < start:
                pass
            for op, k, args in programs[t]:
                f = getattr(m, op)
                t0 = clock()
                r = f(k, *args)
                t1 = clock()
                rec.append(Call(t, op, k, args, tuple(r) if isinstance(r, list) else r, t0, t1))
        except BaseException as e:  # reported to the caller below
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(t,)) for t in range(len(programs))]
    start = clock() + start_delay_ns
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    if errors:
        raise errors[0]
    return [c for rec in out for c in rec]


@dataclass
class Summary:
    """What :func:`run_random_histories` found."""

    histories: int = 0
    calls: int = 0
    overlapping: int = 0  # calls whose interval overlaps another thread's call on the same key
    violations: list[dict[Any, list[Call]]] | None = None

    @property
    def ok(self) -> bool:
        return not self.violations


def _overlaps(calls: Sequence[Call]) -> int:
    n = 0
    for a in calls:
        for b in calls:
            if a is not b and a.key == b.key and a.thread != b.thread and (
                    a.invoke < b.response and b.invoke < a.response):
                n += 1
                break
    return n


def run_random_histories(factory: Callable[[], Any], histories: int, *, threads: int = 3,
                         ops_per_thread: int = 5, keys: Sequence[Any] = ("a", "b"),
                         seed: int = 1, switch_interval: float = 1e-6,
                         prefill: bool = True) -> Summary:
    """Run ``histories`` random threaded histories on fresh maps from ``factory`` and
    check each; ``sys.setswitchinterval(switch_interval)`` while they run."""
    rng = random.Random(seed)
    summary = Summary(violations=[])
    old = sys.getswitchinterval()
    sys.setswitchinterval(switch_interval)
    try:
        for _ in range(histories):
            m = factory()
            calls0: list[Call] = []
            if prefill:
                # Some keys start present, recorded as calls that precede everything.
                for k in keys:
                    if rng.random() < 0.5:
                        v = rng.randrange(3)
                        m.store(k, v)
                        calls0.append(Call(-1, "store", k, (v,), None, -2, -1))
            programs = [random_program(rng, keys, ops_per_thread) for _ in range(threads)]
            calls = run_history(m, programs)
            summary.histories += 1
            summary.calls += len(calls)
            summary.overlapping += _overlaps(calls)
            bad = check_history(calls0 + calls)
            if bad:
                assert summary.violations is not None
                summary.violations.append(bad)
    finally:
        sys.setswitchinterval(old)
    return summary
