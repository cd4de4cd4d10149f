"""Adaptive TTL under a synthetic load: the TTL factor shrinks and recovers at the times
the rule (gomap/lifecycle/adaptive.py) predicts, computed here by a separate model."""

from __future__ import annotations

import math

import pytest
import tenacity

from gomap.lifecycle import AdaptiveTTL, External, LifecycleEvent, Registry
from tests.support.lifecycle import SimClock

TTL, FAILS, WAIT, PER_SECOND, LOAD_END = 10.0, 2, 4.0, 20, 100


def reference(end: int, policy: dict[str, float]) -> list[tuple[int, float]]:
    """The rule on the synthetic load, written out on its own: every integer second
    t < LOAD_END registers PER_SECOND handles with TTL × factor; a handle is expired by
    the first tick at or after its deadline and its reclaim fails FAILS times, WAIT
    seconds apart, so it finishes FAILS × WAIT after its expiry tick; then the rule is
    evaluated at every tick. Returns [(t, new factor)] for each change."""
    factor, last_pressure, last_change = 1.0, None, None
    handles: list[tuple[float, int, int]] = []  # (deadline, expiry tick, finish tick)
    changes: list[tuple[int, float]] = []
    for t in range(end):
        if t < LOAD_END:
            deadline = t + TTL * factor
            tick = math.ceil(deadline)
            handles += [(deadline, tick, tick + int(FAILS * WAIT))] * PER_SECOND
        lat = [fin - d for d, _, fin in handles if t - policy["window"] < fin <= t]
        pending = sum(1 for _, tick, fin in handles if tick <= t < fin)
        p95 = sorted(lat)[math.ceil(0.95 * len(lat)) - 1] if lat else None
        if p95 is not None and p95 > policy["latency_threshold"] and \
                pending > policy["pending_threshold"]:
            last_pressure = t
            if last_change is None or t - last_change >= policy["cooldown"]:
                new = max(policy["min_factor"], factor * 0.8)
                if new != factor:
                    factor, last_change = new, t
                    changes.append((t, factor))
        elif factor < 1 and last_pressure is not None and t - last_pressure >= policy["quiet"]:
            factor, last_change = 1.0, t
            changes.append((t, factor))
    return changes


POLICY = {"latency_threshold": 5.0, "pending_threshold": 10, "cooldown": 60.0,
          "quiet": 300.0, "window": 60.0, "min_factor": 0.5}


def test_ttl_shrinks_and_recovers_when_the_rule_says() -> None:
    clock = SimClock()
    r = Registry(clock=clock)
    r.set_policy("conn", AdaptiveTTL(**POLICY))  # type: ignore[arg-type]
    events: list[LifecycleEvent] = []
    r.subscribe(events.append, events={"ttl_adjusted"})
    level = External(stop=tenacity.stop_after_attempt(FAILS + 1), wait=tenacity.wait_fixed(WAIT))
    attempts: dict[int, int] = {}

    def reclaim(h_id: int) -> None:
        attempts[h_id] = attempts.get(h_id, 0) + 1
        if attempts[h_id] <= FAILS:
            raise TimeoutError("the service is slow")

    end = 600
    n = 0
    for t in range(end):
        clock.t = float(t)
        if t < LOAD_END:
            for _ in range(PER_SECOND):
                r.register(n, TTL, kind="conn", level=level, reclaim=reclaim)
                n += 1
        r.tick()
    got = [(int(e.ts), e.detail["factor"]) for e in events]  # type: ignore[index]
    want = reference(end, POLICY)
    # by hand: the first handles (t=0) expire at 10 and finish at 10 + 2 × 4 = 18, when
    # 160 are pending: shrink at 18; cooldown 60 → 78. The last handles (t=99, TTL
    # 10 × 0.64) expire at tick 106 and finish at 114: the last pressure is at 113, so
    # back to 1 at 113 + 300.
    assert want == [(18, 0.8), (78, pytest.approx(0.64)), (413, 1.0)]
    assert got == want
    assert r.policy("conn").factor == 1.0  # type: ignore[union-attr]
    assert r.metrics()["release_failed"] == 0 and r.metrics()["pending"] == 0


def test_factor_applies_to_register_and_renew_of_its_kind_only() -> None:
    clock = SimClock()
    r = Registry(clock=clock)
    p = AdaptiveTTL()
    r.set_policy("conn", p)
    p.factor = 0.5
    a = r.register("a", 10, kind="conn")
    b = r.register("b", 10, kind="other")
    assert (a.deadline, b.deadline) == (5.0, 10.0)
    clock.t = 1
    assert a.renew() == 6.0


@pytest.mark.parametrize("kw", [{"shrink": 1.0}, {"min_factor": 0}, {"quiet": -1},
                                {"window": float("nan")}])
def test_bad_policy_is_a_clear_error(kw: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="AdaptiveTTL"):
        AdaptiveTTL(**kw)  # type: ignore[arg-type]
