"""The reclamation levels: how a handle's resource is given back once its handle ends.

The seed's reclamation matrix, one small policy class per level over one base:

* ``L1`` (:class:`Immediate`) — memory: the ``reclaim`` action runs at once.
* ``L2`` (:class:`Grace`) — connections: an expired handle first waits ``grace``
  seconds (default 5) in state ``expiring``; a ``renew()`` in that window brings it back to
  ``active`` (the connection was used again); at the end of the window it expires.
  An explicit ``release()`` or a force release does not wait.
* ``L3`` (:class:`External`) — external services: the ``reclaim`` action is retried
  on failure with exponential backoff and jitter until it succeeds, the retry
  predicate refuses, or the stop condition (attempts, deadline) says give up; then
  the handle is ``release_failed``. The policy *is* tenacity's: ``stop``, ``wait`` and
  ``retry`` are tenacity strategies, evaluated on a ``tenacity.RetryCallState`` whose
  timestamps come from the registry's clock. The waits between attempts are entries
  on the registry's one timer heap, never a sleeping thread, so simulated-time tests
  see every retry at the time the policy says.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import tenacity

__all__ = ["L1", "L2", "L3", "External", "Grace", "Immediate", "Level", "as_level"]


@dataclass(frozen=True)
class Level:
    """Base of the level policies: ``number`` is 1, 2 or 3."""

    number: int = field(default=0, init=False)

    @property
    def name(self) -> str:
        return f"L{self.number}"


@dataclass(frozen=True)
class Immediate(Level):
    """L1: reclaim at once, one attempt."""

    number: int = field(default=1, init=False)


@dataclass(frozen=True)
class Grace(Level):
    """L2: an expired handle waits ``grace`` seconds (renewable) before it expires."""

    number: int = field(default=2, init=False)
    grace: float = 5.0

    def __post_init__(self) -> None:
        if not (isinstance(self.grace, (int, float)) and math.isfinite(self.grace)
                and self.grace >= 0):
            raise ValueError(f"Grace(grace={self.grace!r}): the grace period must be a "
                             "finite number of seconds >= 0")


def _default_stop() -> Any:
    # the seed's L3 row: three retries, within 2 s
    return tenacity.stop_after_attempt(4) | tenacity.stop_after_delay(2.0)


def _default_wait() -> Any:
    return tenacity.wait_exponential_jitter(multiplier=0.1, max=5.0, jitter=0.1)


@dataclass(frozen=True)
class External(Level):
    """L3: reclaim with retries: tenacity's ``stop`` (default: 4 attempts — three
    retries — or 2 s after the first attempt, whichever comes first), ``wait`` (default:
    exponential from 0.1 s, doubling, at most 5 s, plus up to 0.1 s of jitter) and
    ``retry`` (default: retry on any exception)."""

    number: int = field(default=3, init=False)
    stop: Any = field(default_factory=_default_stop)
    wait: Any = field(default_factory=_default_wait)
    retry: Any = field(default_factory=lambda: tenacity.retry_if_exception_type(Exception))

    def new_state(self, start: float) -> tenacity.RetryCallState:
        """A tenacity call state for one handle's attempts, started at ``start``."""
        holder = tenacity.Retrying(stop=self.stop, wait=self.wait, retry=self.retry)
        state = tenacity.RetryCallState(holder, fn=None, args=(), kwargs={})
        state.start_time = start
        return state


L1 = Immediate()
L2 = Grace()
L3 = External()

_DEFAULTS: dict[int, Level] = {1: L1, 2: L2, 3: L3}


def as_level(level: Level | int, table: dict[int, Level] | None = None) -> Level:
    """``1``/``2``/``3`` (looked up in ``table``, else the defaults) or a :class:`Level`."""
    if isinstance(level, Level):
        return level
    if isinstance(level, int) and not isinstance(level, bool) and level in (1, 2, 3):
        return (table or _DEFAULTS).get(level, _DEFAULTS[level])
    raise ValueError(f"level={level!r}: use 1, 2, 3 or a Level "
                     "(Immediate(), Grace(seconds), External(stop=..., wait=...))")
