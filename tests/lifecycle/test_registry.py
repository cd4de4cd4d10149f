"""The lifecycle registry in simulated time: states, callbacks exactly once, deadline
order, levels L1/L2/L3, the event bus, metrics, and a randomized run against an
independent reference (tests/support/lifecycle.py)."""

from __future__ import annotations

import threading

import pytest
import tenacity
from hypothesis import given, settings
from hypothesis import strategies as st

from gomap.lifecycle import (
    External,
    Grace,
    HandleClosedError,
    LifecycleEvent,
    Registry,
    State,
)
from tests.support.lifecycle import SimClock, run_random


@pytest.fixture
def clock() -> SimClock:
    return SimClock()


def test_expire_at_deadline_not_before(clock: SimClock) -> None:
    r = Registry(clock=clock)
    seen: list[int] = []
    h = r.register("conn", ttl=5, on_expire=lambda h: seen.append(h.id))
    assert (h.state, h.deadline, h.active) == (State.ACTIVE, 5.0, True)
    clock.t = 4.999
    assert r.tick() == 0 and seen == []
    clock.t = 5.0  # "at or before clock()"
    assert r.tick() == 1
    assert seen == [h.id] and h.state is State.RELEASED and h.cause == "expired"
    clock.t = 100
    r.tick()
    assert seen == [h.id]


def test_renew_moves_deadline_and_ended_handle_refuses(clock: SimClock) -> None:
    r = Registry(clock=clock)
    h = r.register("x", ttl=5)
    clock.t = 4
    assert h.renew() == 9.0
    assert h.renew(ttl=2) == 6.0 and h.ttl == 2.0
    clock.t = 5.5
    r.tick()
    assert h.state is State.ACTIVE
    clock.t = 6
    r.tick()
    assert h.state is State.RELEASED
    with pytest.raises(HandleClosedError, match="has ended"):
        h.renew()


@pytest.mark.parametrize("bad", [0, -1, float("nan"), float("inf"), "5", True, None])
def test_bad_ttl_is_a_clear_error(clock: SimClock, bad: object) -> None:
    r = Registry(clock=clock)
    with pytest.raises(ValueError, match="TTL is a finite number"):
        r.register("x", ttl=bad)  # type: ignore[arg-type]


def test_bad_level_and_reason(clock: SimClock) -> None:
    r = Registry(clock=clock)
    with pytest.raises(ValueError, match="use 1, 2, 3 or a Level"):
        r.register("x", ttl=1, level=4)
    h = r.register("x", ttl=1)
    with pytest.raises(ValueError, match="needs a reason"):
        r.force_release(h, "")


def test_release_runs_no_callback_and_is_final(clock: SimClock) -> None:
    r = Registry(clock=clock)
    calls: list[str] = []
    reclaimed: list[str] = []
    h = r.register("x", ttl=5, on_expire=lambda h: calls.append("e"),
                   on_force_release=lambda h, why: calls.append("f"), reclaim=reclaimed.append)
    assert h.release() is True
    assert h.release() is False
    assert r.force_release(h, "late") is False
    clock.t = 10
    r.tick()
    assert calls == [] and reclaimed == ["x"]
    assert (h.state, h.cause) == (State.RELEASED, "explicit")


def test_context_manager_releases(clock: SimClock) -> None:
    r = Registry(clock=clock)
    with r.register("x", ttl=5) as h:
        assert h.state is State.ACTIVE
    assert h.state is State.RELEASED and h.cause == "explicit"


def test_force_release_once_with_reason(clock: SimClock) -> None:
    r = Registry(clock=clock)
    got: list[tuple[int, str]] = []
    h = r.register("x", ttl=5, on_force_release=lambda h, why: got.append((h.id, why)),
                   on_expire=lambda h: got.append((h.id, "expired")))
    assert r.force_release(h, "owner gone") is True
    assert r.force_release(h, "again") is False
    clock.t = 10
    r.tick()
    assert got == [(h.id, "owner gone")]
    assert (h.state, h.cause, h.reason) == (State.FORCE_RELEASED, "force", "owner gone")


def test_callbacks_run_in_deadline_order_within_a_tick(clock: SimClock) -> None:
    r = Registry(clock=clock)
    order: list[float] = []
    for ttl in (7, 3, 9, 3.5, 1, 8):
        r.register(ttl, ttl=ttl, on_expire=lambda h: order.append(h.deadline))
    clock.t = 8
    r.tick()
    assert order == [1, 3, 3.5, 7, 8]


def test_a_raising_callback_is_isolated(clock: SimClock) -> None:
    r = Registry(clock=clock)

    def boom(h: object) -> None:
        raise RuntimeError("callback bug")

    h = r.register("x", ttl=1, on_expire=boom)
    clock.t = 1
    r.tick()
    assert h.state is State.RELEASED and isinstance(h.error, RuntimeError)
    assert r.metrics()["callback_errors"] == 1


# --- L2: grace -------------------------------------------------------------------------
def test_l2_grace_then_expire(clock: SimClock) -> None:
    r = Registry(clock=clock, levels={2: Grace(3.0)})
    seen: list[float] = []
    h = r.register("conn", ttl=5, level=2, on_expire=lambda h: seen.append(clock.t))
    clock.t = 5
    r.tick()
    assert h.state is State.EXPIRING and h.active and seen == []
    assert r.metrics()["pending"] == 1 and r.metrics()["active"] == 0
    clock.t = 7.9
    r.tick()
    assert seen == []
    clock.t = 8
    r.tick()
    assert seen == [8] and h.state is State.RELEASED and h.cause == "expired"


def test_l2_renew_during_grace_revives(clock: SimClock) -> None:
    r = Registry(clock=clock)
    seen: list[int] = []
    h = r.register("conn", ttl=5, level=Grace(3.0), on_expire=lambda h: seen.append(1))
    clock.t = 6
    r.tick()
    assert h.state is State.EXPIRING
    h.renew()
    assert h.state is State.ACTIVE and h.deadline == 11
    m = r.metrics()
    assert (m["active"], m["pending"]) == (1, 0)
    clock.t = 9
    r.tick()
    assert seen == [] and h.state is State.ACTIVE


def test_l2_release_during_grace_no_callback(clock: SimClock) -> None:
    r = Registry(clock=clock)
    seen: list[int] = []
    h = r.register("conn", ttl=5, level=Grace(3.0), on_expire=lambda h: seen.append(1))
    clock.t = 6
    r.tick()
    assert h.release()
    clock.t = 20
    r.tick()
    assert seen == [] and h.state is State.RELEASED and h.cause == "explicit"


# --- L3: retries with tenacity -------------------------------------------------------------
class Flaky:
    """Fails ``fails`` times, then succeeds; records the clock at each attempt."""

    def __init__(self, clock: SimClock, fails: int) -> None:
        self.clock, self.fails, self.at = clock, fails, []

    def __call__(self, resource: object) -> None:
        self.at.append(self.clock.t)
        if len(self.at) <= self.fails:
            raise ConnectionError(f"attempt {len(self.at)} refused")


def run_until_quiet(r: Registry, clock: SimClock, step: float = 0.5, until: float = 200) -> None:
    while clock.t < until:
        clock.t += step
        r.tick()


def test_l3_retries_on_the_policy_times(clock: SimClock) -> None:
    lvl = External(stop=tenacity.stop_after_attempt(5),
                   wait=tenacity.wait_exponential(multiplier=1, min=0, max=60))
    r = Registry(clock=clock)
    flaky = Flaky(clock, fails=3)
    h = r.register("svc", ttl=10, level=lvl, reclaim=flaky)
    run_until_quiet(r, clock)
    # deadline 10; waits 1, 2, 4 (2^(n-1)) after attempts 1, 2, 3
    assert flaky.at == [10, 11, 13, 17]
    assert h.state is State.RELEASED and h.attempts == 4
    assert r.metrics()["reclaim_attempts"] == 4


def test_l3_gives_up_release_failed_is_visible(clock: SimClock) -> None:
    lvl = External(stop=tenacity.stop_after_attempt(3), wait=tenacity.wait_fixed(2))
    r = Registry(clock=clock)
    events: list[str] = []
    r.subscribe(lambda e: events.append(e.event))
    flaky = Flaky(clock, fails=99)
    h = r.register("svc", ttl=1, level=lvl, reclaim=flaky)
    run_until_quiet(r, clock, until=50)
    assert flaky.at == [1, 3, 5]
    assert h.state is State.RELEASE_FAILED and isinstance(h.error, ConnectionError)
    assert r.failed() == [h]
    m = r.metrics()
    assert m["release_failed"] == 1 and m["failed_visible"] == 1 and m["pending"] == 0
    assert events == ["created", "expired", "release_failed"]
    assert r.forget_failed(h) and r.failed() == []


def test_l3_deadline_stops_retries(clock: SimClock) -> None:
    lvl = External(stop=tenacity.stop_after_delay(10), wait=tenacity.wait_fixed(4))
    r = Registry(clock=clock)
    flaky = Flaky(clock, fails=99)
    h = r.register("svc", ttl=1, level=lvl, reclaim=flaky)
    run_until_quiet(r, clock, until=60)
    # first attempt at 1 starts the clock; stop once 10 s have passed since it
    assert flaky.at == [1, 5, 9, 13] and h.state is State.RELEASE_FAILED


def test_l3_jitter_stays_in_bounds(clock: SimClock) -> None:
    lvl = External(stop=tenacity.stop_after_attempt(4),
                   wait=tenacity.wait_exponential_jitter(multiplier=1, max=30, jitter=0.5))
    r = Registry(clock=clock)
    flaky = Flaky(clock, fails=3)
    r.register("svc", ttl=1, level=lvl, reclaim=flaky)
    run_until_quiet(r, clock, step=0.01, until=20)
    gaps = [b - a for a, b in zip(flaky.at, flaky.at[1:], strict=False)]
    for n, gap in enumerate(gaps):
        assert 2**n - 0.011 <= gap <= 2**n + 0.5 + 0.011, gaps


def test_l1_failed_reclaim_is_release_failed(clock: SimClock) -> None:
    r = Registry(clock=clock)
    h = r.register("m", ttl=1, reclaim=Flaky(clock, fails=1))
    assert h.release()
    assert h.state is State.RELEASE_FAILED and r.failed() == [h]


# --- events -------------------------------------------------------------------------------
def test_event_sequence_and_fields(clock: SimClock) -> None:
    r = Registry(clock=clock)
    evs: list[LifecycleEvent] = []
    r.subscribe(evs.append)
    a = r.register("a", ttl=2, kind="conn")
    b = r.register("b", ttl=2)
    c = r.register("c", ttl=2)
    clock.t = 1
    a.renew()
    b.release()
    r.force_release(c, "why")
    clock.t = 3
    r.tick()
    got = [(e.event, e.handle, e.cause) for e in evs]
    assert got == [("created", a.id, None), ("created", b.id, None), ("created", c.id, None),
                   ("renewed", a.id, None), ("released", b.id, "explicit"),
                   ("force_released", c.id, "force"), ("expired", a.id, "expired"),
                   ("released", a.id, "expired")]
    assert evs[0].kind == "conn" and evs[0].ttl == 2 and evs[3].deadline == 3
    assert evs[5].reason == "why" and evs[-1].ts == 3


def test_subscriber_filter_and_unknown_event(clock: SimClock) -> None:
    r = Registry(clock=clock)
    got: list[str] = []
    unsub = r.subscribe(lambda e: got.append(e.event), events={"released"})
    r.register("x", ttl=1).release()
    unsub()
    r.register("y", ttl=1).release()
    assert got == ["released"]
    with pytest.raises(ValueError, match="unknown lifecycle events"):
        r.subscribe(print, events={"deleted"})


def test_raising_subscriber_never_breaks_a_release(clock: SimClock) -> None:
    r = Registry(clock=clock)
    after: list[str] = []

    def bad(e: LifecycleEvent) -> None:
        raise RuntimeError("subscriber bug")

    r.subscribe(bad)
    r.subscribe(lambda e: after.append(e.event))
    h = r.register("x", ttl=1)
    assert h.release() and h.state is State.RELEASED
    assert after == ["created", "released"]
    assert r.metrics()["event_subscriber_errors"] == 2


def test_slow_subscriber_never_delays_a_release() -> None:
    r = Registry(clock=SimClock(), events="thread")
    gate = threading.Event()
    seen: list[str] = []

    def slow(e: LifecycleEvent) -> None:
        gate.wait(10)
        seen.append(e.event)

    r.subscribe(slow)
    h = r.register("x", ttl=1)
    assert h.release()
    # the release is complete while the subscriber is still blocked on its first event
    assert h.state is State.RELEASED and seen == []
    gate.set()
    r.bus.flush(5)
    assert seen == ["created", "released"]
    r.close()


def test_full_event_queue_drops_and_counts() -> None:
    from gomap.lifecycle import EventBus

    bus = EventBus("thread", maxsize=2)
    gate = threading.Event()
    bus.subscribe(lambda e: gate.wait(10))
    r = Registry(clock=SimClock(), events=bus)
    for i in range(10):
        r.register(i, ttl=1).release()
    assert r.metrics()["released"] == 10
    assert bus.dropped >= 20 - 3  # at most one in the subscriber, two queued
    gate.set()
    r.close()


# --- metrics --------------------------------------------------------------------------------
def test_metrics_and_prometheus(clock: SimClock) -> None:
    pytest.importorskip("prometheus_client")
    from prometheus_client.parser import text_string_to_metric_families

    from gomap.lifecycle.prom import exposition

    r = Registry(clock=clock)
    hs = [r.register(i, ttl=1 + i) for i in range(6)]
    hs[0].release()
    r.force_release(hs[1], "x")
    clock.t = 3.5  # handles with deadlines 3 (expires, 0.5 late) ... 6
    r.tick()
    m = r.metrics()
    assert (m["registered"], m["active"], m["pending"]) == (6, 3, 0)
    assert m["ended_by_cause"] == {"explicit": 1, "expired": 1, "deleted": 0,
                                   "replaced": 0, "force": 1}
    assert m["cleanup_latency_count"] == 3 and m["cleanup_latency_p99"] == 0.5
    fams = {f.name: f for f in text_string_to_metric_families(exposition(r).decode())}
    ended = {s.labels["cause"]: s.value for s in fams["gomap_lifecycle_ended"].samples
             if s.name.endswith("_total")}
    assert ended["expired"] == 1 and ended["force"] == 1 and ended["explicit"] == 1
    assert fams["gomap_lifecycle_active_handles"].samples[0].value == 3
    assert fams["gomap_lifecycle_pending_handles"].samples[0].value == 0
    hist = {(s.name, s.labels.get("le")): s.value
            for s in fams["gomap_lifecycle_cleanup_latency_seconds"].samples}
    assert hist[("gomap_lifecycle_cleanup_latency_seconds_count", None)] == 3
    assert hist[("gomap_lifecycle_cleanup_latency_seconds_bucket", "0.25")] == 2
    assert hist[("gomap_lifecycle_cleanup_latency_seconds_bucket", "0.5")] == 3


def test_close_with_release_drains_levels_in_order(clock: SimClock) -> None:
    r = Registry(clock=clock)
    order: list[int] = []
    for lvl in (3, 1, 2, 1, 3):
        r.register(lvl, ttl=10, level=lvl, reclaim=order.append)
    r.close(release=True)
    assert order == [1, 1, 2, 3, 3]


# --- randomized runs against the reference ----------------------------------------------------
@pytest.mark.parametrize("seed", [1, 2])
def test_random_run_matches_reference(seed: int) -> None:
    out = run_random(seed, 10_000)
    assert out.callbacks == out.expected["expired"] + out.expected["force"] > 1000


@settings(max_examples=30)
@given(st.integers(0, 2**32 - 1), st.integers(1, 300))
def test_random_runs_property(seed: int, n: int) -> None:
    run_random(seed, n)


def test_release_cause_is_checked(clock: SimClock) -> None:
    r = Registry(clock=clock)
    h = r.register("x", ttl=1)
    with pytest.raises(ValueError, match="release\\(\\) takes one of"):
        r.release(h, cause="expired")
    assert h.state is State.ACTIVE


@settings(max_examples=25)
@given(st.integers(0, 2**32 - 1))
def test_mixed_levels_random_run_keeps_the_invariants(seed: int) -> None:
    """L1, L2 (grace) and L3 (flaky reclaim) together, with renewals (some during a
    grace period), releases and force releases: every handle reaches exactly one final
    state, its callback ran at most once and matches its cause, none ran after a
    release, and the counters add up."""
    import random

    rng = random.Random(seed)
    clock = SimClock()
    lvl3 = External(stop=tenacity.stop_after_attempt(3), wait=tenacity.wait_fixed(1.0))
    r = Registry(clock=clock, levels={2: Grace(2.0), 3: lvl3})
    calls: dict[int, list[str]] = {}
    released: set[int] = set()

    def on_expire(h: object) -> None:
        assert h.id not in released  # type: ignore[attr-defined]
        calls.setdefault(h.id, []).append("e")  # type: ignore[attr-defined]

    def on_force(h: object, why: str) -> None:
        assert h.id not in released  # type: ignore[attr-defined]
        calls.setdefault(h.id, []).append("f")  # type: ignore[attr-defined]

    def reclaim(res: int) -> None:
        if rng.random() < 0.4:
            raise ConnectionError("flaky")

    hs = []
    for _ in range(300):
        x = rng.random()
        if x < 0.4 or not hs:
            hs.append(r.register(len(hs), ttl=rng.uniform(0.5, 10), level=rng.choice((1, 2, 3)),
                                 on_expire=on_expire, on_force_release=on_force,
                                 reclaim=reclaim if rng.random() < 0.7 else None))
        else:
            h = rng.choice(hs)
            if x < 0.6 and h.active:
                h.renew()
            elif x < 0.75:
                if h.release():
                    released.add(h.id)
            elif x < 0.85:
                r.force_release(h, "x")
            else:
                clock.t += rng.uniform(0, 2)
                r.tick()
    for _ in range(10):  # the last L3 retries are 1 s apart
        clock.t += 50
        r.tick()
    for h in hs:
        assert h.state in (State.RELEASED, State.FORCE_RELEASED, State.RELEASE_FAILED)
        want = {"expired": ["e"], "force": ["f"], "explicit": []}[h.cause]  # type: ignore[index]
        assert calls.get(h.id, []) == want
    m = r.metrics()
    assert m["active"] == m["pending"] == 0
    assert m["released"] + m["force_released"] + m["release_failed"] == len(hs)
    assert m["release_failed"] == len(r.failed())
    assert sum(m["ended_by_cause"].values()) == len(hs)
