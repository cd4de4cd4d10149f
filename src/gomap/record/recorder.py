"""Probe events → per-map operation streams: identity, keys, callers, outputs.

**Map identity.** A heap map's header never moves (Go's collector does not move
objects), so its address names it, and a ``makemap``/``makemap_small`` result at that
address starts a new map there (an address the collector freed and reused). A map on
a goroutine's stack moves when the stack is copied (the stack grew, or shrank at a GC);
``copystack`` keeps every frame's distance from the stack's top (``stack.hi``), and a
stack map never leaves its goroutine, so it is named by ``(goroutine, stack.hi −
address)``, read at each call from ``g.stack`` (R14). A new stack map can take the
slot of an old one (a function returned, another made a map in the same frame slot)
without any call (small stack maps are made inline): it is told apart by its hash seed
(``hmap.hash0`` / ``Map.seed``), which ``make`` draws afresh; the seed also changes
when a map is cleared or a delete empties it, so a seed change after such an op is
the same map.

**Keys.** Fast variants pass the key in RCX; strings are fetched to their length;
generic keys to their size from the key's type descriptor. Keys the ops file spells as
literals (integers, floats, strings, bool) are decoded; every other key kind
(structs, arrays, pointers) is numbered by first appearance in its map, by its bytes
without padding — the ops file's "n-th distinct value".
"""

from __future__ import annotations

import json
import math
import operator
import struct
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gomap.record.gobin import GoBinary, GoType
from gomap.record.probes import ProbePlan
from gomap.record.tracefs import EventFormat
from gomap.sim.ops import go_quote

AUDIT_OPS = {"set": "assign", "del": "delete", "clear": "clear", "get": "access",
             "iter": "range", "make": "make"}
"""Audit op names (Go's words): what each ops-file op is called in an audit record."""
INT_FORMATS = {("int", 1): "<b", ("int", 2): "<h", ("int", 4): "<i", ("int", 8): "<q",
               ("uint", 1): "<B", ("uint", 2): "<H", ("uint", 4): "<I", ("uint", 8): "<Q"}


def _int_class(kind: str) -> str | None:
    if kind in ("int", "int8", "int16", "int32", "int64"):
        return "int"
    if kind in ("uint", "uint8", "uint16", "uint32", "uint64", "uintptr"):
        return "uint"
    return None


@dataclass
class MapTrace:
    """One map of the target, as recorded."""

    id: int
    addr: int
    loc: tuple[Any, ...]
    made: bool  # its make was recorded (else it existed before, or was made inline)
    hint: int | None
    maptype: int | None = None
    key_type: GoType | None = None
    elem_type: GoType | None = None
    initial_len: int | None = None  # len at its first recorded op, when its make was not seen
    ops: list[tuple[str, str | None]] = field(default_factory=list)  # (op, key literal)
    addrs: set[int] = field(default_factory=set)
    goroutines: set[int] = field(default_factory=set)
    callers: Counter[str] = field(default_factory=Counter)
    op_counts: Counter[str] = field(default_factory=Counter)
    approx_keys: int = 0  # keys whose identity is not exact (too long, interface)
    last_op: str = ""
    last_cnt: int = 0
    last_seed: int | None = None
    live: set[Any] = field(default_factory=set)
    distinct: dict[bytes, int] = field(default_factory=dict)

    def header(self, go_version: str, engine: str, lost: int, pid: int | None) -> list[str]:
        kt = self.key_type
        et = self.elem_type
        lines = [f"# gomap record: map {self.id} at {self.addr:#x}"
                 + (f" of pid {pid}" if pid else ""),
                 f"#@ go: {go_version}", f"#@ maps: {engine}"]
        if kt is not None:
            lines += [f"#@ key: {kt.expr}", f"#@ go-key: {kt.name}"]
        if et is not None:
            lines += [f"#@ value: {et.expr}", f"#@ go-value: {et.name}"]
        lines.append(f"#@ hint: {self.hint if self.hint is not None else 'unknown'}")
        lines.append(f"#@ events-lost: {lost}")
        if self.initial_len:
            lines.append(f"#@ initial-len: {self.initial_len}")
        if self.approx_keys:
            lines.append(f"#@ approximate-keys: {self.approx_keys}")
        lines.append(f"#@ ops: {len(self.ops)}")
        return lines


@dataclass
class Stats:
    events: int = 0
    reentries: int = 0
    nil_map_ops: int = 0
    lost: int = 0


class Recorder:
    """Turns decoded probe events into :class:`MapTrace` streams and audit records."""

    def __init__(self, binary: GoBinary, plan: ProbePlan, *, pid: int | None = None,
                 stacks: int = 4, auditor: Any = None, map_filter: str | None = None) -> None:
        self.b = binary
        self.plan = plan
        self.pid = pid
        self.stacks = stacks
        self.auditor = auditor
        self.maps: list[MapTrace] = []
        self.current: dict[tuple[Any, ...], MapTrace] = {}
        self.pending_make: dict[int, tuple[int, int]] = {}
        self.stats = Stats()
        self._stack_cache: dict[tuple[int, ...], list[dict[str, Any]]] = {}
        self._stack_fields: Any = operator.itemgetter(*(f"f{i}" for i in range(stacks))) \
            if stacks else None
        self._quoted: dict[bytes, str] = {}
        self.map_filter = map_filter

    # --- events ---------------------------------------------------------------------------
    def feed(self, ts: int, fmt: EventFormat, rec: bytes) -> None:
        d = fmt.decode(rec)
        self.stats.events += 1
        meta = fmt.probe.meta
        op = str(meta["op"])
        goid = d["goid"]
        if op == "reentry":
            self.stats.reentries += 1
            return
        if op == "make":
            self.pending_make[goid] = (d["t"], d["hint"])
            return
        if op == "made":
            r = d["r"]
            loc = self._loc(r, d)
            t, hint = (self.pending_make.pop(goid, (0, 0)) if meta["func"] == "runtime.makemap"
                       else (0, 0))
            mt = self._new(r, loc, made=True, hint=hint)
            if t:
                self._set_type(mt, t)
            return
        m = d["m"]
        if m == 0:
            self.stats.nil_map_ops += 1
            return
        loc = self._loc(m, d)
        cnt = d["cnt"]
        seed = d["seed"]
        old = self.current.get(loc)
        if old is not None and loc[0] == "stk" and old.last_seed is not None \
                and seed != old.last_seed and not (
                    old.last_op == "clear" or (old.last_op == "del" and old.last_cnt <= 1)):
            old = None  # a new map in an old map's stack slot
        if old is None:
            mt = self._new(m, loc, made=False, hint=None)
            mt.initial_len = cnt
        else:
            mt = old
        if mt.maptype is None:
            self._set_type(mt, d["t"])
        mt.addrs.add(m)
        mt.goroutines.add(goid)
        key, exact, raw = self._key(mt, meta, d)
        if not exact:
            mt.approx_keys += 1
        found = True
        if op == "set":
            mt.live.add(raw)
        elif op == "del":
            found = raw in mt.live or bool(mt.initial_len)
            mt.live.discard(raw)
        elif op == "clear":
            mt.live.clear()
        elif op == "get":
            found = raw in mt.live or bool(mt.initial_len)
        mt.ops.append((op, key))
        mt.op_counts[op] += 1
        mt.last_op, mt.last_cnt, mt.last_seed = op, cnt, seed
        frames = self._frames(d)
        if frames:
            mt.callers[frames[0]["function"]] += 1
        if self.auditor is not None:
            akey = raw if isinstance(raw, (int, float, str)) else key
            self.auditor.emit(AUDIT_OPS[op], akey, map=f"{mt.id}@{mt.addr:#x}", found=found,
                              source="ebpf", caller=[dict(f) for f in frames], pid=self.pid,
                              thread={"id": d["tid"], "name": f"goroutine {goid}"},
                              goroutine=goid, runtime=str(fmt.probe.meta["func"]),
                              go=self.b.info.go_version, mono=ts)

    def _loc(self, addr: int, d: dict[str, Any]) -> tuple[Any, ...]:
        slo, shi = d["slo"], d["shi"]
        if slo <= addr < shi:
            return ("stk", d["goid"], shi - addr)
        return ("heap", addr)

    def _new(self, addr: int, loc: tuple[Any, ...], *, made: bool, hint: int | None) -> MapTrace:
        mt = MapTrace(len(self.maps) + 1, addr, loc, made, hint)
        mt.addrs.add(addr)
        if made:
            mt.ops.append(("make", str(hint or 0)))
            mt.op_counts["make"] += 1
            mt.last_op = "make"
        self.maps.append(mt)
        self.current[loc] = mt
        return mt

    def _set_type(self, mt: MapTrace, t: int) -> None:
        if not t:
            return
        try:
            mt.key_type, mt.elem_type = self.b.map_types(t)
            mt.maptype = t
        except Exception:
            mt.maptype = t

    def _frames(self, d: dict[str, Any]) -> list[dict[str, Any]]:
        if not self.stacks:
            return []
        pcs = self._stack_fields(d)
        if self.stacks == 1:
            pcs = (pcs,)
        frames = self._stack_cache.get(pcs)
        if frames is None:
            frames = []
            for pc in pcs:
                if not pc:
                    break
                fn, file, line = self.b.symbolize(int(pc))
                frames.append({"function": fn, "file": file, "line": line})
            self._stack_cache[pcs] = frames
        return frames

    # --- keys -----------------------------------------------------------------------------
    def _key(self, mt: MapTrace, meta: dict[str, Any], d: dict[str, Any]
             ) -> tuple[str | None, bool, Any]:
        """(ops-file literal, exact?, identity) of the event's key."""
        kind = str(meta["key"])
        kt = mt.key_type
        if kind == "none":
            return None, True, None
        if kind in ("u32", "u64"):
            v = d["k"]
            size = 4 if kind == "u32" else 8
            return self._scalar(mt, kt, v.to_bytes(size, "little"))
        if kind == "str":
            kl = d["kl"]
            kb = bytes(d["kb"])
            exact = 0 <= kl <= len(kb)  # else: read to --key-bytes, counted approximate
            s = kb[:max(kl, 0)]
            text = s.decode("utf-8") if _utf8(s) else s.decode("latin-1")
            if not exact:  # read to --key-bytes: named by its prefix and its length
                text += f"\u2026[{kl} bytes]"
                s += f"\0{kl}".encode()
            lit = self._quoted.get(s)
            if lit is None:
                lit = self._quoted[s] = go_quote(text)
            return lit, exact, text
        # generic: the key's bytes, its size from the type descriptor
        ksz = d["ksz"]
        kb = bytes(d["kb"])
        return self._scalar(mt, kt, kb[:ksz], exact=ksz <= len(kb))

    def _scalar(self, mt: MapTrace, kt: GoType | None, raw: bytes, exact: bool = True
                ) -> tuple[str | None, bool, Any]:
        k = kt.kind if kt is not None else "int64"
        ic = _int_class(k)
        if ic is not None and kt is not None and (ic, kt.size) in INT_FORMATS:
            v = struct.unpack(INT_FORMATS[(ic, kt.size)], raw[:kt.size])[0]
            return str(v), exact, v
        if k in ("float32", "float64"):
            f = struct.unpack("<f" if k == "float32" else "<d", raw[:4 if k == "float32" else 8])[0]
            if math.isnan(f):
                return "NaN", exact, ("nan", len(mt.ops))  # every NaN is a new key
            return (repr(f) if math.isfinite(f) else ("+Inf" if f > 0 else "-Inf")), exact, f + 0.0
        if k == "bool":
            return ("true" if raw[0] else "false"), exact, bool(raw[0])
        if kt is not None and self.b.compares_through_pointers(kt):
            exact = False  # named by the pointers it holds, not what they point to
        canon = self.b.canonical(kt, raw) if kt is not None else raw
        n = mt.distinct.setdefault(canon, len(mt.distinct))
        return str(n), exact, canon

    # --- outputs --------------------------------------------------------------------------
    def selected(self) -> list[MapTrace]:
        """The maps --map selects (an address it ever had, or a function among its
        callers), all maps without it."""
        f = self.map_filter
        if not f:
            return self.maps
        try:
            a = int(f, 16) if f.lower().startswith("0x") else None
        except ValueError:
            a = None
        if a is not None:
            return [m for m in self.maps if a in m.addrs]
        return [m for m in self.maps if any(f in c for c in m.callers)]

    def write_ops(self, out: Path) -> list[Path]:
        """One ops file per map (header + ops) and ``index.json`` describing them."""
        out.mkdir(parents=True, exist_ok=True)
        engine = "swiss" if self.plan.swiss else "classic"
        paths = []
        index = []
        for mt in self.selected():
            p = out / f"map{mt.id:04d}_{mt.addr:x}.ops"
            lines = mt.header(self.b.info.go_version, engine, self.stats.lost, self.pid)
            body = [op if key is None else f"{op} {key}" for op, key in mt.ops]
            p.write_text("\n".join(lines + body) + "\n", encoding="utf-8")
            paths.append(p)
            index.append(self.describe(mt) | {"file": p.name})
        (out / "index.json").write_text(json.dumps(
            {"go": self.b.info.go_version, "maps": engine, "pid": self.pid,
             "events": self.stats.events, "events_lost": self.stats.lost,
             "reentries": self.stats.reentries, "recorded_maps": index}, indent=1) + "\n")
        return paths

    def describe(self, mt: MapTrace) -> dict[str, Any]:
        return {"id": mt.id, "addr": f"{mt.addr:#x}",
                "addrs": sorted(f"{a:#x}" for a in mt.addrs),
                "on_stack": mt.loc[0] == "stk", "made": mt.made, "hint": mt.hint,
                "key": mt.key_type.name if mt.key_type else None,
                "value": mt.elem_type.name if mt.elem_type else None,
                "ops": len(mt.ops), "op_counts": dict(mt.op_counts),
                "goroutines": sorted(mt.goroutines), "callers": dict(mt.callers.most_common()),
                "initial_len": mt.initial_len, "approximate_keys": mt.approx_keys,
                "len": len(mt.live) if not mt.initial_len else None}


def _utf8(b: bytes) -> bool:
    try:
        b.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False
