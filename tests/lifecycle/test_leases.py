"""Leases: one contract run against MemoryLeaseStore and RedisLeaseStore (a real
redis-server), fencing tokens, takeover, and lease handles in a Registry."""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from typing import Any

import pytest

from gomap.lifecycle import (
    Fence,
    LeaseLostError,
    LeaseStore,
    MemoryLeaseStore,
    Registry,
    StaleTokenError,
    State,
)
from tests.support.lifecycle import SimClock
from tests.support.redis_server import redis_server  # noqa: F401  (fixture)


class RedisClock:
    """Real time for the Redis store (Redis expires keys in real time)."""

    def sleep_past(self, seconds: float) -> None:
        time.sleep(seconds)


@pytest.fixture(params=["memory", "redis"])
def store(request: pytest.FixtureRequest) -> Iterator[tuple[LeaseStore, Any]]:
    """(store, advance) where advance(seconds) lets that much time pass for the store."""
    if request.param == "memory":
        clock = SimClock()

        def advance(s: float) -> None:
            clock.t += s

        yield MemoryLeaseStore(clock=clock), advance
    else:
        from gomap.lifecycle import RedisLeaseStore

        server = request.getfixturevalue("redis_server")
        prefix = f"t{time.monotonic_ns()}:"
        s = RedisLeaseStore(server.url, prefix=prefix)
        yield s, time.sleep
        s.close()


def test_one_owner_at_a_time(store: tuple[LeaseStore, Any]) -> None:
    s, _ = store
    a = s.acquire("db", "alice", 5)
    assert a is not None and a.owner == "alice" and a.valid
    assert s.acquire("db", "bob", 5) is None
    assert s.owner("db") == "alice"
    assert s.acquire("cache", "bob", 5) is not None  # another resource is free


def test_tokens_strictly_increase_per_resource(store: tuple[LeaseStore, Any]) -> None:
    s, _ = store
    tokens = []
    for i in range(5):
        lease = s.acquire("db", f"o{i}", 5)
        assert lease is not None
        tokens.append(lease.token)
        assert s.last_token("db") == lease.token
        assert lease.release()
    assert all(b > a for a, b in itertools.pairwise(tokens))
    assert s.owner("db") is None


def test_only_the_owner_renews_or_releases(store: tuple[LeaseStore, Any]) -> None:
    s, advance = store
    a = s.acquire("db", "alice", 0.3)
    assert a is not None
    assert a.renew()
    a.release()
    b = s.acquire("db", "bob", 0.3)
    assert b is not None
    # alice's stale lease object cannot renew or release bob's lease
    assert not a.renew() and not a.release()
    assert s.owner("db") == "bob"
    advance(0.5)  # bob lapses
    assert s.owner("db") is None
    assert not b.renew()


def test_lapsed_lease_is_taken_over_with_a_higher_token(store: tuple[LeaseStore, Any]) -> None:
    s, advance = store
    seen: list[tuple[Any, ...]] = []
    s.on_takeover(lambda *a: seen.append(a))
    a = s.acquire("db", "alice", 0.2)
    assert a is not None
    advance(0.4)
    b = s.acquire("db", "bob", 5)
    assert b is not None and b.previous == ("alice", a.token) and b.token > a.token
    assert seen == [("db", "alice", a.token, "bob", b.token)]
    # a released lease is not a takeover
    assert b.release()
    c = s.acquire("db", "carol", 5)
    assert c is not None and c.previous is None and len(seen) == 1


@pytest.mark.parametrize("args", [("", "o", 1), ("r", "", 1), ("r", "o", 0),
                                  ("r", "o", float("inf")), (3, "o", 1)])
def test_bad_arguments(args: tuple[Any, ...]) -> None:
    with pytest.raises(ValueError, match=r"lease|owner|TTL"):
        MemoryLeaseStore().acquire(*args)


def test_fence_refuses_stale_tokens() -> None:
    f = Fence()
    f.check("r", 3)
    f.check("r", 3)
    f.check("r", 5)
    with pytest.raises(StaleTokenError, match="token 4 is older than 5"):
        f.check("r", 4)
    assert f.refused == 1


# --- lease handles in a registry ------------------------------------------------------------
def test_registry_acquire_renew_release() -> None:
    clock = SimClock()
    store = MemoryLeaseStore(clock=clock)
    r = Registry(clock=clock, store=store)
    h = r.acquire("db", 10, owner="alice")
    assert h is not None and h.lease.token == 1 and store.owner("db") == "alice"
    assert r.acquire("db", 10, owner="bob") is None
    clock.t = 5
    assert h.renew() == 15
    h.release()
    assert h.state is State.RELEASED and store.owner("db") is None


def test_expired_lease_handle_releases_its_lease() -> None:
    clock = SimClock()
    store = MemoryLeaseStore(clock=clock)
    r = Registry(clock=clock, store=store)
    expired: list[int] = []
    h = r.acquire("db", 10, owner="alice", on_expire=lambda h: expired.append(h.id))
    assert h is not None
    clock.t = 9.99
    r.tick()
    assert store.owner("db") == "alice"
    clock.t = 10
    r.tick()
    assert expired == [h.id] and h.state is State.RELEASED
    assert store.last_token("db") == 1


def test_takeover_force_releases_the_lapsed_handle() -> None:
    clock = SimClock()
    store = MemoryLeaseStore(clock=clock)
    r1 = Registry(clock=clock, store=store, owner="svc-1")
    r2 = Registry(clock=clock, store=store, owner="svc-2")
    why: list[str] = []
    h1 = r1.acquire("lock", 10, on_force_release=lambda h, reason: why.append(reason))
    assert h1 is not None
    clock.t = 11  # svc-1 stalled: it never ticked, its lease lapsed in the store
    h2 = r2.acquire("lock", 10)
    assert h2 is not None and h2.lease.previous == ("svc-1", h1.lease.token)
    assert h1.state is State.FORCE_RELEASED
    assert why == [f"lease taken over by svc-2 (token {h2.lease.token})"]
    assert r1.metrics()["takeovers"] == 1


def test_renew_of_a_lost_lease_force_releases_and_raises() -> None:
    clock = SimClock()
    store = MemoryLeaseStore(clock=clock)
    r = Registry(clock=clock, store=store)
    h = r.acquire("lock", 10, owner="me")
    assert h is not None
    store._held.clear()  # the store forgot the lease (a restart without persistence)
    with pytest.raises(LeaseLostError, match="lease lost"):
        h.renew()
    assert h.state is State.FORCE_RELEASED and "lease lost" in (h.reason or "")


def test_redis_restart_loses_leases_but_tokens_keep_increasing(
        redis_server: Any) -> None:  # noqa: F811
    from gomap.lifecycle import RedisLeaseStore

    s = RedisLeaseStore(redis_server.url, prefix="restart:")
    a = s.acquire("db", "alice", 30)
    assert a is not None
    redis_server.restart()  # no persistence: every key is gone, the fence counter too
    assert s.owner("db") is None
    assert not a.renew()  # alice learns at her next renew that the lease is gone
    b = s.acquire("db", "bob", 30)
    assert b is not None and b.token > a.token  # the counter restarts from TIME in µs
    s.close()


def test_redis_takeover_reaches_another_process_by_pubsub(
        redis_server: Any) -> None:  # noqa: F811
    from gomap.lifecycle import RedisLeaseStore

    # two stores, two registries: nothing shared in Python but the Redis server
    s1 = RedisLeaseStore(redis_server.url, prefix="ps:", listen=True)
    s2 = RedisLeaseStore(redis_server.url, prefix="ps:", listen=True)
    r1 = Registry(clock=SimClock(), store=s1, owner="svc-1")  # never ticks: a stalled owner
    r2 = Registry(store=s2, owner="svc-2")
    why: list[str] = []
    h1 = r1.acquire("job", 0.2, on_force_release=lambda h, reason: why.append(reason))
    assert h1 is not None
    time.sleep(0.4)
    h2 = r2.acquire("job", 5)
    assert h2 is not None and h2.lease.previous == ("svc-1", h1.lease.token)
    end = time.monotonic() + 5
    while h1.state is not State.FORCE_RELEASED and time.monotonic() < end:
        time.sleep(0.01)
    assert h1.state is State.FORCE_RELEASED
    assert why == [f"lease taken over by svc-2 (token {h2.lease.token})"]
    h2.release()
    r2.close()
    s1.close()
    s2.close()
