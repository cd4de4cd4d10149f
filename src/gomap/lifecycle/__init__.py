"""Resource lifecycle: handles with deadlines, staged reclamation, an event bus, adaptive
TTLs, and leases with fencing tokens across processes (docs/LIFECYCLE.md).

>>> from gomap.lifecycle import Registry
>>> now = [0.0]
>>> r = Registry(clock=lambda: now[0])
>>> h = r.register("conn", ttl=5, on_expire=lambda h: print("expired", h.id))
>>> now[0] = 5.0; r.tick()
expired 1
1
>>> h.state.value, h.cause
('released', 'expired')
"""

from gomap.lifecycle.adaptive import AdaptiveTTL
from gomap.lifecycle.events import EVENTS, EventBus, LifecycleEvent, audit_subscriber
from gomap.lifecycle.leases import (
    Fence,
    Lease,
    LeaseStore,
    LeaseStoreError,
    MemoryLeaseStore,
    RedisLeaseStore,
    StaleTokenError,
)
from gomap.lifecycle.levels import L1, L2, L3, External, Grace, Immediate, Level
from gomap.lifecycle.registry import (
    Handle,
    HandleClosedError,
    LeaseLostError,
    Registry,
    State,
)

__all__ = [
    "EVENTS", "L1", "L2", "L3", "AdaptiveTTL", "EventBus", "External", "Fence", "Grace",
    "Handle", "HandleClosedError", "Immediate", "Lease", "LeaseLostError", "LeaseStore",
    "LeaseStoreError", "Level", "LifecycleEvent", "MemoryLeaseStore", "RedisLeaseStore",
    "Registry", "StaleTokenError", "State", "audit_subscriber",
]
