"""Prometheus exposition of a lifecycle registry (the ``prometheus`` extra).

``RegistryCollector(registry)`` reads the registry's plain numbers at scrape time:

* ``gomap_lifecycle_ended_total{cause}`` — handles ended, by cause (explicit, expired,
  deleted, replaced, force);
* ``gomap_lifecycle_finished_total{state}`` — handles that reached a final state
  (released, force_released, release_failed);
* ``gomap_lifecycle_active_handles``, ``gomap_lifecycle_pending_handles`` — gauges;
* ``gomap_lifecycle_cleanup_latency_seconds`` — histogram of cleanup latency (deadline
  or release call → end of reclamation).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector

__all__ = ["RegistryCollector", "exposition"]


class RegistryCollector(Collector):
    """A custom collector over one :class:`~gomap.lifecycle.Registry`."""

    def __init__(self, registry: Any, prefix: str = "gomap_lifecycle") -> None:
        self.registry = registry
        self.prefix = prefix

    def collect(self) -> Iterator[Metric]:
        m = self.registry.metrics()
        p = self.prefix
        ended = CounterMetricFamily(f"{p}_ended", "Handles ended, by cause", labels=["cause"])
        for cause, n in m["ended_by_cause"].items():
            ended.add_metric([cause], n)
        yield ended
        fin = CounterMetricFamily(f"{p}_finished", "Handles in a final state, by state",
                                  labels=["state"])
        for state in ("released", "force_released", "release_failed"):
            fin.add_metric([state], m[state])
        yield fin
        yield CounterMetricFamily(f"{p}_reclaim_attempts", "Reclaim attempts (L3 retries "
                                  "included)", value=m["reclaim_attempts"])
        yield GaugeMetricFamily(f"{p}_active_handles", "Handles in state active",
                                value=m["active"])
        yield GaugeMetricFamily(f"{p}_pending_handles", "Handles in state expiring "
                                "(grace, retrying or reclaiming)", value=m["pending"])
        bounds, counts, total, _count = self.registry.latency_histogram()
        buckets = []
        acc = 0
        for bound, c in zip(bounds, counts, strict=False):
            acc += c
            buckets.append(("+Inf" if bound == float("inf") else repr(bound), acc))
        yield HistogramMetricFamily(f"{p}_cleanup_latency_seconds",
                                    "Deadline (or release call) to end of reclamation",
                                    buckets=buckets, sum_value=total)


def exposition(registry: Any) -> bytes:
    """The text exposition format of ``registry``'s metrics alone."""
    from prometheus_client import CollectorRegistry, generate_latest

    reg = CollectorRegistry()
    reg.register(RegistryCollector(registry))
    return bytes(generate_latest(reg))
