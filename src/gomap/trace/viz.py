"""``gomap viz``: one self-contained HTML page that steps through a workload.

The page (``page.html``, ``page.js``, ``page.css`` next to this module, inlined)
draws the map after every op from **delta-encoded steps**: Python keeps a shadow of
what the page shows and, after each op, sends only what changed — the cells of the
bucket chains the op touched (classic), or the slots of the groups on the op's probe
sequence and every table a rehash made (Swiss) — plus markers for the bulk changes
(``hashGrow``: the array becomes the old one; growth done; ``clear``). The page
applies steps forward and keeps an undo record per step to go back.

Format of the embedded data (``<script type="application/json">``, every ``<``,
``>``, ``&`` escaped as ``\\u003c`` … so that no key can end the script element;
keys are shown with ``textContent`` only)::

    {"v": 1, "workload", "key", "value", "ops": [[opcode, keyid], ...],
     "keys": ["42", "\\"user:1\\"", ...], "strings": [...], "counters": {impl: [names]},
     "engines": [{"impl", "go", "steps": [[touched, events, deltas, counters], ...],
                  "runtime": [...] or null}, ...]}

Step fields: ``touched`` 0 or classic ``[bucket, pos, cell, tophash]`` / Swiss
``[tid, group, slot, ctrl, [probe groups]]``; ``events`` 0 or
``[[name, title, detail, rule, go_func, go_file], ...]`` (indices into ``strings``,
the page's table of narration strings; -1 for none); ``deltas`` 0 or a list of
``["A", n]`` (allocate n buckets), ``["G", B]`` (hashGrow), ``["E"]`` (growth done),
``["C"]`` (clear), ``["c", arr, bucket, chainlen, [pos*8+cell, tophash, keyid, ...]]``
(classic chain cells; arr 0 new, 1 old), ``["T", tid, capacity, localDepth, ctrlhex,
[slot, keyid, ...]]`` (a whole Swiss table; tid -1 is the small group), ``["s", tid,
[slot, ctrl, keyid, ...]]`` (Swiss slots), ``["D", [tid, ...]]`` (the directory);
``counters`` 0 or ``[counter index, value, ...]`` for the counters that changed.
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Callable, Iterator
from importlib import resources
from typing import Any

from gomap.engines import get_engine
from gomap.sim.ops import OP_NAMES, Op, go_quote
from gomap.trace.narration import GO_VERSION, event_kinds
from gomap.trace.tracer import COUNTERS, OpRecord, Tracer

SCHEMA_VERSION = 1


def key_text(k: Any) -> str:
    """A key as Go would print it in source: ``42``, ``"abc"``, ``1.5``, ``NaN``."""
    if isinstance(k, bool):
        return "true" if k else "false"
    if isinstance(k, str):
        return go_quote(k)
    if isinstance(k, float):
        if math.isnan(k):
            return "NaN"
        if math.isinf(k):
            return "+Inf" if k > 0 else "-Inf"
        return repr(k)
    return str(k)


class KeyTable:
    """Keys → small ids, shared by the engines of one page."""

    def __init__(self) -> None:
        self.ids: dict[Any, int] = {}
        self.texts: list[str] = []
        self.string_ids: dict[str, int] = {}
        self.strings: list[str] = []

    def string(self, s: str | None) -> int:
        """The id of a narration string in the page's string table (-1: none); each
        distinct string is sent once."""
        if s is None:
            return -1
        i = self.string_ids.get(s)
        if i is None:
            i = self.string_ids[s] = len(self.strings)
            self.strings.append(s)
        return i

    def id(self, k: Any) -> int:
        """The id of ``k`` (a new one the first time it is seen)."""
        i = self.ids.get(k)
        if i is None:
            i = self.ids[k] = len(self.texts)
            self.texts.append(key_text(k))
        return i


class _ClassicShadow:
    """What the page shows of a classic map; turns an op's record into its deltas."""

    def __init__(self, h: Any, keys: KeyTable) -> None:
        self.h = h
        self.keys = keys
        self.new: list[list[tuple[list[int], list[int]]]] | None = None
        self.old: list[list[tuple[list[int], list[int]]]] | None = None

    @staticmethod
    def _fresh(n: int) -> list[list[tuple[list[int], list[int]]]]:
        return [[([0] * 8, [-1] * 8)] for _ in range(n)]

    def _read(self, bk: Any) -> list[tuple[list[int], list[int]]]:
        out = []
        kid = self.keys.id
        while bk is not None:
            th = list(bk.tophash)
            out.append((th, [kid(bk.keys[c]) if th[c] >= 5 else -1 for c in range(8)]))
            bk = bk.overflow
        return out

    def deltas(self, rec: OpRecord) -> list[Any]:
        h, viz = self.h, rec.viz
        out: list[Any] = []
        if viz.get("clear"):
            out.append(["C"])
            assert self.new is not None
            self.new = self._fresh(len(self.new))
            self.old = None
        if viz.get("grow"):
            out.append(["G", viz["grow"][0]])
            self.old = self.new
            self.new = self._fresh(1 << h.B)
        if self.new is None and h.buckets is not None:
            out.append(["A", 1 << h.B])
            self.new = self._fresh(1 << h.B)
        seen = set()
        for arr, b in viz.get("chains", ()):
            if (arr, b) in seen:
                continue
            seen.add((arr, b))
            if arr == "new":
                src, shadow, code = h.buckets, self.new, 0
            else:
                src, shadow, code = h.oldbuckets, self.old, 1
            if src is None or shadow is None:
                continue
            now = self._read(src[b])
            was = shadow[b]
            cells: list[int] = []
            for pos in range(len(now)):
                th, kd = now[pos]
                oth, okd = was[pos] if pos < len(was) else ([0] * 8, [-1] * 8)
                for c in range(8):
                    if th[c] != oth[c] or kd[c] != okd[c]:
                        cells += (pos * 8 + c, th[c], kd[c])
            if cells or len(now) != len(was):
                out.append(["c", code, b, len(now), cells])
                shadow[b] = now
        if viz.get("done"):
            out.append(["E"])
            self.old = None
        return out

    def touched(self, rec: OpRecord) -> Any:
        t = rec.touched
        if not t or t.get("cell") is None:
            return [t["bucket"], -1, -1, t["tophash"]] if t else 0
        return [t["bucket"], t["pos"], t["cell"], t["tophash"]]


class _SwissShadow:
    """What the page shows of a Swiss map; turns an op's record into its deltas."""

    def __init__(self, m: Any, keys: KeyTable) -> None:
        self.m = m
        self.keys = keys
        self.tids: dict[int, tuple[int, Any]] = {}  # id(table) -> (tid, table), kept alive
        self.shown: dict[int, tuple[bytearray, list[int]]] = {}  # tid -> (ctrl, keyids)
        self.dir: list[int] = []
        self.small: tuple[bytearray, list[int]] | None = None

    def tid(self, t: Any) -> int:
        e = self.tids.get(id(t))
        if e is None:
            e = self.tids[id(t)] = (len(self.tids), t)
        return e[0]

    def _kids(self, ctrl: bytes | bytearray, keys: list[Any], base: int, n: int) -> list[int]:
        kid = self.keys.id
        return [kid(keys[base + j]) if not ctrl[base + j] & 0x80 else -1 for j in range(n)]

    def _full(self, t: Any) -> list[Any]:
        tid = self.tid(t)
        kids = self._kids(t.ctrl, t.keys, 0, t.capacity)
        self.shown[tid] = (bytearray(t.ctrl), kids)
        flat: list[int] = []
        for s, k in enumerate(kids):
            if k >= 0:
                flat += (s, k)
        return ["T", tid, t.capacity, t.local_depth, t.ctrl.hex(), flat]

    def _slots(self, t: Any, groups: list[int]) -> list[Any] | None:
        tid = self.tid(t)
        ctrl, kids = self.shown[tid]
        flat: list[int] = []
        kid = self.keys.id
        for g in groups:
            for s in range(g * 8, g * 8 + 8):
                c = t.ctrl[s]
                k = kid(t.keys[s]) if not c & 0x80 else -1
                if c != ctrl[s] or k != kids[s]:
                    flat += (s, c, k)
                    ctrl[s] = c
                    kids[s] = k
        return ["s", tid, flat] if flat else None

    def _small(self) -> list[Any] | None:
        g = self.m.small
        if self.m.dir_len or g is None:
            return None
        kids = self._kids(g.ctrl, g.keys, 0, 8)
        if self.small is None:
            self.small = (bytearray(g.ctrl), kids)
            flat: list[int] = []
            for s, k in enumerate(kids):
                if k >= 0:
                    flat += (s, k)
            return ["T", -1, 8, 0, g.ctrl.hex(), flat]
        ctrl, was = self.small
        out: list[int] = []
        for s in range(8):
            if g.ctrl[s] != ctrl[s] or kids[s] != was[s]:
                out += (s, g.ctrl[s], kids[s])
        self.small = (bytearray(g.ctrl), kids)
        return ["s", -1, out] if out else None

    def deltas(self, rec: OpRecord) -> list[Any]:
        m, viz = self.m, rec.viz
        out: list[Any] = []
        d = self._small()
        if d:
            out.append(d)
        full = viz.get("structural") or viz.get("pruned")
        tabs = viz.get("tables") or []
        for t in tabs:
            tid = self.tid(t)
            if full or tid not in self.shown:
                out.append(self._full(t))
            elif viz.get("groups"):
                d = self._slots(t, viz["groups"])
                if d:
                    out.append(d)
        if full or rec.i == 0:
            tids = [self.tid(t) for t in m.directory]
            if tids != self.dir:
                self.dir = tids
                out.append(["D", tids])
        return out

    def touched(self, rec: OpRecord) -> Any:
        t = rec.touched
        if not t:
            return 0
        if t["table"] == -1:
            tid = -1
        else:
            tid = self.tid(self.m.directory[t["table"]])
        return [tid, -1 if t["group"] is None else t["group"],
                -1 if t["slot"] is None else t["slot"], t["ctrl"], t["probe"]]


def record_steps(impl: str, key_type: str, value_type: str, ops: Iterator[Op], keys: KeyTable,
                 seed: int = 1, check: Callable[[Any], None] | None = None,
                 tracer: Tracer | None = None) -> tuple[list[Any], list[Op], Tracer]:
    """The page's steps for one engine (and the ops as replayed). ``check(tracer)``,
    if given, runs after every op (tests: snapshots, invariants). ``tracer``: a
    :class:`~gomap.trace.runtime.RuntimeTracer` adds the runtime's verdict and
    counters to each step (a fifth field)."""
    tr = tracer if tracer is not None else Tracer(impl, key_type, value_type, seed=seed)
    last_hdr: dict[str, Any] = {}
    steps: list[Any] = []
    replayed: list[Op] = []
    names = COUNTERS[impl]
    shadow: _ClassicShadow | _SwissShadow | None = None
    for rec in tr.run(ops):
        if shadow is None:
            assert tr.eng is not None
            eng: Any = tr.eng.engine
            shadow = get_engine(impl).viz_shadow()(eng, keys)
        deltas = shadow.deltas(rec)
        sid = keys.string
        evs = [[sid(e.event), sid(e.narration.get("title")), sid(e.narration.get("detail")),
                sid(e.narration.get("rule")), sid((e.narration.get("go") or {}).get("func")),
                sid((e.narration.get("go") or {}).get("file"))] for e in rec.events]
        ctr: list[Any] = []
        for k in rec.delta:
            v = rec.counters[k]
            ctr += (names.index(k), int(v))
        step = [shadow.touched(rec), evs or 0, deltas or 0, ctr or 0]
        if rec.runtime is not None:
            hdr = rec.runtime["header"]
            changed = {k: v for k, v in hdr.items() if last_hdr.get(k) != v}
            last_hdr = dict(hdr)
            step.append([1 if rec.runtime["equal"] else rec.runtime["diff"], changed or 0])
        steps.append(step)
        replayed.append((OP_NAMES.index(rec.op), rec.key))
        if check is not None:
            check(tr)
    return steps, replayed, tr


def _asset(name: str) -> str:
    return resources.files("gomap.trace").joinpath(name).read_text(encoding="utf-8")


def embed_json(data: Any) -> str:
    """JSON safe inside ``<script type="application/json">``: ``<``, ``>``, ``&``
    and the JavaScript line separators are escaped, so no string can close the
    element or open a comment."""
    s = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return (s.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def build_page(impls: list[str], key_type: str, value_type: str, factory: Callable[[], Any],
               workload: str, *, seed: int = 1, with_runtime: bool = False
               ) -> tuple[str, dict[str, Any]]:
    """The page's HTML and ``{"ops", "bytes_per_op", "notes"}``."""
    keys = KeyTable()
    engines: list[dict[str, Any]] = []
    ops_out: list[list[int]] = []
    notes: list[str] = []
    for impl in impls:
        rtr = None
        if with_runtime:
            from gomap.trace.runtime import RuntimeTracer, summary

            rtr = RuntimeTracer(impl, key_type, value_type)
        steps, replayed, tr = record_steps(impl, key_type, value_type, factory(), keys,
                                           seed=seed, tracer=rtr)
        runtime = None
        if rtr is not None:
            notes.append(summary(rtr))
            runtime = True
            if rtr.final is not None and steps:
                steps[-1][4][0] = f"final full comparison: {rtr.final}"
        if not ops_out or len(replayed) < len(ops_out):
            ops_out = [[code, keys.id(k) if code in (1, 2, 3) else
                        (k if isinstance(k, int) else -1)] for code, k in replayed]
        engines.append({"impl": impl, "go": GO_VERSION[impl], "steps": steps,
                        "kinds": event_kinds(impl), "runtime": runtime,
                        "final": tr.counters and {k: int(v) for k, v in tr.counters.items()}})
    n_steps = len(ops_out)
    for e in engines:  # a run that stopped at a divergence ends the page there
        del e["steps"][n_steps:]
    data = {"v": SCHEMA_VERSION, "workload": workload, "key": key_type, "value": value_type,
            "ops": ops_out, "keys": keys.texts, "strings": keys.strings,
            "op_names": list(OP_NAMES),
            "counters": {i: list(COUNTERS[i]) for i in impls}, "engines": engines}
    title = html.escape(f"gomap viz: map[{key_type}]{value_type}")
    page = _asset("page.html").replace("{{TITLE}}", title)
    page = page.replace("/*CSS*/", _asset("page.css")).replace("/*JS*/", _asset("page.js"))
    page = page.replace("{{DATA}}", embed_json(data))  # last: data is never scanned again
    n = max(1, len(ops_out) - 1)
    return page, {"ops": len(ops_out) - 1, "bytes_per_op": len(page.encode()) / n,
                  "notes": notes}
