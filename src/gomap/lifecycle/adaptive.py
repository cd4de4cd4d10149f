"""Adaptive TTL: a policy per kind that shortens TTLs under cleanup pressure and gives
them back when the pressure is gone.

The rule (the seed's, made exact). The registry evaluates a kind's policy at the end of
a ``tick()`` whose clock reading ``t`` is at least ``interval`` after the previous
evaluation (the first evaluation is at the first tick). At ``t``:

* ``p95`` is the 95th percentile (nearest rank) of the cleanup latencies of the kind's
  handles that finished in ``(t - window, t]`` — a handle's cleanup latency is the time
  from its deadline (or from its ``release()`` / force release) to the end of its
  reclamation; ``pending`` is the number of the kind's handles in state ``expiring``.
* *Pressure* is ``p95 > latency_threshold and pending > pending_threshold``.
* Under pressure: ``last_pressure = t``; if ``t - last_change >= cooldown`` the factor
  becomes ``max(min_factor, factor * shrink)`` (if that changes it), ``last_change = t``.
* Without pressure: if ``factor < 1`` and ``t - last_pressure >= quiet`` the factor
  goes back to 1, ``last_change = t``.

Every change is a ``ttl_adjusted`` event. The factor multiplies the TTL of every
``register`` and ``renew`` of the kind from then on; deadlines already set stay.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field
from typing import Any

__all__ = ["AdaptiveTTL"]


def _p95(values: list[float]) -> float:
    s = sorted(values)
    return s[max(0, math.ceil(0.95 * len(s)) - 1)]


@dataclass
class AdaptiveTTL:
    """The policy for one kind. Defaults: the seed's rule and figures (p95 above 100 ms
    and more than 5000 pending → × 0.8; 5 quiet minutes → back to the original); the
    floor (``min_factor``), the cooldown between shrinks, the p95 window and the
    evaluation interval are gomap's, the seed names none."""

    latency_threshold: float = 0.1
    pending_threshold: int = 5000
    shrink: float = 0.8
    min_factor: float = 0.2
    quiet: float = 300.0
    cooldown: float = 60.0
    window: float = 60.0
    interval: float = 1.0
    max_samples: int = 4096
    factor: float = field(default=1.0, init=False)
    last_pressure: float | None = field(default=None, init=False)
    last_change: float | None = field(default=None, init=False)
    last_eval: float | None = field(default=None, init=False)
    _samples: deque[tuple[float, float]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        for name in ("latency_threshold", "quiet", "cooldown", "window", "interval"):
            v = getattr(self, name)
            if not (isinstance(v, (int, float)) and math.isfinite(v) and v >= 0):
                raise ValueError(f"AdaptiveTTL({name}={v!r}): must be a finite number >= 0")
        if not 0 < self.shrink < 1:
            raise ValueError(f"AdaptiveTTL(shrink={self.shrink!r}): must be in (0, 1)")
        if not 0 < self.min_factor <= 1:
            raise ValueError(f"AdaptiveTTL(min_factor={self.min_factor!r}): must be in (0, 1]")
        self._samples = deque(maxlen=self.max_samples)

    def observe(self, t: float, latency: float) -> None:
        """A handle of the kind finished its cleanup at ``t`` after ``latency`` seconds."""
        self._samples.append((t, latency))

    def p95(self, t: float) -> float | None:
        lo = t - self.window
        while self._samples and self._samples[0][0] <= lo:
            self._samples.popleft()
        if not self._samples:
            return None
        return _p95([lat for _, lat in self._samples])

    def due(self, t: float) -> bool:
        return self.last_eval is None or t - self.last_eval >= self.interval

    def evaluate(self, t: float, pending: int) -> dict[str, Any] | None:
        """Apply the rule at ``t``; returns the change (for the event) or None."""
        self.last_eval = t
        p95 = self.p95(t)
        pressure = p95 is not None and p95 > self.latency_threshold and \
            pending > self.pending_threshold
        old = self.factor
        if pressure:
            self.last_pressure = t
            if self.last_change is None or t - self.last_change >= self.cooldown:
                new = max(self.min_factor, old * self.shrink)
                if new != old:
                    self.factor = new
                    self.last_change = t
                    return {"old_factor": old, "factor": new, "p95": p95, "pending": pending,
                            "why": "pressure"}
        elif old < 1.0 and self.last_pressure is not None and \
                t - self.last_pressure >= self.quiet:
            self.factor = 1.0
            self.last_change = t
            return {"old_factor": old, "factor": 1.0, "p95": p95, "pending": pending,
                    "why": "quiet"}
        return None
