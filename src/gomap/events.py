"""The internal events of the engines: declared once, emitted through one path.

An engine tells its subscribers what it did inside an operation — a growth
started, an old bucket was evacuated, a tombstone was left, a table split — as an
*event*: a name and a small JSON-serialisable dict of details. Every event is
declared here, in :data:`EVENTS`, with the Go function it mirrors, that function's
file in the Go release the engine follows, and its detail fields with their types.
The memory accountant, the simulator's recorder, a user's ``observer`` and the
tracer all listen the same way: ``engine.subscribe(fn)``, ``fn(event, details)``.

Naming: an event is named after the Go function (or, for ``seed`` and
``tombstone``, the Go state change) it reports, spelled as Go spells it
(``hashGrow``, ``pruneTombstones``); detail keys are snake_case (``same_size``,
``old_capacity``), except ``B``, which keeps Go's capital.

Subscribers run synchronously inside the operation, after the state change the
event reports; they must not call back into the map. An engine with no subscriber
builds no details at all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

Observer = Callable[[str, dict[str, Any]], None]
"""``(event, details) -> None``: a subscriber."""


@dataclass(frozen=True)
class EventSpec:
    """One declared event."""

    engine: str
    """The engine that emits it (``classic`` or ``swiss``)."""
    name: str
    go_function: str
    """The Go function it mirrors (where in it, when the function does more)."""
    go_file: str
    """That function's file, relative to ``$GOROOT/src``, in the pinned release."""
    fields: tuple[tuple[str, type], ...]
    """The detail keys and their types, in the order the engine builds them."""
    doc: str

    @property
    def field_names(self) -> frozenset[str]:
        return frozenset(name for name, _ in self.fields)


_MAP_GO = "runtime/map.go"
_MAPS = "internal/runtime/maps/"


def _c(name: str, fn: str, fields: Iterable[tuple[str, type]], doc: str,
       file: str = _MAP_GO) -> EventSpec:
    return EventSpec("classic", name, fn, file, tuple(fields), doc)


def _s(name: str, fn: str, file: str, fields: Iterable[tuple[str, type]], doc: str
       ) -> EventSpec:
    return EventSpec("swiss", name, fn, _MAPS + file, tuple(fields), doc)


_SPECS: tuple[EventSpec, ...] = (
    # --- classic: Go 1.23 runtime/map.go ------------------------------------------------
    _c("makemap", "makemap", [("hint", int), ("B", int)],
       "make(map[K]V, hint): B chosen so that hint entries fit under the load factor; "
       "B > 0 allocates the bucket array at once"),
    _c("seed", "makemap / mapdelete / mapclear", [("seed", int), ("reason", str)],
       "h.hash0 = uint32(rand()): reason 'new' (makemap), 'delete' (the map became "
       "empty), 'clear'"),
    _c("firstBucket", "mapassign", [],
       "h.buckets = newobject(t.Bucket): the first insert into a B = 0 map"),
    _c("newoverflow", "newoverflow", [("prealloc", bool), ("noverflow", int)],
       "a full chain got an overflow bucket: a pre-allocated one (prealloc) or a new "
       "object; noverflow after incrnoverflow"),
    _c("emptyOne", "mapdelete", [("bucket", int), ("cell", int)],
       "a deleted cell became emptyOne"),
    _c("emptyRest", "mapdelete", [("bucket", int), ("run", int)],
       "the run of empty cells ending the chain became emptyRest (run cells)"),
    _c("clear", "mapclear", [("B", int)],
       "every bucket emptied in place; the growth, overflow buckets and old array dropped"),
    _c("hashGrow", "hashGrow", [("B", int), ("same_size", bool), ("count", int)],
       "a growth started: B is the new B; same_size for a same-size growth (too many "
       "overflow buckets); count entries before the insert that triggered it"),
    _c("growWork", "growWork", [("bucket", int), ("nevacuate", int)],
       "a write during growth: evacuate the old bucket of the written key's bucket, "
       "then the one at nevacuate"),
    _c("evacuate", "evacuate", [("oldbucket", int), ("x", int), ("y", int), ("cleared", bool)],
       "old bucket moved: x entries to the same index, y to index + newbit; cleared when "
       "its keys/elems were zeroed and its overflow chain unlinked (pointerful buckets, "
       "no old iterator). Emitted before the clearing"),
    _c("growDone", "advanceEvacuationMark", [("B", int)],
       "every old bucket evacuated: the old array is dropped"),
    _c("clone", "mapclone2", [("count", int), ("key_allocs", int), ("elem_allocs", int)],
       "maps.Clone filled this map (emitted by the clone, last): count entries copied, "
       "key_allocs / elem_allocs indirect key / elem objects allocated for them (an "
       "indirect key of a type without needkeyupdate is shared with the source)"),
    _c("iterInit", "mapiterinit", [("start_bucket", int), ("offset", int), ("B", int)],
       "a range loop started at a random bucket and cell offset"),
    # --- swiss: Go 1.27 internal/runtime/maps ----------------------------------------------
    _s("makemap", "NewMap", "map.go", [("hint", int), ("dir_len", int), ("global_depth", int)],
       "make(map[K]V, hint): hint <= 8 allocates nothing; else a directory of tables"),
    _s("seed", "NewMap / Map.Delete / Map.Clear", "map.go", [("seed", int), ("reason", str)],
       "m.seed = uintptr(rand()): reason 'new', 'delete' (the map became empty), 'clear'"),
    _s("growToSmall", "growToSmall", "map.go", [],
       "the first insert allocated the small map's single group"),
    _s("smallToTable", "growToTable", "map.go", [("used", int), ("capacity", int)],
       "the 9th entry moved the small group into a table"),
    _s("tombstone", "table.Delete", "table.go",
       [("index", int), ("group", int), ("slot", int), ("capacity", int)],
       "a delete from a full group left a tombstone (ctrlDeleted)"),
    _s("pruneTombstones", "table.pruneTombstones", "table.go",
       [("index", int), ("capacity", int), ("tombstones", int), ("pruned", int)],
       "growthLeft hit 0 on the typed assign path: tombstones no probe needs become "
       "empty, if that recovers at least 10% of the capacity (pruned 0 otherwise)"),
    _s("tableGrow", "table.grow", "table.go",
       [("index", int), ("old_capacity", int), ("new_capacity", int), ("used", int),
        ("dropped_tombstones", int)],
       "a table was rebuilt at twice the capacity (at most 1024 slots)"),
    _s("split", "table.split", "table.go",
       [("index", int), ("local_depth", int), ("left_index", int), ("left_used", int),
        ("right_index", int), ("right_used", int)],
       "a 1024-slot table was split into two one directory bit deeper"),
    _s("directoryGrow", "Map.installTableSplit", "map.go",
       [("old_dir_len", int), ("new_dir_len", int), ("global_depth", int)],
       "a split needed another directory bit: the directory doubled"),
    _s("clear", "Map.Clear", "map.go", [("small", bool), ("used", int), ("clear_seq", int)],
       "every table (or the small group) emptied in place"),
    _s("clone", "Map.Clone", "map.go",
       [("count", int), ("key_allocs", int), ("elem_allocs", int)],
       "maps.Clone filled this map (emitted by the clone, last): count entries, "
       "key_allocs / elem_allocs indirect key / elem objects allocated for them"),
    _s("iterInit", "Iter.Init", "table.go",
       [("entry_offset", int), ("dir_offset", int), ("small", bool), ("dir_len", int)],
       "a range loop started with random entry and directory offsets"),
)

EVENTS: dict[tuple[str, str], EventSpec] = {(s.engine, s.name): s for s in _SPECS}
"""Every declared event, by ``(engine, name)``."""


EVENT_BITS: dict[str, int] = {name: 1 << i for i, name in
                              enumerate(sorted({s.name for s in _SPECS}))}
"""One bit per declared event name (any engine): an :class:`EventFilter`'s ``mask``."""
assert len(EVENT_BITS) <= 64, "an EventFilter mask is a uint64"


def events_of(engine: str) -> dict[str, EventSpec]:
    """The events ``engine`` declares, by name."""
    return {s.name: s for s in _SPECS if s.engine == engine}


class EventSchemaError(AssertionError):
    """An engine emitted an event that is not declared, or with other fields."""


def check_event(engine: str, event: str, details: dict[str, Any]) -> None:
    """Raise :class:`EventSchemaError` unless ``event`` is declared for ``engine``
    with exactly these detail keys, each of its declared type."""
    spec = EVENTS.get((engine, event))
    if spec is None:
        raise EventSchemaError(f"{engine} emitted undeclared event {event!r}")
    if set(details) != spec.field_names:
        raise EventSchemaError(
            f"{engine} event {event!r} has fields {sorted(details)}, declared "
            f"{sorted(spec.field_names)}")
    for name, typ in spec.fields:
        v = details[name]
        ok = isinstance(v, typ) and (typ is bool or not isinstance(v, bool))
        if not ok:
            raise EventSchemaError(
                f"{engine} event {event!r}: {name}={v!r} is not {typ.__name__}")


class EventFilter:
    """A subscriber that wants only some events: ``fn`` is called for the events
    named in ``events`` and for no other (the engine builds no details for an
    event no subscriber wants). :meth:`EventSource.subscribe` makes one when it
    is given ``events=``. ``mask`` has the bit (:data:`EVENT_BITS`) of each name:
    the C engines test it and call ``fn`` directly, reading both slots."""

    __slots__ = ("events", "fn", "mask")

    def __init__(self, fn: Observer, events: Iterable[str]) -> None:
        self.fn = fn
        self.events = frozenset(events)
        self.mask = 0
        for e in self.events:
            self.mask |= EVENT_BITS.get(e, 0)

    def __call__(self, event: str, details: dict[str, Any]) -> None:
        if event in self.events:
            self.fn(event, details)

    def __repr__(self) -> str:
        return f"EventFilter({self.fn!r}, {sorted(self.events)!r})"


def _filtered(source: object, fn: Observer, events: Iterable[str] | None) -> Observer:
    """``fn``, or an :class:`EventFilter` of it when ``events`` names the events wanted
    (checked against the declared events of ``source``'s engine)."""
    if events is None:
        return fn
    if isinstance(events, str):
        raise TypeError("events must be a collection of event names, not one string")
    wanted = frozenset(events)
    impl = getattr(source, "impl", None)
    if isinstance(impl, str) and any(e == impl for e, _ in EVENTS):
        declared = events_of(impl)
        unknown = sorted(wanted - set(declared))
        if unknown:
            raise ValueError(f"the {impl} engine has no event {', '.join(map(repr, unknown))}"
                             f" (declared: {', '.join(sorted(declared))})")
    return EventFilter(fn, wanted)


class EventSource:
    """The one emit path, mixed into every engine.

    ``subscribers`` is a plain list, so that an engine tests ``if self.subscribers``
    before it builds an event's details: with nobody listening an event costs one
    truth test.
    """

    subscribers: list[Observer]

    def subscribe(self, fn: Observer, events: Iterable[str] | None = None) -> Observer:
        """Call ``fn(event, details)`` at every event from now on, or only at the
        events named in ``events`` (declared event names; ``ValueError`` for any
        other); returns ``fn``."""
        self.subscribers.append(_filtered(self, fn, events))
        return fn

    def unsubscribe(self, fn: Observer) -> None:
        """Stop calling ``fn``; ``ValueError`` if it was not subscribed."""
        subs = self.subscribers
        for i, s in enumerate(subs):
            if s is fn or s == fn or (isinstance(s, EventFilter) and
                                      (s.fn is fn or s.fn == fn)):
                del subs[i]
                return
        raise ValueError(f"{fn!r} is not subscribed")

    def _emit(self, event: str, details: dict[str, Any]) -> None:
        for fn in self.subscribers:
            fn(event, details)
