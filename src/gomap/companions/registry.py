"""The registry of companions: which concurrent maps exist, what each mirrors in Go,
and which checks, demos and benchmarks run on it.

The tests (the contract, the threads and linearizability suite, the misuse demo's
test), the benchmarks, the misuse demo, ``gomap verify`` and the toolchain
installer read this table instead of listing the companions themselves. Adding a
companion is its module plus one :class:`CompanionSpec` here; one verified against
Go adds its harness (``gomap/oracle/go/<harness>``), its Go release pin
(:data:`gomap.versions.GO_RELEASES`) and, for a new ``verify`` group, its driver.

>>> [spec.label for spec in COMPANIONS.values()][:2]
['SyncMap 1.24', 'SyncMap 1.23']
>>> get_companion("syncmap-1.23").go_release
'1.23.9'
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from gomap.versions import pinned_release

if TYPE_CHECKING:
    from gomap.companions.base import ConcurrentMap


@dataclass(frozen=True)
class CompanionSpec:
    """One companion map, as the layers around it need to know it."""

    name: str
    """The registry name (test ids, ``lincheck`` seeds): ``"syncmap-1.24"``."""
    label: str
    """For people (the misuse demo, benchmark tables): ``"SyncMap 1.24"``."""
    factory: str
    """``module:Class`` (or factory function) that builds it."""
    options: Mapping[str, Any] = field(default_factory=dict)
    """The keyword arguments that make this companion of ``factory``
    (``{"version": "1.23"}``, ``{"shards": 8}``)."""
    seedable: bool = False
    """Whether it takes gomap's hashing hooks (``seed=``, ``hasher=``, ``rand=``)."""
    go_source: str = ""
    """The Go file it mirrors, relative to ``$GOROOT/src``; "" for a design of
    gomap's own."""
    pin: str = ""
    """The name its Go release is pinned under (:func:`gomap.versions.pinned_release`)."""
    harness: str = ""
    """The state harness that verifies it against the real runtime
    (``gomap/oracle/go/<harness>``); "" when it is not verified against Go."""
    verify: str = ""
    """The ``gomap verify --impl`` group that runs that harness (``"syncmap"``)."""
    version: str = ""
    """Its key within the verify group (``SyncMap(version=...)``)."""
    lincheck: bool = True
    """Whether its calls are linearizable per key (the threads suite checks them with
    :mod:`gomap.companions.lincheck`)."""
    misuse_demo: bool = True
    """Whether :mod:`gomap.companions.misuse` runs the racing workload on it."""

    @property
    def go_release(self) -> str:
        """The exact Go release it mirrors ("" for a design of gomap's own)."""
        return pinned_release(self.pin) if self.pin else ""

    def cls(self) -> Any:
        """The class (or factory) named by :attr:`factory` (imported on first use)."""
        module, _, attr = self.factory.partition(":")
        return getattr(importlib.import_module(module), attr)

    def new(self, **kw: Any) -> ConcurrentMap:
        """A new, empty companion (``kw`` adds to, or overrides, :attr:`options`)."""
        m: ConcurrentMap = self.cls()(**{**self.options, **kw})
        return m


_SYNCMAP = "gomap.companions.syncmap:SyncMap"

COMPANIONS: dict[str, CompanionSpec] = {s.name: s for s in (
    CompanionSpec("syncmap-1.24", "SyncMap 1.24", _SYNCMAP, {"version": "1.24"},
                  seedable=True, go_source="internal/sync/hashtriemap.go", pin="hashtriemap",
                  harness="syncmap124", verify="syncmap", version="1.24"),
    CompanionSpec("syncmap-1.23", "SyncMap 1.23", _SYNCMAP, {"version": "1.23"},
                  go_source="sync/map.go", pin="syncmap123", harness="syncmap123",
                  verify="syncmap", version="1.23"),
    CompanionSpec("sharded-8", "ShardedMap(8)", "gomap.companions.sharded:ShardedMap",
                  {"shards": 8}, seedable=True),
    CompanionSpec("cow", "COWMap", "gomap.companions.cow:COWMap"),
    CompanionSpec("locked", "LockedMap", "gomap.companions.locked:LockedMap"),
)}
"""Every companion, by name (the default ``SyncMap`` first)."""


class UnknownCompanionError(ValueError):
    """A companion name the registry does not know."""


def get_companion(name: str) -> CompanionSpec:
    """The spec of companion ``name``; :class:`UnknownCompanionError` names the choices."""
    spec = COMPANIONS.get(name)
    if spec is None:
        raise UnknownCompanionError(
            f"unknown companion {name!r}: use one of {', '.join(COMPANIONS)}")
    return spec


def verify_groups() -> dict[str, dict[str, CompanionSpec]]:
    """The ``gomap verify --impl`` groups of verified companions: group → version →
    spec (``{"syncmap": {"1.24": ..., "1.23": ...}}``)."""
    out: dict[str, dict[str, CompanionSpec]] = {}
    for s in COMPANIONS.values():
        if s.harness:
            out.setdefault(s.verify, {})[s.version] = s
    return out


def harness_go_versions() -> dict[str, str]:
    """The Go release each companion harness builds with, by harness name."""
    return {s.harness: s.go_release for s in COMPANIONS.values() if s.harness}
