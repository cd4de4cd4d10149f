"""Leases: one owner per resource at a time, across threads, processes and hosts, each
acquire stamped with a fencing token.

A *lease* is a lock with a TTL: ``store.acquire(resource_id, owner, ttl)`` returns a
:class:`Lease` or None (someone else holds it); ``lease.renew()`` extends it (only the
owner's renew counts), ``lease.release()`` gives it back (only the owner's release
counts), ``store.owner(resource_id)`` says who holds it. A lease whose TTL lapsed without
a release (its owner died, hung or lost the network) is *taken over* by the next
acquire: that lease's ``previous`` names the lapsed owner and token, and the store tells
its ``on_takeover`` listeners (a :class:`~gomap.lifecycle.Registry` force-releases the
lapsed handle if it lives in the same process).

Fencing. An owner that has lapsed may not know it (a GC pause, a stopped VM, a slow
network): it can still *act*. So every successful acquire returns ``lease.token``, a
number strictly greater than every token issued before for that resource. The protected
resource (a database row, a file, an append log) remembers the highest token it accepted
and refuses a write carrying a smaller one (:class:`Fence`). The lapsed owner's late
write then fails instead of overwriting its successor's.

Backends:

* :class:`MemoryLeaseStore` — one process (a dict under a lock; injectable clock).
* :class:`RedisLeaseStore` — Redis (``redis-py``). Acquire, renew and release are Lua
  scripts, so owner + TTL are set in one step and only the owner (by its token) renews or
  releases. Tokens come from ``INCR`` on a per-resource counter; a counter that does not
  exist (first use, or after a restart without persistence) starts from the server's
  ``TIME`` in microseconds, so tokens keep increasing across a restart as long as the
  server's clock does not go back and acquires stay under 10^6 per second per resource.
  See docs/LIFECYCLE.md, "Failure modes", for what a failover can break.
"""

from __future__ import annotations

import contextlib
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Fence", "Lease", "LeaseStore", "LeaseStoreError", "MemoryLeaseStore",
           "RedisLeaseStore", "StaleTokenError"]

TakeoverListener = Callable[[str, str, int, str, int], Any]


class LeaseStoreError(RuntimeError):
    """The store could not be reached (the lease's state is unknown)."""


class StaleTokenError(RuntimeError):
    """A write carried a fencing token older than one the resource already accepted."""


def _check(resource_id: Any, owner: Any, ttl: Any) -> None:
    if not isinstance(resource_id, str) or not resource_id:
        raise ValueError(f"resource_id={resource_id!r}: a lease names its resource with a "
                         "non-empty string")
    if not isinstance(owner, str) or not owner:
        raise ValueError(f"owner={owner!r}: an owner is a non-empty string")
    if isinstance(ttl, bool) or not isinstance(ttl, (int, float)) or not ttl > 0 \
            or ttl == float("inf"):
        raise ValueError(f"ttl={ttl!r}: a lease TTL is a finite number of seconds > 0")


@dataclass
class Lease:
    """One held lease. ``token`` is the fencing token; ``valid_until`` is the owner's
    conservative local view (measured from before the request, minus a drift margin):
    the store's lease lasts at least that long unless it was lost."""

    resource_id: str
    owner: str
    token: int
    ttl: float
    valid_until: float
    store: LeaseStore = field(repr=False)
    previous: tuple[str, int] | None = None

    @property
    def valid(self) -> bool:
        """True while the local view says the lease is ours (no round trip)."""
        return self.store.now() < self.valid_until

    def renew(self, ttl: float | None = None) -> bool:
        """Extend the lease by ``ttl`` (default its TTL) from now; False if it is no longer
        ours (lapsed, taken over, or released)."""
        return self.store._renew(self, self.ttl if ttl is None else ttl)

    def release(self) -> bool:
        """Give the lease back; False if it was no longer ours."""
        return self.store._release(self)


class LeaseStore(ABC):
    """The interface every lease backend implements."""

    drift = 0.01  # fraction of the TTL kept as margin in ``valid_until``

    def __init__(self) -> None:
        self._listeners: list[TakeoverListener] = []

    def now(self) -> float:
        return time.monotonic()

    def on_takeover(self, fn: TakeoverListener) -> None:
        """Call ``fn(resource_id, previous_owner, previous_token, new_owner, new_token)``
        when this store hands out a lease whose previous holder lapsed."""
        self._listeners.append(fn)

    def _took_over(self, lease: Lease) -> None:
        if lease.previous is None:
            return
        for fn in list(self._listeners):  # a listener never breaks an acquire
            with contextlib.suppress(Exception):
                fn(lease.resource_id, lease.previous[0], lease.previous[1], lease.owner,
                   lease.token)

    def _valid_until(self, sent: float, ttl: float) -> float:
        return sent + ttl * (1 - self.drift) - 0.002

    @abstractmethod
    def acquire(self, resource_id: str, owner: str, ttl: float) -> Lease | None:
        """The lease on ``resource_id`` for ``ttl`` seconds, or None if another holds it."""

    @abstractmethod
    def owner(self, resource_id: str) -> str | None:
        """Who holds ``resource_id`` now, or None."""

    @abstractmethod
    def last_token(self, resource_id: str) -> int:
        """The last fencing token issued for ``resource_id`` (0 if none)."""

    @abstractmethod
    def _renew(self, lease: Lease, ttl: float) -> bool: ...

    @abstractmethod
    def _release(self, lease: Lease) -> bool: ...


class MemoryLeaseStore(LeaseStore):
    """Leases within one process. ``clock`` (seconds) is injectable for tests.

    >>> s = MemoryLeaseStore(clock=lambda: 0.0)
    >>> a = s.acquire("db", "alice", 10); s.acquire("db", "bob", 10) is None
    True
    >>> s.owner("db"), a.token
    ('alice', 1)
    """

    def __init__(self, clock: Callable[[], float] | None = None) -> None:
        super().__init__()
        self._clock = clock or time.monotonic
        self._lock = threading.Lock()
        self._held: dict[str, tuple[str, int, float]] = {}   # rid → (owner, token, expiry)
        self._fence: dict[str, int] = {}

    def now(self) -> float:
        return self._clock()

    def acquire(self, resource_id: str, owner: str, ttl: float) -> Lease | None:
        _check(resource_id, owner, ttl)
        with self._lock:
            now = self._clock()
            cur = self._held.get(resource_id)
            if cur is not None and cur[2] > now:
                return None
            token = self._fence.get(resource_id, 0) + 1
            self._fence[resource_id] = token
            self._held[resource_id] = (owner, token, now + ttl)
            lease = Lease(resource_id, owner, token, float(ttl), now + ttl, self,
                          (cur[0], cur[1]) if cur is not None else None)
        self._took_over(lease)
        return lease

    def owner(self, resource_id: str) -> str | None:
        with self._lock:
            cur = self._held.get(resource_id)
            return cur[0] if cur is not None and cur[2] > self._clock() else None

    def last_token(self, resource_id: str) -> int:
        with self._lock:
            return self._fence.get(resource_id, 0)

    def _renew(self, lease: Lease, ttl: float) -> bool:
        with self._lock:
            now = self._clock()
            cur = self._held.get(lease.resource_id)
            if cur is None or cur[1] != lease.token or cur[2] <= now:
                return False
            self._held[lease.resource_id] = (cur[0], cur[1], now + ttl)
            lease.valid_until = now + ttl
            return True

    def _release(self, lease: Lease) -> bool:
        with self._lock:
            cur = self._held.get(lease.resource_id)
            if cur is None or cur[1] != lease.token:
                return False
            del self._held[lease.resource_id]
            lease.valid_until = 0.0
            return cur[2] > self._clock()


# KEYS: lease, fence, last.  ARGV: owner, ttl in ms.
_ACQUIRE = """
if redis.call('EXISTS', KEYS[1]) == 1 then return {0, false} end
if redis.call('EXISTS', KEYS[2]) == 0 then
  local t = redis.call('TIME')
  redis.call('SET', KEYS[2], t[1] .. string.format('%06d', tonumber(t[2])))
end
redis.call('INCR', KEYS[2])
-- the counter as a string: Lua 5.1 would print a number above 10^14 as 1.7e+15
local token = redis.call('GET', KEYS[2])
local prev = redis.call('GET', KEYS[3])
local me = token .. ':' .. ARGV[1]
redis.call('SET', KEYS[1], me, 'PX', ARGV[2])
redis.call('SET', KEYS[3], me)
if prev then redis.call('PUBLISH', ARGV[3], KEYS[1] .. '\\n' .. prev .. '\\n' .. me) end
return {token, prev}
"""
# KEYS: lease.  ARGV: token:owner, ttl in ms.
_RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2]); return 1
end
return 0
"""
# KEYS: lease, last.  ARGV: token:owner.
_RELEASE = """
local held = 0
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]); held = 1 end
if redis.call('GET', KEYS[2]) == ARGV[1] then redis.call('DEL', KEYS[2]) end
return held
"""


class RedisLeaseStore(LeaseStore):
    """Leases in Redis at ``url`` (``redis://host:port/db``), keys under ``prefix``.

    Per resource: ``{prefix}{rid}`` holds ``token:owner`` with the TTL (``PX``),
    ``{prefix}{rid}:fence`` the token counter, ``{prefix}{rid}:last`` the holder not yet
    released (what makes a lapse a takeover). A takeover is also published on
    ``{prefix}takeover``; ``listen=True`` subscribes to it (a background thread) so
    takeovers by other processes reach this store's listeners too.
    """

    def __init__(self, url: str, *, prefix: str = "gomap:lease:", socket_timeout: float = 2.0,
                 listen: bool = False, client: Any = None) -> None:
        super().__init__()
        import redis

        self._redis_mod = redis
        self.url = url
        self.prefix = prefix
        self.r = client or redis.Redis.from_url(url, socket_timeout=socket_timeout,
                                                socket_connect_timeout=socket_timeout)
        self._acquire = self.r.register_script(_ACQUIRE)
        self._renew_s = self.r.register_script(_RENEW)
        self._release_s = self.r.register_script(_RELEASE)
        self.channel = prefix + "takeover"
        self._pubsub_thread: Any = None
        if listen:
            ps = self.r.pubsub(ignore_subscribe_messages=True)
            ps.subscribe(**{self.channel: self._message})
            self._pubsub_thread = ps.run_in_thread(sleep_time=0.05, daemon=True)

    def _keys(self, rid: str) -> list[str]:
        k = self.prefix + rid
        return [k, k + ":fence", k + ":last"]

    def _call(self, what: str, fn: Callable[[], Any]) -> Any:
        try:
            return fn()
        except self._redis_mod.exceptions.RedisError as exc:
            raise LeaseStoreError(f"lease store {self.url}: {what} failed: {exc}") from exc

    def acquire(self, resource_id: str, owner: str, ttl: float) -> Lease | None:
        _check(resource_id, owner, ttl)
        sent = self.now()
        token, prev = self._call("acquire", lambda: self._acquire(
            keys=self._keys(resource_id), args=[owner, max(1, int(ttl * 1000)), self.channel]))
        if not token:
            return None
        previous = None
        if prev is not None:
            t, _, o = prev.decode().partition(":")
            previous = (o, int(t))
        lease = Lease(resource_id, owner, int(token), float(ttl),
                      self._valid_until(sent, ttl), self, previous)
        if self._pubsub_thread is None:
            self._took_over(lease)
        return lease

    def _message(self, msg: dict[str, Any]) -> None:
        try:
            key, prev, me = msg["data"].decode().split("\n")
            rid = key[len(self.prefix):]
            pt, _, po = prev.partition(":")
            nt, _, no = me.partition(":")
        except (ValueError, AttributeError):
            return
        for fn in list(self._listeners):
            with contextlib.suppress(Exception):
                fn(rid, po, int(pt), no, int(nt))

    def owner(self, resource_id: str) -> str | None:
        v = self._call("owner", lambda: self.r.get(self.prefix + resource_id))
        return None if v is None else v.decode().partition(":")[2]

    def last_token(self, resource_id: str) -> int:
        v = self._call("last_token", lambda: self.r.get(self.prefix + resource_id + ":fence"))
        return 0 if v is None else int(v)

    def _renew(self, lease: Lease, ttl: float) -> bool:
        sent = self.now()
        ok = self._call("renew", lambda: self._renew_s(
            keys=[self.prefix + lease.resource_id],
            args=[f"{lease.token}:{lease.owner}", max(1, int(ttl * 1000))]))
        if ok:
            lease.valid_until = self._valid_until(sent, ttl)
        return bool(ok)

    def _release(self, lease: Lease) -> bool:
        k = self.prefix + lease.resource_id
        ok = self._call("release", lambda: self._release_s(
            keys=[k, k + ":last"], args=[f"{lease.token}:{lease.owner}"]))
        lease.valid_until = 0.0
        return bool(ok)

    def close(self) -> None:
        if self._pubsub_thread is not None:
            self._pubsub_thread.stop()
            self._pubsub_thread = None
        self.r.close()


class Fence:
    """The protected resource's side of fencing: remembers the highest token accepted per
    resource and refuses older ones.

    >>> f = Fence(); f.check("row", 7); f.check("row", 7); f.check("row", 9)
    >>> f.check("row", 8)
    Traceback (most recent call last):
    ...
    gomap.lifecycle.leases.StaleTokenError: row: token 8 is older than 9, already accepted
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.highest: dict[str, int] = {}
        self.refused = 0

    def check(self, resource_id: str, token: int) -> None:
        """Accept ``token`` for ``resource_id`` (equal to the highest is the same holder
        writing again) or raise :class:`StaleTokenError`."""
        with self._lock:
            top = self.highest.get(resource_id, 0)
            if token < top:
                self.refused += 1
                raise StaleTokenError(f"{resource_id}: token {token} is older than {top}, "
                                      "already accepted")
            self.highest[resource_id] = token
