"""``--with-runtime``: the same workload on a real Go map, beside the model, per step.

The workload runs through the oracle harness (``gomap.oracle``: the Go 1.23 bucket
map for classic, Go 1.27 for Swiss) and, in lock-step, through the oracle's model —
the model fed the runtime's own hashes and random draws, so that its state can be
compared with what ``unsafe`` reads out of the runtime after every op (header
fields and the bucket chains / groups the op touched; a full comparison every 1000
ops and at the end). :class:`RuntimeTracer` traces *that* model, so the page and the
trace show the state that was compared, with an ``equal`` mark per step — or the
first difference, where the run stops.

Supported: the oracle's key types ``int64``, ``string``, ``float64`` and values
``int64`` or ``[20]int64``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from gomap.engines import get_engine
from gomap.sim.ops import CLEAR, DEL, GET, MAKE, RANGE, SET, Op
from gomap.trace.tracer import COUNTERS, OpRecord, Tracer

KEYS = ("int64", "string", "float64")
VALUES = {"int64": "int64", "[20]int64": "bigelem"}


def runtime_supported(key_type: str, value_type: str) -> str | None:
    """None if the oracle harness can run this map type, else what to change."""
    if key_type not in KEYS:
        return (f"the runtime harness has keys {', '.join(KEYS)}; got --key {key_type} "
                f"(drop --with-runtime or change the key type)")
    if value_type not in VALUES:
        return (f"the runtime harness has values {', '.join(VALUES)}; got --value "
                f"{value_type} (drop --with-runtime or change the value type)")
    return None


def _script(ops: list[Op]) -> tuple[list[list[Any]], list[tuple[int, int]]]:
    """The harness script for ``ops`` and, per op, its slice of script lines (a
    ``range`` loop is ``iter`` + one ``next`` per entry + the ``next`` that ends)."""
    from gomap.classic.hmap import HMap

    counter = HMap(0)  # counts entries (hash-independent) to size the range loops
    script: list[list[Any]] = []
    spans: list[tuple[int, int]] = []
    it_id = 0
    for i, (code, arg) in enumerate(ops):
        start = len(script)
        if code == MAKE:
            script.append(["make", int(arg)])
        elif code == SET:
            script.append(["set", arg, i])
            counter.assign(arg, i)
        elif code == GET:
            script.append(["get", arg])
        elif code == DEL:
            script.append(["del", arg])
            counter.delete(arg)
        elif code == CLEAR:
            script.append(["clear"])
            counter.clear()
        elif code == RANGE:
            it_id += 1
            script.append(["iter", it_id])
            script.extend(["next", it_id] for _ in range(counter.count))
            script.append(["stop", it_id])
        spans.append((start, len(script)))
    return script, spans


class _Shim:
    """The oracle model behind the engine interface the tracer's probes use, with
    the heap accounted; each operation replays its script lines against the
    runtime's records."""

    def __init__(self, rt: RuntimeTracer, engine: Any) -> None:
        self.rt = rt
        self.impl = rt.impl
        spec = get_engine(rt.impl)
        self.acct: Any = spec.accountant(rt.layout)
        self._count = spec.count_attr
        self.engine = engine
        # The driver subscribed its own observer; the accountant and the tracer follow.
        engine.subscribe(self.acct.on_event)
        engine.subscribe(rt._on_event)
        self.acct.attach(engine)

    def _n(self) -> int:
        return int(getattr(self.engine, self._count))

    def assign(self, key: Any, elem: Any) -> None:
        n = self._n()
        self.rt._replay_pending()
        acct = self.acct
        if self._n() != n:
            acct.inserted()
        acct.settle()

    def delete(self, key: Any) -> None:
        n = self._n()
        self.rt._replay_pending()
        if self._n() != n:
            self.acct.deleted(key)

    def lookup(self, key: Any) -> tuple[bool, Any]:
        self.rt._replay_pending()
        return False, None

    def clear(self) -> None:
        n = self._n()
        self.rt._replay_pending()
        if self._n() != n:
            self.acct.cleared(n - self._n())

    def iterator(self) -> Any:
        self.rt._replay_pending()
        self.acct.settle()
        return _Done()

    def snapshot(self) -> dict[str, Any]:
        return dict(self.engine.snapshot())

    def check_invariants(self) -> None:
        self.engine.check_invariants()

    def memory(self) -> Any:
        return self.acct.stats()


class _Done:
    def next(self) -> None:
        return None


def classic_header(rec: dict[str, Any]) -> dict[str, int]:
    """The runtime's counters in a classic harness record, named as the tracer names
    them (:attr:`gomap.engines.EngineSpec.runtime_header_ref`)."""
    h = rec["h"]
    return {"count": h["count"], "B": h["B"], "noverflow": h["noverflow"],
            "nevacuate": h["nevacuate"], "growing": int(bool(h["growing"]))}


def swiss_header(rec: dict[str, Any]) -> dict[str, int]:
    """The runtime's counters in a Swiss harness record, named as the tracer names them."""
    m = rec["m"]
    out = {"count": m["used"], "dir_len": m["dir_len"], "global_depth": m["global_depth"]}
    tabs = m.get("tables")
    if tabs is not None and "dir" in m:
        out["tables"] = len(tabs)
        out["capacity"] = sum(t["capacity"] for t in tabs) if tabs else (8 if m.get("small")
                                                                           else 0)
        out["growth_left"] = sum(t["growth_left"] for t in tabs)
        out["tombstones"] = sum(t["capacity"] * 7 // 8 - t["used"] - t["growth_left"]
                                for t in tabs)
    return out


class RuntimeTracer(Tracer):
    """A :class:`Tracer` of the oracle's model, run in lock-step with the real runtime;
    each record carries ``runtime``: ``{"equal", "diff", "header"}``."""

    def __init__(self, impl: str, key_type: str = "int64", value_type: str = "int64",
                 *, full_every: int = 1000) -> None:
        problem = runtime_supported(key_type, value_type)
        if problem:
            raise ValueError(problem)
        super().__init__(impl, key_type, value_type)
        self.key_type = key_type
        self.elem = VALUES[value_type]
        self.full_every = full_every
        self.spec = get_engine(impl)
        self.replay: Any = self.spec.runtime_replay()(key_type, self.elem)
        self.hasher = self.replay.hasher
        self._pending: list[tuple[int, list[Any], dict[str, Any]]] = []
        self.divergence: Any = None
        self.final: Any = None
        self.compared = 0

    def _replay_pending(self) -> None:
        for idx, op, rec in self._pending:
            if self.divergence is not None:
                break
            d = self.replay.step(idx, op, rec)
            self.compared += 1
            if d is not None:
                self.divergence = d
        self._last_rec = self._pending[-1][2] if self._pending else None
        self._pending = []

    def _learn_hashes(self, chunk: list[tuple[int, list[Any], dict[str, Any]]]) -> None:
        """Teach the model the runtime's hash of the op's key before the tracer
        locates the key (the driver would learn it only while replaying)."""
        seed = self._model().seed
        for _, op, rec in chunk:
            if op[0] in ("set", "get", "del") and rec.get("hash") is not None:
                self.replay.hashes.setdefault((op[1], seed), rec["hash"])

    def _model(self) -> Any:
        """The replay's model engine."""
        return getattr(self.replay, self.spec.runtime_replay_engine)

    def run(self, ops: Iterable[Op], hint: int = 0) -> Iterator[OpRecord]:
        """Yield one record per op (stops after the first divergence)."""
        from gomap.oracle.common import encode_script
        from gomap.oracle.harness import run_harness

        oplist = list(ops)
        if not oplist or oplist[0][0] != MAKE:
            oplist.insert(0, (MAKE, hint))
        script, spans = _script(oplist)
        script.append(["dump"])
        args = ["-key", self.key_type, "-elem", self.elem, "-full-every", str(self.full_every)]
        args += self.spec.runtime_trace_args
        records = run_harness(self.impl, encode_script(script, self.key_type), args)
        try:
            recs = iter(records)
            rec0 = next(recs)
            d = self.replay.step(0, script[0], rec0)
            self.compared += 1
            self.divergence = d
            self.eng = _Shim(self, self._model())  # type: ignore[assignment]
            probe: Any = self.spec.tracer_probe()(self)
            self.probe = probe
            self.counters = probe.full_counters()
            probe.vals = tuple(self.counters[k] for k in COUNTERS[self.impl])
            rt = {"equal": d is None, "diff": None if d is None else str(d),
                  "header": self.spec.runtime_header(rec0)}
            yield OpRecord(0, "make", oplist[0][1], [], self.counters, dict(self.counters),
                           None, probe.make_viz(), rt)
            for i in range(1, len(oplist)):
                if self.divergence is not None:
                    return
                code, arg = oplist[i]
                a, b = spans[i]
                self._pending = [(j, script[j], next(recs)) for j in range(a, b)]
                self._learn_hashes(self._pending)
                last = self._pending[-1][2]
                rec = self._advance(probe, code, arg, i)
                dv = self.divergence
                yield rec._replace(runtime={"equal": dv is None,
                                            "diff": None if dv is None else str(dv),
                                            "header": self.spec.runtime_header(last)})
            # The closing full comparison of every bucket / group.
            dump = next(recs)
            d = self.replay.step(len(script) - 1, script[-1], dump)
            self.compared += 1
            self.final = d
            if d is None and self.eng is not None:
                self.eng.check_invariants()
        finally:
            close = getattr(records, "close", None)
            if close is not None:
                close()


def summary(rt: RuntimeTracer) -> str:
    """One line: what was compared with the runtime and how it ended."""
    from gomap.oracle.toolchain import GO_VERSIONS

    go = f"Go {GO_VERSIONS[rt.impl]}"
    if rt.divergence is not None:
        return f"{rt.impl}: the model and the {go} runtime differ — {rt.divergence}"
    if rt.final is not None:
        return f"{rt.impl}: the final full comparison with the {go} runtime differs — {rt.final}"
    return (f"{rt.impl}: equal to the {go} runtime at every step ({rt.compared:,} harness "
            f"records compared, the last one a full dump)")
