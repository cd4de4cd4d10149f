"""Replaying a script on the Swiss model with the real Go 1.27 runtime's hashes and
random draws, and comparing the state after every operation.

The harness (``go/swiss``, see docs/ORACLE-HARNESS-SWISS.md) applies the script to
a real ``map[K]V`` and prints, per operation, the ``maps.Map`` header, the table
headers (all of them, or the ones that changed), the hash the runtime computed for
the operation's key, what a read or an iterator step produced together with the
``maps.Iter`` fields, and the groups the operation changed (all of them at
checkpoints). The driver runs the same operation on :class:`gomap.swiss.SwissMap` (and, where
it is built, on its native twin, both against the same harness run) with

* ``hasher``: the runtime's hash for each (key, seed), learnt from the records.
  NaN keys, whose runtime hash is random (``f64hash`` mixes in a ``rand()``), get a
  hash rebuilt from where the runtime put them: H2 = the control byte, H1 = the
  group (so the probe starts there), and the top ``globalDepth`` bits = the first
  directory index of the table (so the directory picks that table and a split
  sends the key to the same half). A NaN whose own insert made its table grow or
  split needs more: its H1 must also probe the *old* table to an empty slot
  without meeting a tombstone (else the model would reuse the tombstone instead of
  growing), so the driver searches the new table's group count for an H1 that
  does both;
* ``rand``: the runtime's draws in Go's order: the seed at ``make``, the new seed
  when a delete empties the map or ``clear`` runs, and an iterator's
  ``entryOffset`` then ``dirOffset`` (the latter as reported, i.e. already moved to
  the first directory entry of the table the iteration starts in: the model's own
  adjustment is then 0 and the iteration is the same).

The model's access path follows the compiler's choice for the harness's types
(``mapfast``): ``map[int64]int64`` takes the ``_fast64`` functions and
``map[string]int64`` the ``_faststr`` ones (those prune tombstones); every other
pair, including any key with the 160-byte ``bigelem``, the generic path (which
never prunes).

Compared after every operation: the map header, lookup results, every iterator
step (key, elem, and the iterator's fields), the table headers the record carries
plus the table the key went to, and every group the record carries; at full
records (checkpoints, table set changes, NaN writes, the end) the directory, every
table and every group. The first difference stops the replay with a readable
:class:`~gomap.oracle.common.Divergence`.
"""

from __future__ import annotations

import json
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from gomap.engines import get_engine
from gomap.events import growth_labels
from gomap.ops import Replayer, from_script
from gomap.oracle.classic_driver import _Both, default_backends
from gomap.oracle.common import (
    Divergence,
    OracleError,
    Result,
    encode_script,
    lockstep,
    with_final_dump,
)
from gomap.oracle.harness import run_harness
from gomap.oracle.keys import (
    decode_key,
    encode_key,
    float32_bits,
    float_bits,
    json_nan_bits,
    key_repr,
    nan_bits,
)
from gomap.oracle.nans import SwissNaNs
from gomap.swiss.group import CTRL_EMPTY, GROUP_SLOTS
from gomap.versions import GoBehaviour, go_behaviour

__all__ = [
    "Divergence",
    "OracleError",
    "Result",
    "SwissReplay",
    "replay_swiss",
    "swiss_key_kind",
]

_FAST_PATHS = {("int64", "int64"): "fast64", ("string", "int64"): "faststr",
               ("pointer", "int64"): "fast64ptr", ("chan", "int64"): "fast64ptr"}

MAP_FIELDS = ("used", "seed", "global_depth", "global_shift", "dir_len", "clear_seq",
              "tombstone_possible", "writing", "small")
TABLE_FIELDS = ("used", "capacity", "growth_left", "local_depth", "index")
ITER_FIELDS = ("has_map", "entryOffset", "dirOffset", "clearSeq", "globalDepth", "dirIdx",
               "entryIdx", "tab")
# Model events after which the model's set of tables (or its numbering) changed.
# (From the event table: the Swiss growth events.)
_TABLE_SET_EVENTS = frozenset(growth_labels("swiss"))


def swiss_key_kind(key_type: str, elem_type: str) -> str:
    """The access path Go 1.27's compiler picks for the harness's ``map[K]V``."""
    return _FAST_PATHS.get((key_type, elem_type), "generic")


def _key_encoder(key_type: str) -> Callable[[Any], Any]:
    if key_type == "float64":
        return lambda k: f"{float_bits(k):016x}"
    if key_type == "complex64":
        return lambda k: [f"{float32_bits(k.real):08x}", f"{float32_bits(k.imag):08x}"]
    if key_type == "complex128":
        return lambda k: [f"{float_bits(k.real):016x}", f"{float_bits(k.imag):016x}"]
    if key_type in ("struct", "array"):
        return list
    if key_type == "any":
        return lambda k: encode_key("any", k)
    return lambda k: k


def _slot_diff(model: list[Any], runtime: list[Any]) -> int:
    for j, (a, b) in enumerate(zip(model, runtime, strict=True)):
        if a != b:
            return j
    return -1


_OP_KINDS = frozenset(("set", "get", "del", "clear", "iter", "next", "stop", "dump",
                       "clone"))


class SwissReplay:
    """Runs one script through the model in lock-step with the runtime's records."""

    def __init__(self, key_type: str, elem_type: str,
                 go: str | GoBehaviour | None = None, backend: str = "python") -> None:
        self.go = go_behaviour(go, "swiss")
        self.backend = backend
        self.key_type = key_type
        self.elem_type = elem_type
        self.key_kind = swiss_key_kind(key_type, elem_type)
        self.enc = _key_encoder(key_type)
        self.hashes: dict[tuple[Any, int], int] = {}
        self.draws: deque[int] = deque()
        self.overdrawn = 0
        self.m: Any = None  # gomap.swiss.SwissMap or its native twin
        self.replayer = Replayer()
        self.events: dict[str, int] = {}
        # The runtime as the records describe it: table headers (the last "tables",
        # updated by "tables_delta") and groups (the last full record, updated by
        # the changed groups of each record since).
        self.rt_tables: list[dict[str, Any]] = []
        self.rt_global_depth = 0
        self.rt_groups: dict[int, list[Any]] = {}  # table number (-1: small) -> groups
        # The model's tables numbered as the harness numbers the runtime's.
        self.mtabs: list[Any] = []
        self.mnum: dict[int, int] = {}
        self.mdir: list[int] = []
        self.renumber = True
        self.tables_changed: list[str] = []
        self.pruned = False  # the model pruned tombstones in this op
        # NaN keys: where the runtime put each, as of the current full record.
        self.nans = SwissNaNs()
        self.nans.tables = self.rt_tables
        self.groups_compared = 0
        self.full_checks = 0
        self.unknown_hashes = 0
        self.max_global_depth = 0
        self.clone_candidates = 0  # Go 1.24's mapclone2: draws tried by the model
        self.clone_trials = 0

    # --- the hooks ------------------------------------------------------------------------
    def rand(self) -> int:
        if self.draws:
            return self.draws.popleft()
        self.overdrawn += 1
        return 0

    def hasher(self, key: Any, seed: int) -> int:
        try:
            return self.hashes[(key, seed)]
        except KeyError:
            pass
        if key != key:
            return self.nans.hash(key)
        # Never an operation's key under this seed, so not in the map: only an
        # iterator looking up a key from before the map re-seeded (it emptied) can
        # ask. Any hash finds nothing; a wrong guess elsewhere shows as a divergence.
        self.unknown_hashes += 1
        return 0

    def _observe(self, event: str, details: dict[str, Any]) -> None:
        if event == "seed":
            event = f"seed({details.get('reason')})"
        elif event == "pruneTombstones":
            if details.get("pruned"):
                self.pruned = True
            else:
                event = "pruneTombstones(skipped)"
        elif event in _TABLE_SET_EVENTS:
            self.renumber = True
            self.tables_changed.append(event)
        self.events[event] = self.events.get(event, 0) + 1

    # --- NaN keys -------------------------------------------------------------------------
    def _learn_nans(self, rec: dict[str, Any]) -> None:
        places = []
        for grp in rec["groups"]:
            for s, (k, c) in enumerate(zip(grp["keys"], grp["ctrl"], strict=True)):
                if k is not None and (bits := json_nan_bits(self.key_type, k)) is not None:
                    places.append((bits, grp["t"], grp["g"], s, c))
        self.nans.learn(places, rec["i"])

    def _nan_set_hash(self, bits: int, rec: dict[str, Any]) -> int:
        """The hash that makes the model put this op's new NaN where the runtime did."""
        place = self.nans.places.get(bits)
        t = place[0] if place is not None else None
        free = [grp["g"] for grp in rec["groups"]
                if grp["t"] == t and any(c & CTRL_EMPTY for c in grp["ctrl"])]
        return self.nans.set_hash(bits, self.m, free, rec["i"], self.events)

    # --- one record -----------------------------------------------------------------------
    def step(self, i: int, op: list[Any], rec: dict[str, Any]) -> Divergence | None:
        if rec.get("i") != i or rec.get("op") != op[0]:
            raise OracleError(f"record {rec.get('i')} ({rec.get('op')}) where op #{i} "
                              f"{op[0]!r} was expected")
        kind = op[0]
        rm = rec["m"]
        full = bool(rec.get("full"))
        if "dir" in rm:
            self.rt_tables = [dict(t) for t in rm["tables"]]
            self.nans.tables = self.rt_tables
        else:
            for n, hdr in rm["tables_delta"].items():
                self.rt_tables[int(n)] = hdr
        self.rt_global_depth = self.nans.global_depth = rm["global_depth"]
        self.nans.op = None
        if self.key_type in ("float64", "any") and full:
            self._learn_nans(rec)
        self.tables_changed.clear()
        self.pruned = False
        self.overdrawn = 0

        if kind == "make":
            self.draws.append(rm["seed"])
            try:
                self.m = get_engine("swiss").new(
                    op[1], backend=self.backend, hasher=self.hasher, rand=self.rand,
                    observer=self._observe, key_kind=self.key_kind, go=self.go)
            except OracleError:
                raise
            except Exception as e:  # the model failed where the runtime did not
                return Divergence(i, op, "model raised", f"{type(e).__name__}: {e}",
                                  "no error")
            self.replayer = Replayer(engine=self.m)
            self.renumber = True
            self.tables_changed.clear()
            return self._after(i, op, rec, None)

        m = self.m
        assert m is not None
        hash_ = rec.get("hash")
        if kind in ("set", "get", "del"):
            key = op[1]
            if hash_ is not None:
                k = (key, m.seed)
                old = self.hashes.setdefault(k, hash_)
                if old != hash_:
                    raise OracleError(f"op #{i}: the runtime hashed {key_repr(self.key_type, key)}"
                                      f" to {hash_}, earlier to {old} (same seed)")
            elif (bits := nan_bits(key)) is not None and kind == "set":
                self.nans.op = (key, self._nan_set_hash(bits, rec))
        try:
            d = self._apply(i, op, rec, m)
        except OracleError:
            raise
        except Exception as e:  # the model failed where the runtime did not
            return Divergence(i, op, "model raised", f"{type(e).__name__}: {e}", "no error")
        if d is not None:
            return d
        return self._after(i, op, rec, hash_ if kind in ("set", "del") else None)

    def _apply(self, i: int, op: list[Any], rec: dict[str, Any], m: Any) -> Divergence | None:
        kind = op[0]
        # What the runtime drew for this operation, queued for the model's rand().
        if kind == "del" and m.used and rec["m"]["used"] == 0:
            self.draws.append(rec["m"]["seed"])  # the map emptied: Go re-seeds
        elif kind == "clear" and (m.used or m.tombstone_possible):
            self.draws.append(rec["m"]["seed"])
        elif kind == "iter" and m.used:
            self.draws.append(rec["entryOffset"])
            self.draws.append(rec["dirOffset"])
        elif kind == "clone" and not self.go.clone_copies_layout:
            # Go 1.24's mapclone2: make(map, len) and a Put per entry in the order of
            # an iteration whose two random draws the harness cannot see.
            self._clone_by_iteration(i, rec, m)
            return None
        elif kind not in _OP_KINDS:
            raise OracleError(f"unknown op {op!r}")
        rop = op
        if kind in ("iter", "next", "stop"):
            rop = [kind, json.dumps(op[1])]  # iterator ids may be any JSON value
            if kind == "next" and rop[1] not in self.replayer.iters:
                raise OracleError(f"op #{i}: no iterator {op[1]!r}")
        was_ended = kind == "next" and rop[1] in self.replayer.ended
        result = self.replayer.apply(from_script(rop))
        if kind == "get":
            ok, v = result
            if ok != rec["found"] or (ok and v != rec["elem"]):
                return Divergence(i, op, "lookup result", (ok, v), (rec["found"], rec["elem"]))
        elif kind in ("iter", "next"):
            return self._iter_step(i, op, rec, self.replayer.iters[rop[1]], result, was_ended)
        elif kind == "clone":  # m = maps.Clone(m): compared from now on
            self.m = self.replayer.engine
            self.renumber = True
        return None

    # --- Go 1.24's maps.Clone -----------------------------------------------------------
    def _clone_by_iteration(self, i: int, rec: dict[str, Any], m: Any) -> None:
        """Replay Go 1.24's ``mapclone2`` on the model: learn the keys' hashes under the
        clone's new seed (the record carries them), then find iterator draws
        (``entryOffset``, ``dirOffset``) whose insertion order rebuilds the runtime's
        clone exactly, and go on with that clone.

        Only ``entryOffset`` modulo each table's capacity and the table ``dirOffset``
        starts in matter (``Iter.Next``), so the draws searched are ``entryOffset`` in
        ``[0, max capacity)`` and one ``dirOffset`` per table (its first directory
        index). :func:`_clone_order_filter` prunes that space with what the runtime's
        clone shows of the insertion order; each remaining candidate runs the model's
        own ``clone`` and is accepted only if the copy equals the runtime's in every
        header, group, key and elem. Candidates that all match are equivalent (what
        happens next depends only on the clone). If none matches, the first runs and
        the comparison reports the divergence."""
        seed = rec["m"]["seed"]
        hashes = iter(rec.get("hashes", ()))
        for grp in rec["groups"]:
            for k, c in zip(grp["keys"], grp["ctrl"], strict=True):
                if c & CTRL_EMPTY:
                    continue
                h = next(hashes, None)
                if h is not None:
                    self.hashes[(decode_key(self.key_type, k), seed)] = h
        if not m.used:
            cands: list[tuple[int, ...]] = [(seed,)]
        else:
            cands = [(seed, e, d) for d, e in _clone_order_filter(m, rec, self.enc)]
        saved = (dict(self.events), self.unknown_hashes, self.nans.hashes)
        self.clone_candidates += len(cands)
        for n, draws in enumerate(cands):
            self.events = dict(saved[0])
            self.unknown_hashes, self.nans.hashes = saved[1], saved[2]
            self.draws = deque(draws)
            self.overdrawn = 0
            dst = m.clone()
            if n == len(cands) - 1 or (not self.draws and not self.overdrawn
                                       and _same_state(dst, rec, self.enc)):
                self.clone_trials += n + 1
                break
        else:  # no candidate at all: the filter found no order; let the comparison tell
            self.draws = deque([seed, 0, 0][:3 if m.used else 1])
            dst = m.clone()
        self.replayer.engine = dst
        self.m = dst
        self.renumber = True

    def _iter_step(self, i: int, op: list[Any], rec: dict[str, Any], it: Any, kv: Any,
                   was_ended: bool) -> Divergence | None:
        # The harness does not call the runtime on an iterator that has ended (nor
        # does the replayer step the model's).
        if not was_ended:
            ev = self.events
            if kv is None:
                ev["iter:end"] = ev.get("iter:end", 0) + 1
            elif it.m is not None and it.dir_idx < 0 and it.m.dir_len > 0:
                ev["iter:smallGrown"] = ev.get("iter:smallGrown", 0) + 1
            elif it.tab is not None and it.tab.index == -1:
                ev["iter:staleTable"] = ev.get("iter:staleTable", 0) + 1
        if rec.get("end"):
            if kv is not None:
                return Divergence(i, op, "iteration", kv, "end")
        else:
            want = (decode_key(self.key_type, rec["key"]), rec["elem"])
            if kv is None:
                return Divergence(i, op, "iteration", "end", want)
            if (self.enc(kv[0]), kv[1]) != (rec["key"], rec["elem"]):
                return Divergence(i, op, "iteration", kv, want)
        if self.renumber:
            self._renumber()
        tab = None if it.tab is None else self.mnum.get(id(it.tab), -1)
        mine = (it.m is not None, it.entry_offset, it.dir_offset, it.clear_seq,
                it.global_depth, it.dir_idx, it.entry_idx, tab)
        for name, a in zip(ITER_FIELDS, mine, strict=True):
            if a != rec[name]:
                return Divergence(i, op, f"iterator.{name}", a, rec[name])
        return None

    # --- comparing ------------------------------------------------------------------------
    def _renumber(self) -> None:
        """Number the model's tables in order of appearance in the directory, as the
        harness does (a new number whenever the entry differs from the previous)."""
        m = self.m
        assert m is not None
        tabs: list[Any] = []
        num: dict[int, int] = {}
        d: list[int] = []
        prev = None
        for t in m.directory:
            if t is not prev:
                num.setdefault(id(t), len(tabs))
                tabs.append(t)
                prev = t
            d.append(len(tabs) - 1)
        self.mtabs, self.mnum, self.mdir = tabs, num, d
        self.renumber = False

    def _table_number(self, tab: Any) -> int:
        n = self.mnum.get(id(tab))
        if n is None:  # a table the model made without telling its observer
            self._renumber()
            n = self.mnum[id(tab)]
        return n

    def _after(self, i: int, op: list[Any], rec: dict[str, Any],
               key_hash: int | None) -> Divergence | None:
        if self.overdrawn:
            return Divergence(i, op, "random draws",
                              f"model drew {self.overdrawn} more than the runtime",
                              "no more draws")
        if self.draws:
            left = list(self.draws)
            self.draws.clear()
            return Divergence(i, op, "random draws", "model drew fewer than the runtime",
                              f"unused draws {left}")
        m = self.m
        assert m is not None
        rm = rec["m"]
        mine = (m.used, m.seed, m.global_depth, m.global_shift, m.dir_len, m.clear_seq,
                m.tombstone_possible, int(m.writing), m.dir_len == 0 and m.small is not None)
        for name, a in zip(MAP_FIELDS, mine, strict=True):
            if a != rm[name]:
                return Divergence(i, op, f"map.{name}", a, rm[name])
        if m.global_depth > self.max_global_depth:
            self.max_global_depth = m.global_depth
        full = bool(rec.get("full"))
        if self.tables_changed and not full:
            return Divergence(i, op, "set of tables", f"changed ({', '.join(self.tables_changed)})",
                              "unchanged")
        if self.renumber or full:
            self._renumber()
        if "dir" in rm:
            if self.mdir != rm["dir"]:
                return Divergence(i, op, "directory (table number per entry)",
                                  self.mdir, rm["dir"])
            if len(self.mtabs) != len(rm["tables"]):
                return Divergence(i, op, "number of tables", len(self.mtabs), len(rm["tables"]))
            for n, hdr in enumerate(rm["tables"]):
                d = self._compare_table(i, op, n, hdr)
                if d:
                    return d
        else:
            for ns, hdr in rm["tables_delta"].items():
                d = self._compare_table(i, op, int(ns), hdr)
                if d:
                    return d
            if key_hash is not None and m.dir_len:
                # The only table a set/delete may change (the others were compared
                # when they last changed, and at every full record).
                n = self._table_number(m.directory[m.directory_index(key_hash)])
                if n >= len(self.rt_tables):
                    return Divergence(i, op, "number of tables", f"a table #{n}",
                                      len(self.rt_tables))
                d = self._compare_table(i, op, n, self.rt_tables[n])
                if d:
                    return d
        self._absorb_groups(rec, full)
        d = self._compare_groups(i, op, rec["groups"])
        if d:
            return d
        if key_hash is not None and not full:
            d = self._compare_probe(i, op, key_hash)
            if d:
                return d
        if full:
            self.full_checks += 1
            want: dict[int, int] = {}
            if m.dir_len == 0 and m.small is not None:
                want[-1] = 1
            for n, t in enumerate(self.mtabs):
                want[n] = t.length_mask + 1
            got: dict[int, int] = {}
            for grp in rec["groups"]:
                got[grp["t"]] = got.get(grp["t"], 0) + 1
            if got != want:
                return Divergence(i, op, "groups per table in the full dump (-1 = small)",
                                  want, got)
        return None

    def _compare_table(self, i: int, op: list[Any], n: int,
                       hdr: dict[str, Any]) -> Divergence | None:
        if n >= len(self.mtabs):
            return Divergence(i, op, "number of tables", len(self.mtabs), f"a table #{n}")
        t = self.mtabs[n]
        mine = (t.used, t.capacity, t.growth_left, t.local_depth, t.index)
        for name, a in zip(TABLE_FIELDS, mine, strict=True):
            if a != hdr[name]:
                return Divergence(i, op, f"table.{name}", a, hdr[name],
                                  where=f"table {n} (directory index {hdr['index']})")
        return None

    def _compare_groups(self, i: int, op: list[Any],
                        groups: list[dict[str, Any]]) -> Divergence | None:
        for grp in groups:
            d = self._compare_group(i, op, grp["t"], grp["g"], grp)
            if d:
                return d
        return None

    def _compare_group(self, i: int, op: list[Any], t: int, g: int,
                       grp: dict[str, Any], note: str = "") -> Divergence | None:
        m = self.m
        assert m is not None
        if t < 0:
            where = "the small group" + note
            if m.dir_len != 0 or m.small is None:
                return Divergence(i, op, "small group", "none", "present")
            ctrl, keys, elems, base = m.small.ctrl, m.small.keys, m.small.elems, 0
        else:
            where = f"table {t} group {g}{note}"
            if t >= len(self.mtabs):
                return Divergence(i, op, "number of tables", len(self.mtabs), f"a table #{t}")
            tab = self.mtabs[t]
            if g > tab.length_mask:
                return Divergence(i, op, "groups in table", tab.length_mask + 1,
                                  f"a group #{g}", where=f"table {t}")
            ctrl, keys, elems, base = _group_slots(tab, g)
        c = list(ctrl[base:base + GROUP_SLOTS])
        self.groups_compared += 1
        if c != grp["ctrl"]:
            j = _slot_diff(c, grp["ctrl"])
            return Divergence(i, op, "group ctrl", c, grp["ctrl"], where=f"{where} slot {j}")
        rk = grp["keys"]
        re_ = grp["elems"]
        enc = self.enc
        for j in range(GROUP_SLOTS):
            if c[j] & CTRL_EMPTY:
                continue
            k = keys[base + j]
            if enc(k) != rk[j]:
                return Divergence(i, op, "group key", k, decode_key(self.key_type, rk[j]),
                                  where=f"{where} slot {j}")
            if elems[base + j] != re_[j]:
                return Divergence(i, op, "group elem", elems[base + j], re_[j],
                                  where=f"{where} slot {j} (key {k!r})")
        return None

    def _absorb_groups(self, rec: dict[str, Any], full: bool) -> None:
        """Keep the runtime's groups as the records describe them."""
        if full:
            self.rt_groups = {}
        rt = self.rt_groups
        for grp in rec["groups"]:
            t = grp["t"]
            gs = rt.get(t)
            if gs is None:
                gs = rt[t] = []
            g = grp["g"]
            if g < len(gs):
                gs[g] = grp
            else:
                gs.extend([None] * (g - len(gs)))
                gs.append(grp)

    def _compare_probe(self, i: int, op: list[Any], hash_: int) -> Divergence | None:
        """A set or delete may only change groups on the key's probe sequence, up to
        the first group with an empty slot, or anywhere in the key's table when it
        prunes tombstones: compare the model's with the runtime's (most of them
        unchanged, so not in the record) to catch a model that wrote where the
        runtime did not."""
        m = self.m
        assert m is not None
        if m.dir_len == 0:
            if m.small is None:
                return None
            return self._compare_group(i, op, -1, 0, self.rt_groups[-1][0],
                                       " (unchanged in the runtime)")
        tab = m.directory[m.directory_index(hash_)]
        n = self._table_number(tab)
        gs = self.rt_groups[n]
        mask = tab.length_mask
        if self.pruned:
            for g in range(mask + 1):
                d = self._compare_group(i, op, n, g, gs[g], " (after pruning)")
                if d:
                    return d
            return None
        off = (hash_ >> 7) & mask
        ctrl = tab.ctrl
        for step in range(1, mask + 2):
            d = self._compare_group(i, op, n, off, gs[off], " (on the key's probe sequence)")
            if d:
                return d
            if CTRL_EMPTY in ctrl[off << 3:(off << 3) + GROUP_SLOTS]:
                break
            off = (off + step) & mask
        return None


def _tables_in_order(m: Any) -> list[Any]:
    """The distinct tables of a map in directory order (the small group: [None])."""
    if m.dir_len == 0:
        return [None]
    tabs: list[Any] = []
    for t in m.directory:
        if not tabs or t is not tabs[-1]:
            tabs.append(t)
    return tabs


def _slots(m: Any, t: Any) -> list[tuple[int, Any, int, Any]]:
    """``(entry index, key, ctrl, elem)`` of every slot of table ``t`` (None: the
    small group)."""
    out = []
    if t is None:
        g = m.small
        if g is None:
            return []
        for j in range(GROUP_SLOTS):
            out.append((j, g.keys[j], g.ctrl[j], g.elems[j]))
        return out
    for gi in range(t.length_mask + 1):
        ctrl, keys, elems, base = _group_slots(t, gi)
        for j in range(GROUP_SLOTS):
            out.append((gi * GROUP_SLOTS + j, keys[base + j], ctrl[base + j], elems[base + j]))
    return out


def _hashable(x: Any) -> Any:
    return json.dumps(x) if isinstance(x, list) else x


def _disallow(ok: bytearray, a: int, b: int) -> None:
    """Keep in ``ok`` (indexed by rotation start ``s``) only the starts for which
    position ``a`` comes before position ``b`` in the rotated order ``(p - s) mod n``."""
    n = len(ok)
    if a < b:
        ok[a + 1:b + 1] = bytes(b - a)
    else:
        ok[:b + 1] = bytes(b + 1)
        ok[a + 1:] = bytes(n - a - 1)


def _clone_order_filter(m: Any, rec: dict[str, Any],
                        enc: Callable[[Any], Any]) -> list[tuple[int, int]]:
    """The (dirOffset, entryOffset) pairs that may have produced the runtime's clone
    (Go 1.24 ``mapclone2``) of ``m``: those whose iteration order inserts, into every
    group of a clone table that never rehashed during the clone, its keys in slot
    order (a fresh table fills a group's slots in insertion order). Tables that grew
    or split during the clone give no constraint. A necessary condition only: the
    caller accepts a candidate only when the model's clone equals the runtime's."""
    tabs = _tables_in_order(m)
    where: dict[Any, tuple[int, int]] = {}  # key -> (table position, entry index)
    caps = []
    for p, t in enumerate(tabs):
        caps.append(GROUP_SLOTS if t is None else t.capacity)
        for idx, k, c, _ in _slots(m, t):
            if not c & CTRL_EMPTY:
                where[_hashable(enc(k))] = (p, idx)
    # The clone's initial geometry (NewMap with hint len(m)): a table still at it
    # never rehashed.
    made: Any = get_engine("swiss").new(m.used, backend="python", hasher=lambda k, sd: 0,
                                        rand=lambda: 0, key_kind=m.key_kind, go=m.go)
    hint_cap = made.directory[0].capacity if made.dir_len else 0
    hint_depth = made.global_depth
    fresh = {n for n, hdr in enumerate(rec["m"]["tables"])
             if hdr["capacity"] == hint_cap and hdr["local_depth"] == hint_depth}
    ok_e = [bytearray(b"\x01" * c) for c in caps]
    ok_d = bytearray(b"\x01" * len(tabs))
    for grp in rec["groups"]:
        if grp["t"] >= 0 and grp["t"] not in fresh:
            continue
        prev = None
        for k, c in zip(grp["keys"], grp["ctrl"], strict=True):
            if c & CTRL_EMPTY:
                continue
            cur = where.get(_hashable(k))
            if cur is None:
                return []  # a key the source does not hold: no order explains it
            if prev is not None:
                (pa, ia), (pb, ib) = prev, cur
                if pa == pb:
                    _disallow(ok_e[pa], ia, ib)
                else:
                    _disallow(ok_d, pa, pb)
            prev = cur
    max_cap = max(caps)
    es = [e for e in range(max_cap) if all(ok[e % len(ok)] for ok in ok_e)]
    ds = [0 if t is None else t.index for p, t in enumerate(tabs) if ok_d[p]]
    return [(d, e) for d in ds for e in es]


def _same_state(m: Any, rec: dict[str, Any], enc: Callable[[Any], Any]) -> bool:
    """Whether model map ``m`` equals a full record: header, tables, every group."""
    rm = rec["m"]
    if (m.used, m.seed, m.global_depth, m.dir_len) != (rm["used"], rm["seed"],
                                                     rm["global_depth"], rm["dir_len"]):
        return False
    tabs = [] if m.dir_len == 0 else _tables_in_order(m)
    if len(tabs) != len(rm["tables"]):
        return False
    for t, hdr in zip(tabs, rm["tables"], strict=True):
        if (t.used, t.capacity, t.growth_left, t.local_depth, t.index) != tuple(
                hdr[f] for f in TABLE_FIELDS):
            return False
    for grp in rec["groups"]:
        if grp["t"] < 0:
            if m.dir_len or m.small is None:
                return False
            g = m.small
            ctrl, keys, elems, base = g.ctrl, g.keys, g.elems, 0
        else:
            t = tabs[grp["t"]]
            if grp["g"] > t.length_mask:
                return False
            ctrl, keys, elems, base = _group_slots(t, grp["g"])
        for j in range(GROUP_SLOTS):
            c = ctrl[base + j]
            if c != grp["ctrl"][j]:
                return False
            if not c & CTRL_EMPTY and (enc(keys[base + j]) != grp["keys"][j]
                                       or elems[base + j] != grp["elems"][j]):
                return False
    return True


def _group_slots(tab: Any, g: int) -> tuple[Any, list[Any], list[Any], int]:
    """Group ``g`` of a table as ``(ctrl, keys, elems, base)``: the Python table's
    flat arrays, or one group copied out of a native table (whose ``ctrl`` /
    ``keys`` / ``elems`` copy the whole table)."""
    group = getattr(tab, "group_slots", None)
    if group is not None:
        ctrl, keys, elems = group(g)
        return ctrl, keys, elems, 0
    return tab.ctrl, tab.keys, tab.elems, g << 3


def replay_swiss(
    script: list[list[Any]],
    key_type: str = "int64",
    elem_type: str = "int64",
    *,
    full_every: int = 1000,
    dir_limit: int = 0,
    install_go: bool = False,
    go: str | GoBehaviour | None = None,
    model_go: str | GoBehaviour | None = None,
    backends: tuple[str, ...] | None = None,
) -> Result:
    """Run ``script`` on the real Go 1.27 runtime and on the Swiss model; compare every op.

    ``backends``: the model's backends to check, each against the same harness run
    (default: the Python reference and, where it is built, the native engine).

    ``full_every``: a full comparison every that many ops (0: only on table-set
    changes, clears, NaN writes and at the end). ``dir_limit``: records carry every
    table header while the directory has at most that many entries, else only the
    headers that changed (the default 0 keeps records small; full records always
    carry all of them).
    """
    t0 = time.perf_counter()
    script = with_final_dump(script)
    result = Result("swiss", key_type, elem_type)
    release = go_behaviour(go, "swiss")
    result.go = release.release
    # model_go: model another release than the harness runs (fault tests: a
    # release's rule must be needed, or the oracle could not tell the releases apart).
    model = release if model_go is None else go_behaviour(model_go, "swiss")
    chosen = backends or default_backends()
    # The native engine mirrors the pinned release only (EngineSpec.backend_for).
    native_ok = get_engine("swiss").backend_for(model, None) is None
    chosen = tuple(dict.fromkeys(b if native_ok else "python" for b in chosen))
    replays = [SwissReplay(key_type, elem_type, model, b) for b in chosen]
    replay = replays[0]
    records = run_harness(
        "swiss", encode_script(script, key_type),
        ["-key", key_type, "-elem", elem_type, "-full-every", str(full_every),
         "-dir-limit", str(dir_limit)],
        install_go=install_go, go=release,
    )
    lockstep(_Both(replays), script, records, result)  # type: ignore[arg-type]
    result.groups_compared = replay.groups_compared
    result.full_checks = replay.full_checks
    result.unknown_hashes = replay.unknown_hashes
    result.max_global_depth = replay.max_global_depth
    result.events = dict(sorted(replay.events.items()))
    if replay.nans.hashes:
        result.notes.append(f"{replay.nans.hashes} NaN hashes rebuilt from the runtime's placement"
                            f" ({replay.nans.rehash_inserts} NaN inserts that grew or split"
                            " their table)")
    if replay.clone_trials:
        result.notes.append(f"Go 1.24 clones: {replay.clone_candidates} iterator-draw candidates"
                            f" left by the order filter, {replay.clone_trials} model clones run")
    result.clone_candidates = replay.clone_candidates
    result.clone_trials = replay.clone_trials
    if result.ok:
        for r in replays:
            if r.m is not None:
                r.m.check_invariants()
            if r.events != replay.events and result.divergence is None:
                result.divergence = Divergence(
                    result.ops - 1, ["dump"], f"[{r.backend} backend] event counts",
                    r.events, replay.events)
    result.seconds = time.perf_counter() - t0
    return result
