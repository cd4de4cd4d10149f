"""The internal events of the engines: declared once, emitted through one path.

An engine tells its subscribers what it did inside an operation — a growth
started, an old bucket was evacuated, a tombstone was left, a table split — as an
*event*: a name and a small JSON-serialisable dict of details. Every event is
declared here, once, in one :class:`EventSpec` of :data:`EVENTS`, and everything
else about it is read off that entry:

* its detail fields with their types (:func:`check_event`);
* the Go function it mirrors, as a :class:`GoSite`: file, and the line of the
  function in each pinned Go release (read from :mod:`gomap._go_lines`, generated
  from Go's sources by ``scripts/gen_events.py``; ``tests/test_events.py`` checks
  each line against the toolchains);
* its *kind* (the trace page's "jump to next …" family), whether it is
  *structural* (moves entries between chains, or rebuilds, prunes or clears a
  table: the tracer recounts the whole map after it), and its growth label in
  reports (:func:`growth_labels`; the Swiss oracle driver renumbers its tables
  after a Swiss growth event);
* its narration: title, the sentence saying what happened and the rule that fired
  with its numbers (:mod:`gomap.trace.narration` renders them);
* the event table of docs/ARCHITECTURE.md (:func:`markdown`, written there by
  ``scripts/gen_events.py``) and the C engines' event enum.

Adding an event is its entry here plus its emit sites.

The memory accountant, the simulator's recorder, a user's ``observer`` and the
tracer all listen the same way: ``engine.subscribe(fn)``, ``fn(event, details)``.

Naming: an event is named after the Go function (or, for ``seed`` and
``tombstone``, the Go state change) it reports, spelled as Go spells it
(``hashGrow``, ``pruneTombstones``); detail keys are snake_case (``same_size``,
``old_capacity``), except ``B``, which keeps Go's capital.

Subscribers run synchronously inside the operation, after the state change the
event reports; they must not call back into the map. An engine with no subscriber
builds no details at all: every emit site is one guarded call,
``if self.subscribers: self._emit(name, {...})`` (``tests/test_events.py`` holds
every site of the Python engines to it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from gomap._go_lines import GO_LINES, GO_RELEASES

Observer = Callable[[str, dict[str, Any]], None]
"""``(event, details) -> None``: a subscriber."""


class Ctx(NamedTuple):
    """What a narration may read: the event's details, the values captured at the
    event, and the op's counters before and after."""

    d: dict[str, Any]
    cap: dict[str, Any]
    pre: dict[str, Any]
    post: dict[str, Any]


Text = Callable[[Ctx], str]


@dataclass(frozen=True)
class GoSite:
    """A Go function an event mirrors: its name (a method with its receiver type
    first, ``table.grow``, ``Map.Clear``) and file (relative to ``$GOROOT/src``);
    ``other_files``: where releases that moved it keep it (Go 1.24-1.25 keep the
    classic map in ``runtime/map_noswiss.go``)."""

    func: str
    file: str
    other_files: tuple[str, ...] = ()

    @property
    def lines(self) -> dict[str, int]:
        """The line of ``func``'s declaration in each pinned Go release that has it."""
        return {r: line for r, (_, line) in GO_LINES.get((self.file, self.func), {}).items()}

    def where(self, release: str) -> str:
        """``file:line`` of its declaration in Go ``release`` (``"1.23.9"``)."""
        path, line = GO_LINES[(self.file, self.func)][release]
        return f"{path}:{line}"


@dataclass(frozen=True)
class EventSpec:
    """One declared event: its schema, the Go it mirrors, how it is classified and
    how it is narrated."""

    engine: str
    """The engine that emits it (``classic`` or ``swiss``)."""
    name: str
    fields: tuple[tuple[str, type], ...]
    """The detail keys and their types, in the order the engine builds them."""
    doc: str
    go: GoSite
    """The Go function it mirrors."""
    title: str
    """The narration's title."""
    detail: Text
    """The narration's sentence: what happened."""
    rule: Text | None = None
    """The narration's rule that fired, with its numbers."""
    kind: str = ""
    """The trace page's "jump to next …" family (grow, evacuate, split, prune,
    tombstone, overflow, clear, iter); empty: none."""
    structural: bool = True
    """False when the event changes at most the operation's own bucket chain
    (classic) or table (Swiss) — no entries move between chains, no table is
    rebuilt, pruned or cleared — so the tracer recounts only that chain or table."""
    growth: str = ""
    """The report's label when the event is a growth (``gomap simulate``); empty
    when it is not one."""
    capture: Callable[[Any], dict[str, Any]] | None = None
    """Engine fields the narration reads at the moment of the event."""
    go_by_reason: tuple[tuple[str, GoSite], ...] = field(default=())
    """When the Go function depends on ``details["reason"]``: reason → site
    (``go`` for any other reason)."""

    @property
    def field_names(self) -> frozenset[str]:
        return frozenset(name for name, _ in self.fields)

    @property
    def sites(self) -> tuple[GoSite, ...]:
        """Every Go function the event may mirror, ``go`` first."""
        out = [self.go]
        for _, s in self.go_by_reason:
            if s not in out:
                out.append(s)
        return tuple(out)

    @property
    def go_function(self) -> str:
        """The Go function(s) it mirrors (``makemap / mapdelete / mapclear``)."""
        return " / ".join(s.func for s in self.sites)

    @property
    def go_file(self) -> str:
        """That function's file, relative to ``$GOROOT/src``."""
        return self.go.file

    def go_site(self, details: Mapping[str, Any]) -> GoSite:
        """The Go function this occurrence (``details``) mirrors."""
        if self.go_by_reason:
            return dict(self.go_by_reason).get(details.get("reason", ""), self.go)
        return self.go


# --- narration rules (the ones with more than one line of arithmetic) --------------------
def _thr(b: int) -> int:
    """``loadFactorNum * (bucketShift(B) / loadFactorDen)``: the most entries 2^B
    buckets hold before growing (integer arithmetic, as Go does it)."""
    return 13 * ((1 << b) // 2)


def _hash_grow_rule(c: Ctx) -> str:
    d, pre = c.d, c.pre
    n = d["count"] + 1
    if d.get("same_size"):
        b = d["B"]
        cap_b = min(b, 15)
        return (f"noverflow = {pre['noverflow']} ≥ 2^{cap_b} = {1 << cap_b} (too many overflow "
                f"buckets) and count+1 = {n} ≤ {_thr(b)} → hashGrow (same size, 2^{b} buckets)")
    ob = d["B"] - 1
    if ob == 0:
        return f"count+1 = {n} > bucketCnt 8 (one bucket) → hashGrow (doubling to 2^1 buckets)"
    return (f"count+1 = {n} > 6.5 × 2^{ob} = {_thr(ob)} → hashGrow (doubling to "
            f"2^{d['B']} buckets)")


def _grow_work_rule(c: Ctx) -> str:
    d, cap, post = c.d, c.cap, c.post
    ob = d["bucket"] & cap["oldmask"]
    tail = (f"all {cap['oldmask'] + 1} old buckets evacuated" if not post["growing"]
            else f"nevacuate = {post['nevacuate']}")
    return (f"growWork: evacuate old bucket {d['bucket']} & {cap['oldmask']} = {ob} (the key's), "
            f"then old bucket nevacuate = {d['nevacuate']} → {tail}")


def _evacuate_rule(c: Ctx) -> str:
    d, cap = c.d, c.cap
    ob = d["oldbucket"]
    if cap["same"]:
        return f"old bucket {ob}: {d['x']} entries → new bucket {ob} (same-size growth)"
    return (f"old bucket {ob}: {d['x']} entries → X (new bucket {ob}), {d['y']} → Y "
            f"(new bucket {ob} + {cap['newbit']} = {ob + cap['newbit']})")


def _prune_rule(c: Ctx) -> str:
    d = c.d
    t, cap = d["tombstones"], d["capacity"]
    if t * 10 < cap:
        return f"tombstones {t} < 10% of {cap} → no prune (rehash instead)"
    if not d["pruned"]:
        return (f"tombstones {t} ≥ 10% of {cap}, but fewer than 10% can be freed "
                f"(the rest sit on probe sequences) → no prune (rehash instead)")
    return f"tombstones {t} ≥ 10% of {cap} → pruneTombstones removed {d['pruned']}"


def _classic_grow_capture(h: Any) -> dict[str, Any]:
    return {"oldmask": h.oldbucketmask()}


def _classic_evac_capture(h: Any) -> dict[str, Any]:
    return {"newbit": h.noldbuckets(), "same": h.is_same_size_grow()}


def _classic_b(h: Any) -> dict[str, Any]:
    return {"B": h.B, "nevacuate": h.nevacuate}


_NEW_SEED = {"new": "make: a new hash seed",
             "delete": "the map is empty again: a new hash seed",
             "clear": "clear: a new hash seed"}

_MAP_GO = "runtime/map.go"
_MAPS = "internal/runtime/maps/"


def _m(func: str) -> GoSite:
    """A function of Go 1.21-1.23 ``runtime/map.go`` (1.24-1.25: ``map_noswiss.go``)."""
    return GoSite(func, _MAP_GO, ("runtime/map_noswiss.go",))


def _p(func: str) -> GoSite:
    """A function of Go 1.24+ ``internal/runtime/maps/map.go``."""
    return GoSite(func, _MAPS + "map.go")


def _t(func: str) -> GoSite:
    """A function of Go 1.24+ ``internal/runtime/maps/table.go``."""
    return GoSite(func, _MAPS + "table.go")


def _c(name: str, fields: Iterable[tuple[str, type]], doc: str, go: GoSite, title: str,
       detail: Text, rule: Text | None = None, **kw: Any) -> EventSpec:
    return EventSpec("classic", name, tuple(fields), doc, go, title, detail, rule, **kw)


def _s(name: str, fields: Iterable[tuple[str, type]], doc: str, go: GoSite, title: str,
       detail: Text, rule: Text | None = None, **kw: Any) -> EventSpec:
    return EventSpec("swiss", name, tuple(fields), doc, go, title, detail, rule, **kw)


_SPECS: tuple[EventSpec, ...] = (
    # --- classic: runtime/map.go (Go 1.21-1.23) ----------------------------------------
    _c("makemap", [("hint", int), ("B", int)],
       "make(map[K]V, hint): B chosen so that hint entries fit under the load factor; "
       "B > 0 allocates the bucket array at once",
       _m("makemap"), "makemap",
       lambda c: f"make(map, {c.d['hint']}): 2^{c.d['B']} buckets ("
                 + ("allocated now" if c.d["B"] else "the first is allocated at the first insert")
                 + ")",
       lambda c: f"smallest B with hint {c.d['hint']} ≤ 6.5 × 2^B → B = {c.d['B']}"),
    _c("seed", [("seed", int), ("reason", str)],
       "h.hash0 = uint32(rand()): reason 'new' (makemap), 'delete' (the map became "
       "empty), 'clear'",
       _m("makemap"), "hash0",
       lambda c: _NEW_SEED.get(c.d["reason"], "a new hash seed") + f" hash0 = {c.d['seed']:#x}",
       lambda c: {"new": "makemap → hash0 = uint32(rand())",
                  "delete": "count = 0 after delete → hash0 = uint32(rand()) (issue 25237)",
                  "clear": "mapclear → hash0 = uint32(rand()) (issue 25237)"}.get(
                      c.d["reason"], ""),
       structural=False,
       go_by_reason=(("delete", _m("mapdelete")), ("clear", _m("mapclear")))),
    _c("firstBucket", [],
       "h.buckets = newobject(t.Bucket): the first insert into a B = 0 map",
       _m("mapassign"), "first bucket",
       lambda c: "the first insert into a B = 0 map allocates its one bucket",
       lambda c: "h.buckets == nil → h.buckets = newobject(t.Bucket)"),
    _c("newoverflow", [("prealloc", bool), ("noverflow", int)],
       "a full chain got an overflow bucket: a pre-allocated one (prealloc) or a new "
       "object; noverflow after incrnoverflow",
       _m("newoverflow"), "newoverflow",
       lambda c: ("the bucket is full: a pre-allocated overflow bucket is chained"
                  if c.d["prealloc"] else "the bucket is full: a new overflow bucket is "
                  "allocated and chained"),
       lambda c: f"8 cells full → newoverflow, noverflow = {c.d['noverflow']} "
                 f"(same-size growth at ≥ {1 << min(c.cap['B'], 15)})",
       kind="overflow", structural=False, capture=_classic_b),
    _c("emptyOne", [("bucket", int), ("cell", int)],
       "a deleted cell became emptyOne",
       _m("mapdelete"), "emptyOne",
       # (the bucket is in the op's "touched"; a sentence without it repeats, so the
       # page sends it once)
       lambda c: "delete: the cell becomes a tombstone",
       lambda c: f"a live cell may follow → tophash[{c.d['cell']}] = emptyOne",
       kind="tombstone", structural=False),
    _c("emptyRest", [("bucket", int), ("run", int)],
       "the run of empty cells ending the chain became emptyRest (run cells)",
       _m("mapdelete"), "emptyRest",
       lambda c: "nothing lives after it: the chain's trailing empty cells become emptyRest",
       lambda c: f"next cell emptyRest (or chain end) → {c.d['run']} cell(s) ← emptyRest",
       kind="tombstone", structural=False),
    _c("clear", [("B", int)],
       "every bucket emptied in place; the growth, overflow buckets and old array dropped",
       _m("mapclear"), "mapclear",
       lambda c: f"clear(m): every cell emptyRest, 2^{c.d['B']} buckets kept, growth "
                 f"abandoned",
       lambda c: f"count {c.pre['count']} → 0, noverflow {c.pre['noverflow']} → 0, "
                 f"B stays {c.d['B']}",
       kind="clear"),
    _c("hashGrow", [("B", int), ("same_size", bool), ("count", int)],
       "a growth started: B is the new B; same_size for a same-size growth (too many "
       "overflow buckets); count entries before the insert that triggered it",
       _m("hashGrow"), "hashGrow",
       lambda c: ("too many overflow buckets: a same-size growth re-packs the entries"
                  if c.d.get("same_size") else
                  "over the load factor: the bucket array doubles; entries move over "
                  "incrementally, two old buckets per write"),
       _hash_grow_rule, kind="grow", growth="grow"),
    _c("growWork", [("bucket", int), ("nevacuate", int)],
       "a write during growth: evacuate the old bucket of the written key's bucket, "
       "then the one at nevacuate",
       _m("growWork"), "growWork",
       lambda c: "a write while growing moves the key's old bucket, then the oldest "
                 "not yet evacuated",
       _grow_work_rule, kind="evacuate", capture=_classic_grow_capture),
    _c("evacuate", [("oldbucket", int), ("x", int), ("y", int), ("cleared", bool)],
       "old bucket moved: x entries to the same index, y to index + newbit; cleared when "
       "its keys/elems were zeroed and its overflow chain unlinked (pointerful buckets, "
       "no old iterator). Emitted before the clearing",
       _m("evacuate"), "evacuate",
       lambda c: f"old bucket {c.d['oldbucket']} evacuated: its cells become "
                 f"evacuatedX/Y/Empty",
       _evacuate_rule, kind="evacuate", capture=_classic_evac_capture),
    _c("growDone", [("B", int)],
       "every old bucket evacuated: the old array is dropped",
       _m("advanceEvacuationMark"), "growDone",
       lambda c: "every old bucket evacuated: the old array is freed",
       lambda c: f"nevacuate = {c.cap['nevacuate']} = the number of old buckets → growth "
                 f"done, oldbuckets = nil",
       kind="grow", capture=_classic_b),
    _c("clone", [("count", int), ("key_allocs", int), ("elem_allocs", int)],
       "maps.Clone filled this map (emitted by the clone, last): count entries copied, "
       "key_allocs / elem_allocs indirect key / elem objects allocated for them (an "
       "indirect key of a type without needkeyupdate is shared with the source)",
       _m("mapclone2"), "mapclone2",
       lambda c: f"maps.Clone: {c.d['count']} entries copied bucket by bucket into a map "
                 f"sized for them (same hash seed)",
       lambda c: f"makemap(len(m)) → moveToBmap per source chain; {c.d['key_allocs']} "
                 f"key / {c.d['elem_allocs']} elem objects newobject'd"),
    _c("iterInit", [("start_bucket", int), ("offset", int), ("B", int)],
       "a range loop started at a random bucket and cell offset",
       _m("mapiterinit"), "mapiterinit",
       lambda c: f"range starts at bucket {c.d['start_bucket']}, cell offset "
                 f"{c.d['offset']} (random)",
       lambda c: f"rand() → startBucket = r & (2^{c.d['B']}-1) = {c.d['start_bucket']}, "
                 f"offset = r >> B & 7 = {c.d['offset']}",
       kind="iter"),
    # --- swiss: internal/runtime/maps (Go 1.24+) ---------------------------------------
    _s("makemap", [("hint", int), ("dir_len", int), ("global_depth", int)],
       "make(map[K]V, hint): hint <= 8 allocates nothing; else a directory of tables",
       _p("NewMap"), "NewMap",
       lambda c: (f"make(map, {c.d['hint']}): a directory of {c.d['dir_len']} table(s)"
                  if c.d["dir_len"] else
                  f"make(map, {c.d['hint']}): nothing allocated until the first insert"),
       lambda c: (f"hint {c.d['hint']} > 8 → {c.d['dir_len']} table(s), globalDepth "
                  f"{c.d['global_depth']}" if c.d["dir_len"] else
                  f"hint {c.d['hint']} ≤ 8 → a small map (one group, allocated later)")),
    _s("seed", [("seed", int), ("reason", str)],
       "m.seed = uintptr(rand()): reason 'new', 'delete' (the map became empty), 'clear'",
       _p("NewMap"), "seed",
       lambda c: _NEW_SEED.get(c.d["reason"], "new seed") + f" {c.d['seed']:#x}",
       lambda c: {"new": "NewMap → seed = rand()",
                  "delete": "used = 0 after Delete → seed = rand() (issue 25237)",
                  "clear": "Clear → seed = rand() (issue 25237)"}.get(c.d["reason"], ""),
       structural=False,
       go_by_reason=(("delete", _p("Map.Delete")), ("clear", _p("Map.Clear")))),
    _s("growToSmall", [],
       "the first insert allocated the small map's single group",
       _p("Map.growToSmall"), "growToSmall",
       lambda c: "the first insert allocates the small map's single group of 8 slots",
       lambda c: "dirPtr == nil → growToSmall (one group)"),
    _s("smallToTable", [("used", int), ("capacity", int)],
       "the 9th entry moved the small group into a table",
       _p("Map.growToTable"), "growToTable",
       lambda c: f"the small map's one group is full: its entries move into a "
                 f"{c.d['capacity']}-slot table, the map's first directory entry",
       lambda c: f"8 of 8 slots used, insert #9 → growToTable ({c.d['capacity']} slots, "
                 f"{c.d['used']} entries re-inserted)",
       kind="grow", growth="small→table"),
    _s("tombstone", [("index", int), ("group", int), ("slot", int), ("capacity", int)],
       "a delete from a full group left a tombstone (ctrlDeleted)",
       _t("table.Delete"), "tombstone",
       lambda c: "delete from a full group: the slot becomes a tombstone",
       lambda c: f"no empty slot in the group → ctrl[{c.d['slot']}] = ctrlDeleted "
                 f"(growthLeft not returned)",
       kind="tombstone", structural=False),
    _s("pruneTombstones",
       [("index", int), ("capacity", int), ("tombstones", int), ("pruned", int)],
       "growthLeft hit 0 on the typed assign path: tombstones no probe needs become "
       "empty, if that recovers at least 10% of the capacity (pruned 0 otherwise)",
       _t("table.pruneTombstones"), "pruneTombstones",
       lambda c: (f"table {c.d['index']}: {c.d['pruned']} tombstones no probe needs become "
                  f"empty again" if c.d["pruned"] else
                  f"table {c.d['index']}: pruning would not free enough"),
       _prune_rule, kind="prune"),
    _s("tableGrow",
       [("index", int), ("old_capacity", int), ("new_capacity", int), ("used", int),
        ("dropped_tombstones", int)],
       "a table was rebuilt at twice the capacity (at most 1024 slots)",
       _t("table.grow"), "table grow",
       lambda c: f"table {c.d['index']} is out of growthLeft: rebuilt at twice the "
                 f"capacity, tombstones dropped",
       lambda c: f"growthLeft = 0 in table {c.d['index']} → rehash: {c.d['old_capacity']} × 2 = "
                 f"{c.d['new_capacity']} ≤ maxTableCapacity 1024 → grow ({c.d['used']} "
                 f"entries re-inserted, {c.d['dropped_tombstones']} tombstones dropped)",
       kind="grow", growth="table grow"),
    _s("split",
       [("index", int), ("local_depth", int), ("left_index", int), ("left_used", int),
        ("right_index", int), ("right_used", int)],
       "a 1024-slot table was split into two one directory bit deeper",
       _t("table.split"), "split",
       lambda c: f"table {c.d['index']} is full at 1024 slots: split into two tables "
                 f"one directory bit deeper",
       lambda c: f"growthLeft = 0 in table {c.d['index']} → rehash: 1024 × 2 > maxTableCapacity "
                 f"1024 → split at localDepth {c.d['local_depth'] - 1} → "
                 f"{c.d['local_depth']}: left {c.d['left_used']} entries (dir "
                 f"{c.d['left_index']}), right {c.d['right_used']} (dir {c.d['right_index']})",
       kind="split", growth="split"),
    _s("directoryGrow", [("old_dir_len", int), ("new_dir_len", int), ("global_depth", int)],
       "a split needed another directory bit: the directory doubled",
       _p("Map.installTableSplit"), "directory grow",
       lambda c: f"the directory doubles: {c.d['old_dir_len']} → {c.d['new_dir_len']} entries",
       lambda c: f"localDepth = globalDepth = {c.d['global_depth'] - 1} → directory "
                 f"{c.d['old_dir_len']} → {c.d['new_dir_len']} (globalDepth "
                 f"{c.d['global_depth']})",
       kind="split", growth="directory grow"),
    _s("clear", [("small", bool), ("used", int), ("clear_seq", int)],
       "every table (or the small group) emptied in place",
       _p("Map.Clear"), "clear",
       lambda c: f"clear(m): {c.d['used']} entries removed, tables kept at their capacity",
       lambda c: f"used {c.d['used']} → 0, growthLeft back to maximum, clearSeq = "
                 f"{c.d['clear_seq']}",
       kind="clear"),
    _s("clone", [("count", int), ("key_allocs", int), ("elem_allocs", int)],
       "maps.Clone filled this map (emitted by the clone, last): count entries, "
       "key_allocs / elem_allocs indirect key / elem objects allocated for them",
       _p("Map.Clone"), "Map.Clone",
       lambda c: f"maps.Clone: {c.d['count']} entries; the directory, tables, "
                 f"tombstones and seed copied as they are",
       lambda c: f"new(Map); newGroups per table (t.clone); {c.d['key_allocs']} key / "
                 f"{c.d['elem_allocs']} elem objects newobject'd"),
    _s("iterInit", [("entry_offset", int), ("dir_offset", int), ("small", bool), ("dir_len", int)],
       "a range loop started with random entry and directory offsets",
       _t("Iter.Init"), "Iter.Init",
       lambda c: "range starts at a random directory entry and slot offset",
       lambda c: f"rand() → entryOffset = {c.d['entry_offset']:#x}, dirOffset = "
                 f"{c.d['dir_offset']:#x}",
       kind="iter"),
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


def local_events(engine: str) -> frozenset[str]:
    """The events of ``engine`` that are not :attr:`~EventSpec.structural`."""
    return frozenset(s.name for s in _SPECS if s.engine == engine and not s.structural)


def growth_labels(engine: str) -> dict[str, str]:
    """The growth events of ``engine``, by name, with the report's label for each."""
    return {s.name: s.growth for s in _SPECS if s.engine == engine and s.growth}


def go_releases(engine: str) -> tuple[str, ...]:
    """The pinned Go releases whose line numbers the table records for ``engine``."""
    return GO_RELEASES[engine]


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
    truth test. Every emit site is that one guarded call:
    ``if self.subscribers: self._emit(name, {...})``.
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


# --- generated artefacts -----------------------------------------------------------------
DOC_BEGIN = "<!-- events table: generated from gomap.events (scripts/gen_events.py) -->"
DOC_END = "<!-- end of the generated events table -->"


def markdown() -> str:
    """The events table of docs/ARCHITECTURE.md, one table per engine, between
    :data:`DOC_BEGIN` and :data:`DOC_END`."""
    out = [DOC_BEGIN]
    for engine in dict.fromkeys(s.engine for s in _SPECS):
        rels = go_releases(engine)
        out.append("")
        out.append(f"**{engine}** (line of the Go function in each pinned release; "
                   "— : not in that release)")
        out.append("")
        out.append("| event | Go function | file | " + " | ".join(rels)
                   + " | kind | structural | growth | details |")
        out.append("|---|---|---|" + "---:|" * len(rels) + "---|---|---|---|")
        for s in _SPECS:
            if s.engine != engine:
                continue
            funcs = "<br>".join(f"`{g.func}`" for g in s.sites)
            found = GO_LINES.get((s.go.file, s.go.func), {})
            files = s.go.file + "".join(
                f"<br>{f} ({', '.join(r for r in rels if found.get(r, ('',))[0] == f)})"
                for f in s.go.other_files if any(p == f for p, _ in found.values()))
            cols = ["<br>".join(str(g.lines.get(r, "—")) for g in s.sites) for r in rels]
            details = ", ".join(f"`{n}` {t.__name__}" for n, t in s.fields) or "—"
            out.append(f"| `{s.name}` | {funcs} | {files} | " + " | ".join(cols)
                       + f" | {s.kind or '—'} | {'yes' if s.structural else 'no'} | "
                       f"{s.growth or '—'} | {details} |")
    out.append("")
    out.append(DOC_END)
    return "\n".join(out) + "\n"


def find_go_lines(read: Callable[[str, str], str | None],
                  releases: Mapping[str, tuple[str, ...]] | None = None,
                  ) -> dict[tuple[str, str], dict[str, tuple[str, int]]]:
    """The file and line of every event's Go function in every release of
    ``releases`` (by engine; default: the pinned ones, :data:`GO_RELEASES`):
    ``read(release, file)`` gives a file's text (None when the release has none)."""
    if releases is None:
        releases = GO_RELEASES
    import re

    out: dict[tuple[str, str], dict[str, tuple[str, int]]] = {}
    for s in _SPECS:
        for g in s.sites:
            recv, _, name = g.func.rpartition(".")
            head = (rf"func \(\w+ \*?{re.escape(recv)}\) " if recv else r"func (\([^)]*\) )?")
            pat = re.compile(head + re.escape(name) + r"[\[(]")
            lines = out.setdefault((g.file, g.func), {})
            for rel in releases[s.engine]:
                for path in (g.file, *g.other_files):
                    text = read(rel, path)
                    at = [i for i, line in enumerate((text or "").splitlines(), 1)
                          if pat.match(line)]
                    if at:
                        lines[rel] = (path, at[0])
                        break
    return out


def main(argv: list[str] | None = None) -> int:
    """``python -m gomap.events --markdown`` prints the docs' events table
    (``scripts/gen_events.py`` writes it into docs/ARCHITECTURE.md and regenerates
    :mod:`gomap._go_lines` from the Go toolchains)."""
    import argparse
    import sys

    ap = argparse.ArgumentParser(prog="python -m gomap.events", description=main.__doc__)
    ap.add_argument("--markdown", action="store_true", required=True,
                    help="print the docs' events table")
    ap.parse_args(argv)
    sys.stdout.write(markdown())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
