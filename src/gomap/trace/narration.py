"""What each internal event means, in one declarative table.

Every event an engine emits (``observer(event, details)`` today, ``subscribe`` after
the event-stream refactor) is narrated by one :class:`Narration` row, keyed by
``(impl, event)``: a one-line title, a sentence saying what happened, the rule that
fired with its numbers (``count+1 = 14 > 6.5 × 2^1 = 13 → hashGrow (doubling)``),
and the Go function with its file and line in the pinned release (classic: Go 1.23.9
``runtime/map.go``; Swiss: Go 1.27.3 ``internal/runtime/maps``). When the event
names or detail keys change, only this table changes.

A row's ``capture`` reads a few engine fields at the moment of the event (values
the event does not carry, e.g. the old-bucket mask during a growth); its ``rule``
and ``detail`` get the details, the captured values and the op's counters before
(``pre``) and after (``post``) as one :class:`Ctx`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

from gomap.versions import pinned_release

CLASSIC_GO = "go" + pinned_release("classic")
SWISS_GO = "go" + pinned_release("swiss")

GO_FILES = {"classic": "runtime/map.go", "swiss": "internal/runtime/maps/"}


class Ctx(NamedTuple):
    """What a narration may read: the event's details, the values captured at the
    event, and the op's counters before and after."""

    d: dict[str, Any]
    cap: dict[str, Any]
    pre: dict[str, Any]
    post: dict[str, Any]


Text = Callable[[Ctx], str]


@dataclass(frozen=True)
class Narration:
    """One event's narration: title, detail sentence, rule, and where it lives in Go."""

    title: str
    detail: Text
    rule: Text | None
    go_func: str
    go_file: str
    """``path:line`` of the Go function in the pinned release."""
    capture: Callable[[Any], dict[str, Any]] | None = None
    kind: str = ""
    """The page's "jump to next …" family (grow, split, prune, …); empty: none."""
    go_by: Callable[[dict[str, Any]], tuple[str, str]] | None = None
    """When the Go function depends on the details: ``details -> (func, file:line)``."""


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


M = "runtime/map.go"
T = "internal/runtime/maps/table.go"
P = "internal/runtime/maps/map.go"

CLASSIC: dict[str, Narration] = {
    "makemap": Narration(
        "makemap",
        lambda c: f"make(map, {c.d['hint']}): 2^{c.d['B']} buckets ("
                  + ("allocated now" if c.d["B"] else "the first is allocated at the first insert")
                  + ")",
        lambda c: f"smallest B with hint {c.d['hint']} ≤ 6.5 × 2^B → B = {c.d['B']}",
        "makemap", f"{M}:318"),
    "hashGrow": Narration(
        "hashGrow",
        lambda c: ("too many overflow buckets: a same-size growth re-packs the entries"
                   if c.d.get("same_size") else
                   "over the load factor: the bucket array doubles; entries move over "
                   "incrementally, two old buckets per write"),
        _hash_grow_rule, "hashGrow", f"{M}:1139", kind="grow"),
    "growWork": Narration(
        "growWork",
        lambda c: "a write while growing moves the key's old bucket, then the oldest "
                  "not yet evacuated",
        _grow_work_rule, "growWork", f"{M}:1231", capture=_classic_grow_capture,
        kind="evacuate"),
    "evacuate": Narration(
        "evacuate",
        lambda c: f"old bucket {c.d['oldbucket']} evacuated: its cells become "
                  f"evacuatedX/Y/Empty",
        _evacuate_rule, "evacuate", f"{M}:1255", capture=_classic_evac_capture,
        kind="evacuate"),
    "growDone": Narration(
        "growDone",
        lambda c: "every old bucket evacuated: the old array is freed",
        lambda c: f"nevacuate = {c.cap['nevacuate']} = the number of old buckets → growth "
                  f"done, oldbuckets = nil",
        "advanceEvacuationMark", f"{M}:1369", capture=_classic_b, kind="grow"),
    "newoverflow": Narration(
        "newoverflow",
        lambda c: ("the bucket is full: a pre-allocated overflow bucket is chained"
                   if c.d["prealloc"] else "the bucket is full: a new overflow bucket is "
                   "allocated and chained"),
        lambda c: f"8 cells full → newoverflow, noverflow = {c.d['noverflow']} "
                  f"(same-size growth at ≥ {1 << min(c.cap['B'], 15)})",
        "newoverflow", f"{M}:239", capture=_classic_b, kind="overflow"),
    "emptyOne": Narration(
        "emptyOne",
        # (the bucket is in the op's "touched"; a sentence without it repeats, so the
        # page sends it once)
        lambda c: "delete: the cell becomes a tombstone",
        lambda c: f"a live cell may follow → tophash[{c.d['cell']}] = emptyOne",
        "mapdelete", f"{M}:741", kind="tombstone"),
    "emptyRest": Narration(
        "emptyRest",
        lambda c: "nothing lives after it: the chain's trailing empty cells become emptyRest",
        lambda c: f"next cell emptyRest (or chain end) → {c.d['run']} cell(s) ← emptyRest",
        "mapdelete", f"{M}:741", kind="tombstone"),
    "seed": Narration(
        "hash0",
        lambda c: {"new": "make: a new hash seed",
                   "delete": "the map is empty again: a new hash seed",
                   "clear": "clear: a new hash seed"}.get(c.d["reason"], "a new hash seed")
        + f" hash0 = {c.d['seed']:#x}",
        lambda c: {"new": "makemap → hash0 = uint32(rand())",
                   "delete": "count = 0 after delete → hash0 = uint32(rand()) (issue 25237)",
                   "clear": "mapclear → hash0 = uint32(rand()) (issue 25237)"}.get(
                       c.d["reason"], ""),
        "makemap", f"{M}:318",
        go_by=lambda d: {"delete": ("mapdelete", f"{M}:741"),
                         "clear": ("mapclear", f"{M}:1075")}.get(d["reason"],
                                                                 ("makemap", f"{M}:318"))),
    "firstBucket": Narration(
        "first bucket",
        lambda c: "the first insert into a B = 0 map allocates its one bucket",
        lambda c: "h.buckets == nil → h.buckets = newobject(t.Bucket)",
        "mapassign", f"{M}:615"),
    "clear": Narration(
        "mapclear",
        lambda c: f"clear(m): every cell emptyRest, 2^{c.d['B']} buckets kept, growth "
                  f"abandoned",
        lambda c: f"count {c.pre['count']} → 0, noverflow {c.pre['noverflow']} → 0, "
                  f"B stays {c.d['B']}",
        "mapclear", f"{M}:1075", kind="clear"),
    "clone": Narration(
        "mapclone2",
        lambda c: f"maps.Clone: {c.d['count']} entries copied bucket by bucket into a map "
                  f"sized for them (same hash seed)",
        lambda c: f"makemap(len(m)) → moveToBmap per source chain; {c.d['key_allocs']} "
                  f"key / {c.d['elem_allocs']} elem objects newobject'd",
        "mapclone2", f"{M}:1675"),
    "iterInit": Narration(
        "mapiterinit",
        lambda c: f"range starts at bucket {c.d['start_bucket']}, cell offset "
                  f"{c.d['offset']} (random)",
        lambda c: f"rand() → startBucket = r & (2^{c.d['B']}-1) = {c.d['start_bucket']}, "
                  f"offset = r >> B & 7 = {c.d['offset']}",
        "mapiterinit", f"{M}:877", kind="iter"),
}

SWISS: dict[str, Narration] = {
    "makemap": Narration(
        "NewMap",
        lambda c: (f"make(map, {c.d['hint']}): a directory of {c.d['dir_len']} table(s)"
                   if c.d["dir_len"] else
                   f"make(map, {c.d['hint']}): nothing allocated until the first insert"),
        lambda c: (f"hint {c.d['hint']} > 8 → {c.d['dir_len']} table(s), globalDepth "
                   f"{c.d['global_depth']}" if c.d["dir_len"] else
                   f"hint {c.d['hint']} ≤ 8 → a small map (one group, allocated later)"),
        "NewMap", f"{P}:283"),
    "growToSmall": Narration(
        "growToSmall",
        lambda c: "the first insert allocates the small map's single group of 8 slots",
        lambda c: "dirPtr == nil → growToSmall (one group)",
        "Map.growToSmall", f"{P}:618"),
    "seed": Narration(
        "seed",
        lambda c: {"new": "make: a new hash seed",
                   "delete": "the map is empty again: a new hash seed",
                   "clear": "clear: a new hash seed"}.get(c.d["reason"], "new seed")
        + f" {c.d['seed']:#x}",
        lambda c: {"new": "NewMap → seed = rand()",
                   "delete": "used = 0 after Delete → seed = rand() (issue 25237)",
                   "clear": "Clear → seed = rand() (issue 25237)"}.get(c.d["reason"], ""),
        "NewMap", f"{P}:283",
        go_by=lambda d: {"delete": ("Map.Delete", f"{P}:668"),
                         "clear": ("Map.Clear", f"{P}:756")}.get(d["reason"],
                                                                   ("NewMap", f"{P}:283"))),
    "smallToTable": Narration(
        "growToTable",
        lambda c: f"the small map's one group is full: its entries move into a "
                  f"{c.d['capacity']}-slot table, the map's first directory entry",
        lambda c: f"8 of 8 slots used, insert #9 → growToTable ({c.d['capacity']} slots, "
                  f"{c.d['used']} entries re-inserted)",
        "Map.growToTable", f"{P}:628", kind="grow"),
    "tableGrow": Narration(
        "table grow",
        lambda c: f"table {c.d['index']} is out of growthLeft: rebuilt at twice the "
                  f"capacity, tombstones dropped",
        lambda c: f"growthLeft = 0 in table {c.d['index']} → rehash: {c.d['old_capacity']} × 2 = "
                  f"{c.d['new_capacity']} ≤ maxTableCapacity 1024 → grow ({c.d['used']} "
                  f"entries re-inserted, {c.d['dropped_tombstones']} tombstones dropped)",
        "table.grow", f"{T}:1290", kind="grow"),
    "split": Narration(
        "split",
        lambda c: f"table {c.d['index']} is full at 1024 slots: split into two tables "
                  f"one directory bit deeper",
        lambda c: f"growthLeft = 0 in table {c.d['index']} → rehash: 1024 × 2 > maxTableCapacity "
                  f"1024 → split at localDepth {c.d['local_depth'] - 1} → "
                  f"{c.d['local_depth']}: left {c.d['left_used']} entries (dir "
                  f"{c.d['left_index']}), right {c.d['right_used']} (dir {c.d['right_index']})",
        "table.split", f"{T}:1242", kind="split"),
    "directoryGrow": Narration(
        "directory grow",
        lambda c: f"the directory doubles: {c.d['old_dir_len']} → {c.d['new_dir_len']} entries",
        lambda c: f"localDepth = globalDepth = {c.d['global_depth'] - 1} → directory "
                  f"{c.d['old_dir_len']} → {c.d['new_dir_len']} (globalDepth "
                  f"{c.d['global_depth']})",
        "Map.installTableSplit", f"{P}:382", kind="split"),
    "pruneTombstones": Narration(
        "pruneTombstones",
        lambda c: (f"table {c.d['index']}: {c.d['pruned']} tombstones no probe needs become "
                   f"empty again" if c.d["pruned"] else
                   f"table {c.d['index']}: pruning would not free enough"),
        _prune_rule, "table.pruneTombstones", f"{T}:566", kind="prune"),
    "tombstone": Narration(
        "tombstone",
        lambda c: "delete from a full group: the slot becomes a tombstone",
        lambda c: f"no empty slot in the group → ctrl[{c.d['slot']}] = ctrlDeleted "
                  f"(growthLeft not returned)",
        "table.Delete", f"{T}:478", kind="tombstone"),
    "clear": Narration(
        "clear",
        lambda c: f"clear(m): {c.d['used']} entries removed, tables kept at their capacity",
        lambda c: f"used {c.d['used']} → 0, growthLeft back to maximum, clearSeq = "
                  f"{c.d['clear_seq']}",
        "Map.Clear", f"{P}:756", kind="clear"),
    "clone": Narration(
        "Map.Clone",
        lambda c: f"maps.Clone: {c.d['count']} entries; the directory, tables, "
                  f"tombstones and seed copied as they are",
        lambda c: f"new(Map); newGroups per table (t.clone); {c.d['key_allocs']} key / "
                  f"{c.d['elem_allocs']} elem objects newobject'd",
        "Map.Clone", f"{P}:805"),
    "iterInit": Narration(
        "Iter.Init",
        lambda c: "range starts at a random directory entry and slot offset",
        lambda c: f"rand() → entryOffset = {c.d['entry_offset']:#x}, dirOffset = "
                  f"{c.d['dir_offset']:#x}",
        "Iter.Init", f"{T}:741", kind="iter"),
}

TABLES: dict[str, dict[str, Narration]] = {"classic": CLASSIC, "swiss": SWISS}

GO_VERSION = {"classic": CLASSIC_GO, "swiss": SWISS_GO}


def narration(impl: str, event: str) -> Narration | None:
    """The row narrating ``event`` of engine ``impl``, or None for an unknown event."""
    return TABLES[impl].get(event)


def narrate(impl: str, event: str, ctx: Ctx) -> dict[str, Any]:
    """``{title, detail, rule, go}`` for one event (an unknown event is named as is)."""
    row = narration(impl, event)
    if row is None:
        return {"title": event, "detail": "", "rule": None, "go": None}
    go: dict[str, str] | None
    if row.go_by is not None:
        func, where = row.go_by(ctx.d)
        go = {"func": func, "file": where, "version": GO_VERSION[impl]}
    else:
        go = _GO_CACHE.get((impl, event))
        if go is None:
            go = _GO_CACHE[(impl, event)] = {"func": row.go_func, "file": row.go_file,
                                             "version": GO_VERSION[impl]}
    return {
        "title": row.title,
        "detail": row.detail(ctx),
        "rule": row.rule(ctx) if row.rule is not None else None,
        "go": go,
    }


_GO_CACHE: dict[tuple[str, str], dict[str, str]] = {}


def event_kinds(impl: str) -> dict[str, str]:
    """Event name → its jump family (only events that have one)."""
    return {e: r.kind for e, r in TABLES[impl].items() if r.kind}
