"""Helpers shared by the lifecycle tests and benchmarks/bench_lifecycle.py: a settable
clock and the randomized simulated-time run checked against an independent reference."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from gomap.lifecycle import Registry


class SimClock:
    """A clock the test sets: ``clock()`` returns ``clock.t``."""

    def __init__(self, t: float = 0.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


@dataclass
class SimResult:
    """What a randomized run saw, and the reference's own counts."""

    ticks: int = 0
    callbacks: int = 0
    expected: dict[str, int] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)


def run_random(seed: int, n_handles: int, *, check: bool = True) -> SimResult:
    """Register ``n_handles`` L1 handles with random TTLs over simulated time, with random
    renewals, releases and force releases between ticks. The reference is this function's
    own dict of deadlines (it never reads the registry's heap or counters): at every tick
    it predicts which handles expire and in which order ((deadline, order of the last
    register/renew)), and at the end every counter. Raises AssertionError on the first
    difference."""
    rng = random.Random(seed)
    clock = SimClock()
    reg = Registry(clock=clock)
    out = SimResult()
    # the reference: handle id -> (deadline, push order); ended ids
    live: dict[int, tuple[float, int]] = {}
    handles: dict[int, Any] = {}
    ended_by: dict[int, str] = {}
    push = 0
    fired: list[tuple[str, int]] = []   # callbacks of the current tick
    calls: dict[int, int] = {}
    exp = {"registered": 0, "renewals": 0, "expired": 0, "explicit": 0, "force": 0}

    def on_expire(h: Any) -> None:
        fired.append(("expire", h.id))
        calls[h.id] = calls.get(h.id, 0) + 1
        if check:
            assert h.id not in ended_by, f"on_expire of handle {h.id} after it ended"

    def on_force(h: Any, reason: str) -> None:
        calls[h.id] = calls.get(h.id, 0) + 1
        if check:
            assert reason == f"r{h.id}"
            assert h.id not in ended_by, f"on_force_release of handle {h.id} after it ended"

    registered = 0
    while registered < n_handles or live:
        # a burst of operations at time clock.t
        for _ in range(rng.randint(0, 40)):
            r = rng.random()
            if r < 0.45 and registered < n_handles:
                ttl = rng.choice((rng.uniform(0.5, 50.0), float(rng.randint(1, 50))))
                h = reg.register(registered, ttl, on_expire=on_expire,
                                 on_force_release=on_force)
                registered += 1
                push += 1
                live[h.id] = (clock.t + ttl, push)
                handles[h.id] = h
                exp["registered"] += 1
            elif live and r < 0.75:
                hid = rng.choice(list(live)) if len(live) < 64 else \
                    next(iter(rng.sample(sorted(live), 1)))
                h = handles[hid]
                ttl = rng.uniform(0.5, 50.0) if rng.random() < 0.3 else None
                h.renew(ttl)
                push += 1
                live[hid] = (clock.t + (ttl if ttl is not None else h.ttl), push)
                exp["renewals"] += 1
            elif live and r < 0.9:
                hid = rng.choice(list(live))
                assert handles[hid].release()
                del live[hid]
                ended_by[hid] = "explicit"
                exp["explicit"] += 1
            elif live:
                hid = rng.choice(list(live))
                assert reg.force_release(handles[hid], f"r{hid}")
                del live[hid]
                ended_by[hid] = "force"
                exp["force"] += 1
        clock.t += rng.choice((0.0, rng.uniform(0.0, 3.0), float(rng.randint(1, 5))))
        predicted = sorted((d, p, hid) for hid, (d, p) in live.items() if d <= clock.t)
        fired.clear()
        reg.tick()
        out.ticks += 1
        if check:
            assert fired == [("expire", hid) for _, _, hid in predicted], \
                f"tick at t={clock.t}: fired {fired[:5]}... expected " \
                f"{[hid for _, _, hid in predicted][:5]}..."
        for _, _, hid in predicted:
            del live[hid]
            ended_by[hid] = "expired"
            exp["expired"] += 1
    out.callbacks = sum(calls.values())
    m = reg.metrics()
    out.metrics = m
    out.expected = exp
    if check:
        assert all(n == 1 for n in calls.values()), "a callback ran twice"
        assert set(calls) == {h for h, c in ended_by.items() if c != "explicit"}
        assert m["registered"] == exp["registered"]
        assert m["renewals"] == exp["renewals"]
        assert m["expirations"] == exp["expired"]
        assert m["ended_by_cause"]["expired"] == exp["expired"]
        assert m["ended_by_cause"]["explicit"] == exp["explicit"]
        assert m["ended_by_cause"]["force"] == exp["force"]
        assert m["released"] == exp["expired"] + exp["explicit"]
        assert m["force_released"] == exp["force"]
        assert m["active"] == 0 and m["pending"] == 0
        for hid, cause in ended_by.items():
            h = handles[hid]
            assert h.cause == cause, (hid, h.cause, cause)
            assert h.state.value == ("force_released" if cause == "force" else "released")
    return out
