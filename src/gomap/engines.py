"""The registry of engines: which exist, which Go release each mirrors, and how the
layers above build, account, verify and present each one.

Everything above the engine packages looks an engine up here by name and never
compares names itself. Adding an engine (another map design, another Go release)
is one :class:`EngineSpec` in :data:`ENGINES` plus its package.

>>> [spec.label for spec in ENGINES.values()]
['Go 1.23, buckets', 'Go 1.27, Swiss tables']
>>> get_engine("swiss").go_version == pinned_release("swiss")
True
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from gomap.events import growth_labels
from gomap.layout.types import KEY_KINDS as SWISS_KEY_KINDS
from gomap.versions import pinned_release, releases_of

HUGE_HINT = 3_400_000
"""Hints above this make a bucket array of 2^20+ buckets (classic, B >= 20) or close
to a directory of 4096 tables (Swiss): unless a backend is asked for, such maps run on
the Python engines, whose untouched buckets and tables stay sparse (counted, built
on first touch), so a hint costs what is written, not what it reserves."""

if TYPE_CHECKING:
    from gomap._engine import Engine
    from gomap.layout.maplayout import MapLayout
    from gomap.versions import GoBehaviour


def _load(ref: str) -> Any:
    """``"package.module:attr"`` → the object (imported on first use)."""
    module, _, attr = ref.partition(":")
    return getattr(importlib.import_module(module), attr)




@dataclass(frozen=True)
class EngineSpec:
    """One engine, as the layers above it need to know it."""

    name: str
    """The registry name (``--impl``, ``GoMap(impl=...)``, ``snapshot()["impl"]``)."""
    design: str
    """The map design, for people: ``buckets``, ``Swiss tables``."""
    go_version: str
    """The Go release the engine mirrors, and whose toolchain its oracle builds with."""
    go_files: tuple[str, ...]
    """The Go source files it mirrors, relative to ``$GOROOT/src``."""
    factory: str
    """``module:Class`` of the engine: ``Class(hint, *, hasher, rand, observer,
    subscribers, **options)``."""
    accountant_ref: str
    """``module:Class`` of its heap accountant (:mod:`gomap.memory`)."""
    layout_option: Callable[[MapLayout], dict[str, Any]]
    """The engine options a Go type layout implies (bucket layout, key kind)."""
    harness: str
    """The state harness (``gomap/oracle/go/<harness>``)."""
    memory_harness: str
    """The memory harness."""
    replay_ref: str
    """``module:function`` of the state-oracle replay driver."""
    count_attr: str
    """The engine's entry-count field (Go's ``hmap.count`` / ``Map.used``), read by the
    hot loops above the engine instead of calling ``len()``."""
    seed_bits: int
    """Width of the hash seed (classic ``hash0`` is a uint32, Swiss ``seed`` a uintptr)."""
    go_releases: tuple[str, ...] = ()
    """Every Go minor release whose map the engine models (``--go``; the engine's
    behaviour switches per release are in :mod:`gomap.versions`)."""
    key_kinds: tuple[str, ...] = ()
    """The access paths a key type may select (Swiss: generic / fast32 / fast64 /
    faststr); empty when the engine has one path for all keys."""
    tombstone_note: str = ""
    """What a tombstone is in this engine, for reports."""
    tracks_overflow: bool = False
    """Whether the engine has overflow buckets (reports and plots show them)."""
    growth_labels: Mapping[str, str] = field(default_factory=dict)
    """Growth events, by event name, with the report's label for each."""
    growth_end: str = ""
    """The event that ends an incremental growth (classic ``growDone``); empty when
    every growth completes within the operation that starts it."""
    layout_text: Callable[[dict[str, Any]], str] = lambda lay: ""
    """One line on the storage a Go type layout gives (``MapLayout.describe()``)."""
    memory_probes: Callable[[Any], dict[str, int]] = lambda e: {}
    """The header fields the memory harness reports, read off the model."""
    native_factory: str = ""
    """``module:Class`` of the engine's C twin (:mod:`gomap.native`), state-exact with
    ``factory``; empty when there is none yet."""
    native_accountant_ref: str = ""
    """``module:Class`` of the accountant that reads the heap totals the C twin keeps
    itself (same figures as ``accountant_ref``'s); empty: the Python accountant
    subscribes to the C engine's events."""
    adopt_runtime: Callable[[Any, dict[str, Any]], None] = lambda e, rec: None
    """Take over what the runtime counts at random and the model cannot replay
    (classic: ``noverflow`` from B = 16, sampled by ``incrnoverflow``)."""
    release_layout: Callable[[dict[str, Any], GoBehaviour], None] = lambda lay, go: None
    """Amend a ``MapLayout.describe()`` dict for Go release ``go`` (classic: the
    56-byte ``hmap`` with ``clearSeq`` of Go 1.24/1.25 noswissmap)."""
    tracer_probe_ref: str = ""
    """``module:Class`` of the tracer's probe (:mod:`gomap.trace.tracer`): reads the
    engine's counters and per-op view deltas."""
    viz_shadow_ref: str = ""
    """``module:Class`` of the HTML view's page shadow (:mod:`gomap.trace.viz`)."""
    runtime_replay_ref: str = ""
    """``module:Class`` of the step-wise oracle replay (``(key_type, elem)``) that
    ``gomap trace --runtime`` runs in lock-step with the real runtime."""
    runtime_replay_engine: str = ""
    """The attribute of that replay holding its model engine (``h`` / ``m``)."""
    runtime_header_ref: str = ""
    """``module:function``: a harness record → the tracer's counters for it."""
    runtime_trace_args: tuple[str, ...] = ()
    """Extra state-harness flags for a runtime trace (Swiss: no directory limit)."""

    @property
    def label(self) -> str:
        """``Go 1.23, buckets``."""
        return f"Go {'.'.join(self.go_version.split('.')[:2])}, {self.design}"

    def new(self, hint: int = 0, *, backend: str | None = None, **options: Any) -> Engine:
        """A new engine: ``make(map[K]V, hint)``, on ``backend`` (``"native"`` or
        ``"python"``; default: see :func:`gomap.native.resolve_backend`)."""
        from gomap.native import resolve_backend

        backend = self.backend_for(options.get("go"), backend)
        ref = self.factory
        if backend is None and hint > HUGE_HINT and "GOMAP_BACKEND" not in os.environ:
            backend = "python"  # its untouched buckets / tables stay sparse
        go = None
        if self.native_factory and resolve_backend(self.name, backend) == "native":
            ref = self.native_factory
            go = options.pop("go", None)  # the pinned release's rules (backend_for checked it)
        elif backend == "native":
            resolve_backend(self.name, backend)  # raises: no native engine for this one
        cls = _load(ref)
        eng = cls(hint, **options)
        if go is not None:
            from gomap.versions import go_behaviour

            release = go_behaviour(go, self.name)
            if release.release != self.go_version:
                eng._go = release  # the release asked for (its snapshot says so)
        return eng

    def backend_for(self, go: Any, backend: str | None) -> str | None:
        """The backend for a map of Go release ``go``: the native engine mirrors the
        pinned release only, so another release (whose switches differ,
        :mod:`gomap.versions`) runs on the Python engine; asking for native then is
        a ``ValueError``."""
        if go is None or not self.native_factory:
            return backend
        from gomap.versions import go_behaviour

        wanted = go_behaviour(go, self.name)
        pinned = go_behaviour(self.go_version, self.name)
        same = all(getattr(wanted, f) == getattr(pinned, f)
                   for f in wanted.__dataclass_fields__ if f not in ("release", "minor"))
        if same:
            return backend
        if backend == "native":
            raise ValueError(f"the native {self.name} engine models Go {self.go_version} only; "
                             f"Go {wanted.release} runs on backend='python'")
        return "python"

    def accountant(self, layout: MapLayout, native: bool = False) -> Any:
        """A new heap accountant for a map of ``layout`` (``native``: for the C twin,
        which then keeps the totals itself when it can)."""
        ref = self.native_accountant_ref if native and self.native_accountant_ref else \
            self.accountant_ref
        return _load(ref)(layout)

    def layout_options(self, layout: MapLayout) -> dict[str, Any]:
        """The engine options for a map of ``layout``."""
        return self.layout_option(layout)

    def tracer_probe(self) -> Any:
        """The tracer's probe class for this engine."""
        return _load(self.tracer_probe_ref)

    def viz_shadow(self) -> Any:
        """The HTML view's page shadow class for this engine."""
        return _load(self.viz_shadow_ref)

    def runtime_replay(self) -> Any:
        """The step-wise oracle replay class (``gomap trace --runtime``)."""
        return _load(self.runtime_replay_ref)

    def runtime_header(self, rec: dict[str, Any]) -> dict[str, int]:
        """The runtime's counters in a harness record, named as the tracer names them."""
        fn: Callable[[dict[str, Any]], dict[str, int]] = _load(self.runtime_header_ref)
        return fn(rec)

    def replay(self) -> Callable[..., Any]:
        """The state-oracle replay function ``(script, key_type, elem_type, ...)``."""
        return _load(self.replay_ref)

    def growth_label(self, event: str, details: Mapping[str, Any]) -> str | None:
        """The report's label for a growth event, or None if ``event`` is not one."""
        label = self.growth_labels.get(event)
        if label is not None and details.get("same_size"):
            return "same-size " + label
        return label


def _classic_layout_text(lay: dict[str, Any]) -> str:
    k, v, c = lay["key"], lay["value"], lay["classic"]
    kslot = 8 if k["indirect"] else k["size"]
    vslot = 8 if v["indirect"] else v["size"]
    pad = f" + {c['padding']} padding" if c["padding"] else ""
    ptr = "with pointers" if c["pointers"] else "pointer-free (overflow list kept on the side)"
    return (f"bucket {c['bucket_size']} B = tophash 8 + keys 8×{kslot} + elems 8×{vslot} + "
            f"overflow 8{pad}; {ptr}; hmap {c['hmap_size']} B, mapextra "
            f"{c['mapextra_size']} B")


def _swiss_layout_text(lay: dict[str, Any]) -> str:
    s = lay["swiss"]
    return (f"slot {s['slot_size']} B, group {s['group_size']} B (ctrl 8 + 8 slots), table "
            f"header {s['table_size']} B, map header {s['map_size']} B; assign path "
            f"{s['access_path']}")


def _classic_probes(h: Any) -> dict[str, int]:
    return {"count": h.count, "B": h.B, "noverflow": h.noverflow, "flags": h.flags,
            "growing": int(h.oldbuckets is not None)}


def _swiss_probes(m: Any) -> dict[str, int]:
    return {"used": m.used, "dirLen": m.dir_len, "globalDepth": m.global_depth,
            "tombstonePossible": int(m.tombstone_possible), "clearSeq": m.clear_seq}


def _classic_adopt(h: Any, rec: dict[str, Any]) -> None:
    if h.B >= 16 and "noverflow" in rec:
        h.noverflow = rec["noverflow"]  # counted at random by the runtime


def _classic_release_layout(lay: dict[str, Any], go: GoBehaviour) -> None:
    if go.hmap_clear_seq:
        from gomap.layout.maplayout import HMAP_CLEARSEQ_SIZE

        lay["classic"]["hmap_size"] = HMAP_CLEARSEQ_SIZE  # + clearSeq (Go 1.24+)


ENGINES: dict[str, EngineSpec] = {
    "classic": EngineSpec(
        name="classic",
        design="buckets",
        go_version=pinned_release("classic"),
        go_files=("runtime/map.go", "runtime/map_fast32.go", "runtime/map_fast64.go",
                  "runtime/map_faststr.go"),
        factory="gomap.classic.hmap:HMap",
        native_factory="gomap.native:NativeHMap",
        accountant_ref="gomap.memory:ClassicAccountant",
        native_accountant_ref="gomap.memory:NativeClassicAccountant",
        layout_option=lambda lay: {"layout": lay.classic_bucket_layout()},
        harness="classic",
        memory_harness="memclassic",
        replay_ref="gomap.oracle.classic_driver:replay_classic",
        count_attr="count",
        seed_bits=32,
        go_releases=releases_of("classic"),
        tombstone_note="deleted cells (emptyOne; reusable by inserts)",
        tracks_overflow=True,
        growth_labels=growth_labels("classic"),
        growth_end="growDone",
        layout_text=_classic_layout_text,
        memory_probes=_classic_probes,
        adopt_runtime=_classic_adopt,
        release_layout=_classic_release_layout,
        tracer_probe_ref="gomap.trace.tracer:_ClassicProbe",
        viz_shadow_ref="gomap.trace.viz:_ClassicShadow",
        runtime_replay_ref="gomap.oracle.classic_driver:ClassicReplay",
        runtime_replay_engine="h",
        runtime_header_ref="gomap.trace.runtime:classic_header",
    ),
    "swiss": EngineSpec(
        name="swiss",
        design="Swiss tables",
        go_version=pinned_release("swiss"),
        go_files=("internal/runtime/maps/map.go", "internal/runtime/maps/table.go",
                  "internal/runtime/maps/group.go", "internal/runtime/maps/runtime.go",
                  "internal/runtime/maps/runtime_fast32.go",
                  "internal/runtime/maps/runtime_fast64.go",
                  "internal/runtime/maps/runtime_faststr.go"),
        factory="gomap.swiss.map:SwissMap",
        native_factory="gomap.native:NativeSwissMap",
        native_accountant_ref="gomap.memory:NativeSwissAccountant",
        accountant_ref="gomap.memory:SwissAccountant",
        layout_option=lambda lay: {"key_kind": lay.key_kind, "group_size": lay.group_size},
        harness="swiss",
        memory_harness="memswiss",
        replay_ref="gomap.oracle.swiss_driver:replay_swiss",
        count_attr="used",
        seed_bits=64,
        go_releases=releases_of("swiss"),
        key_kinds=SWISS_KEY_KINDS,
        tombstone_note="ctrlDeleted slots; they use up growth until a rehash or prune",
        growth_labels=growth_labels("swiss"),
        layout_text=_swiss_layout_text,
        memory_probes=_swiss_probes,
        tracer_probe_ref="gomap.trace.tracer:_SwissProbe",
        viz_shadow_ref="gomap.trace.viz:_SwissShadow",
        runtime_replay_ref="gomap.oracle.swiss_driver:SwissReplay",
        runtime_replay_engine="m",
        runtime_header_ref="gomap.trace.runtime:swiss_header",
        runtime_trace_args=("-dir-limit", str(1 << 30)),
    ),
}
"""Every engine, by name; the first is the oldest Go release."""

DEFAULT_ENGINE = "swiss"
"""What ``GoMap()`` and ``gomap simulate`` use: the map of current Go releases."""


class UnknownEngineError(ValueError):
    """An engine name the registry does not know."""


def engine_names(newest_first: bool = False) -> list[str]:
    """The registered engine names, oldest Go release first (or newest first)."""
    names = list(ENGINES)
    return names[::-1] if newest_first else names


def get_engine(name: str) -> EngineSpec:
    """The spec of engine ``name``; :class:`UnknownEngineError` names the choices."""
    spec = ENGINES.get(name)
    if spec is None:
        raise UnknownEngineError(
            f"unknown map implementation {name!r}: use "
            + " or ".join(f"{n!r} ({s.label})" for n, s in ENGINES.items()))
    return spec


def harness_go_versions() -> dict[str, str]:
    """The Go release each engine harness builds with, by harness name."""
    out: dict[str, str] = {}
    for spec in ENGINES.values():
        out[spec.harness] = spec.go_version
        out[spec.memory_harness] = spec.go_version
    return out
