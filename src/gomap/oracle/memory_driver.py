"""The memory oracle: gomap's heap accounting against the real runtime's, byte for byte.

The Go programs ``go/memclassic`` (Go 1.23) and ``go/memswiss`` (Go 1.27) apply an
operation script to a real ``map[K]V`` and measure every operation with
``runtime.ReadMemStats``: the ``TotalAlloc`` and ``Mallocs`` deltas, and — after a
``runtime.GC()``, whenever the operation may have changed it — ``HeapAlloc`` less
the baseline taken just before ``make``. Nothing else allocates while they measure
(the script is parsed and every key built beforehand; the records are printed at
the end; GC runs only when asked; ``GOMAXPROCS=1``). With each record they print
the hash the runtime computed for the operation's key and the seed after it.

This driver replays the same script on an accounted engine
(:mod:`gomap.memory`) fed with those hashes and seeds, so the model takes the
runtime's very overflow buckets, growths and splits, and requires, operation by
operation, equal allocated bytes, equal allocation counts and equal live bytes
(plus a few header fields, to pin down where a difference comes from).
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from gomap.engines import engine_names, get_engine
from gomap.gokeys import IfaceKey
from gomap.layout.maplayout import map_layout
from gomap.layout.types import parse_go_type
from gomap.memory import AccountedEngine, accounted_engine
from gomap.ops import CLEAR, CLONE, DEL, GET, MAKE, RANGE, REBUILD, SET, Op, Replayer
from gomap.oracle.harness import run_harness_lines
from gomap.oracle.keys import float_bits, nan_bits
from gomap.oracle.nans import NAN_PLACES, ClassicNaNs, SwissNaNs
from gomap.sim.ops import FILE_OP_NAMES as OP_NAMES
from gomap.sim.ops import KeyDomain, go_quote
from gomap.sim.workloads import KeySource, parse_pattern
from gomap.versions import GoBehaviour, go_behaviour

PAIRS: tuple[tuple[str, str], ...] = (
    ("int64", "int64"),  # pointer-free, fast64
    ("int64", "struct{}"),  # a set: zero-size elem (Swiss pads the slot)
    ("string", "int64"),  # pointerful key, faststr
    ("int64", "string"),  # pointerful elem
    ("[17]int64", "int64"),  # indirect key (136 B > 128), pointer-free key object
    ("int64", "[20]int64"),  # indirect elem (160 B); generic assign path
    ("string", "[8]string"),  # big pointerful bucket/group: malloc header
    ("struct{a int32; b string}", "[3]int16"),  # generic key, padding
    ("[4]int64", "[16]int64"),  # big pointer-free bucket/group, generic key
)
"""The ``map[K]V`` types both memory harnesses are built for."""

KEY_KIND_PAIRS: tuple[tuple[str, str], ...] = (
    ("complex128", "int64"),  # complex(n, 0): two float64 hashes, needkeyupdate
    ("complex64", "int64"),  # complex(n, 0) of float32s: hashed as two float32s
    ("chan int64", "int64"),  # channel n (made before measuring): hashed by address
    ("any", "int64"),  # any(int(n)), boxed before measuring: only the data word scanned
    ("int64", "any"),  # interface elems: the GC's bitmap leaves out the type word
    ("*int64", "int64"),  # pointer n (made before measuring): hashed by address; fast64ptr
)
"""More key kinds the memory harnesses are built for (outside the matrix)."""

SHAPES: dict[str, str] = {
    "fill": "fill:n=3000",
    "drain": "drain:n=2000,keep=0.1",
    "churn": "churn:size=52,cycles=40",
    "growshrink": "growshrink:cycles=3,high=1500,low=100",
    "mix": "mix:n=3000,space=2000,set=0.55,get=0.1,del=0.3,iter=0.05,clear=0.001",
    "hinted": "hinted:n=1500",
}
"""The workload shapes of the memory matrix (docs/SIMULATE.md)."""


class MemoryOracleError(RuntimeError):
    """The replay could not follow the runtime (a missing hash, a record short), or
    the runtime kept allocating for itself during the measuring GCs."""


class _Noise(Exception):
    """The runtime allocated during a measuring GC: the live figures are unusable."""


@dataclass
class MemDivergence:
    """The first operation where model and runtime disagree."""

    workload: str
    op_index: int
    op: str
    field: str
    model: Any
    runtime: Any

    def __str__(self) -> str:
        return (f"memory divergence in {self.workload} at op #{self.op_index} ({self.op}): "
                f"{self.field}: model {self.model!r}, runtime {self.runtime!r}")


@dataclass
class MapTotals:
    """One map's figures, model and runtime (equal when the replay is exact)."""

    workload: str
    ops: int
    allocated_bytes: int
    runtime_allocated_bytes: int
    allocations: int
    runtime_allocations: int
    live_bytes: int
    runtime_live_bytes: int
    peak_live_bytes: int
    runtime_peak_live_bytes: int
    live_checks: int
    scan_bytes: int = 0
    """The GC's scan work for the map at the last live check (model)."""
    runtime_scan_bytes: int = 0
    """... and the runtime's ``/gc/scan/heap:bytes`` delta."""


@dataclass
class MemResult:
    impl: str
    key: str
    elem: str
    ops: int = 0
    go: str = ""
    live_checks: int = 0
    scan_checks: int = 0
    """Live checks that also compared the GC's scan work (``/gc/scan/heap:bytes``)."""
    unknown_hashes: int = 0
    seconds: float = 0.0
    maps: list[MapTotals] = field(default_factory=list)
    divergence: MemDivergence | None = None
    noise_bytes: int = 0
    """Bytes the runtime allocated for itself during the harness's GCs (not the map):
    a run with noise cannot be compared and is retried."""
    events: dict[str, int] = field(default_factory=dict)
    """What the replay went through (growths, splits, overflow lists, orphans, ...),
    so that tests can require each path to have been compared."""

    @property
    def ok(self) -> bool:
        return self.divergence is None


def _literal(key: Any) -> str:
    if isinstance(key, IfaceKey):
        return _iface_literal(key)
    if isinstance(key, str):
        return go_quote(key)
    if isinstance(key, complex):  # the harness's complex keys are complex(n, 0)
        return str(int(key.real))
    return str(int(key))


def _iface_literal(key: IfaceKey) -> str:
    """An interface key as the memory harnesses' typed literal (``i:N``, ``s:"..."``,
    ``f:<IEEE bits>``, ``t:N`` for ``structKey{N, "N"}``, ``p:N`` for pointer N)."""
    t, v = key.type, key.value
    if t == "int64":
        return f"i:{int(v)}"
    if t == "string":
        return "s:" + go_quote(v)
    if t == "float64":
        return f"f:{float_bits(v):016x}"
    if t == "struct" and isinstance(v, tuple) and len(v) == 2 and v[1] == str(v[0]):
        return f"t:{int(v[0])}"
    if t == "pointer":
        return f"p:{int(v)}"
    raise MemoryOracleError(f"the memory harnesses cannot build the interface key {key!r}: "
                            f"they take int64, string, float64, struct (n, \"n\") and pointer "
                            f"values")


def harness_env(release: GoBehaviour) -> dict[str, str]:
    """The memory harness's environment for ``release``.

    From Go 1.26 the Green Tea GC scans a dense span of small objects with AVX-512
    where the CPU has it (``scanSpan`` in runtime/mgcmark_greenteagc.go; VL, BW, DQ,
    BITALG, VBMI, GFNI) and then counts each marked object whole, ``elemsize``, as
    scan work; elsewhere (a sparse span, another CPU, Go ≤ 1.25) it counts the
    object's pointerful prefix, as ``scan_bytes`` does. Which spans are dense
    depends on every object in them, not on the map, so the oracle turns the
    vector path off (``GODEBUG=cpu.avx512vl=off``) and compares the per-object
    figure on every CPU.
    """
    if int(release.minor.split(".")[1]) < 26:
        return {}
    godebug = ",".join(filter(None, [os.environ.get("GODEBUG", ""), "cpu.avx512vl=off"]))
    return {"GODEBUG": godebug}


REPLACING = (CLONE, REBUILD)
"""The operations after which the harness's map is a new one (the old is dropped)."""


def live_keys_at_replace(ops: Sequence[Op]) -> dict[int, list[Any]]:
    """For each ``clone`` / ``rebuild`` of ``ops`` (by index), the keys in the map
    then, in insertion order: the harness reports their hashes under the new map's
    seed (a rebuild, and Go 1.24's Swiss clone, re-hash every key)."""
    live: dict[Any, None] = {}
    out: dict[int, list[Any]] = {}
    for i, (code, arg) in enumerate(ops):
        if code == SET:
            live[arg] = None
        elif code == DEL:
            live.pop(arg, None)
        elif code == CLEAR:
            live.clear()
        elif code in REPLACING:
            out[i] = list(live)
    return out


def encode(workloads: Sequence[tuple[str, Sequence[Op]]]) -> list[str]:
    """The harness script: one line per op, the maps one after another."""
    lines: list[str] = []
    for _, ops in workloads:
        listed = live_keys_at_replace(ops)
        for i, (code, arg) in enumerate(ops):
            if code == MAKE:
                lines.append(f"make {arg}")
            elif code in (SET, GET, DEL):
                lines.append(f"{OP_NAMES[code]} {_literal(arg)}")
            elif code in REPLACING:
                lines.append(" ".join([OP_NAMES[code], *map(_literal, listed[i])]))
            else:
                lines.append(OP_NAMES[code])
    return lines


class _Replay:
    def __init__(self, impl: str, key: str, elem: str, go: GoBehaviour) -> None:
        self.impl = impl
        self.go = go
        self.spec = get_engine(impl)
        self.layout = map_layout(key, elem)
        self.hashes: dict[tuple[Any, int], int] = {}
        self.seed = 0
        self.unknown = 0
        self.engine: AccountedEngine | None = None
        self.replayer = Replayer()
        # NaN keys: where the runtime put each (their runtime hashes are random)
        self.nans: ClassicNaNs | SwissNaNs = NAN_PLACES[self.spec.name]()

    def rand(self) -> int:
        return self.seed

    def hasher(self, key: Any, seed: int) -> int:
        if nan_bits(key) is not None:
            return self.nans.hash(key)
        try:
            return self.hashes[(key, seed)]
        except KeyError:
            self.unknown += 1
            return 0

    def model_seed(self) -> int:
        assert self.engine is not None
        return int(self.engine.engine.seed)

    def probes(self) -> dict[str, int]:
        assert self.engine is not None
        return self.spec.memory_probes(self.engine.engine)

    def learn_nans(self, i: int, code: int, arg: Any, rec: dict[str, Any],
                   events: dict[str, int]) -> None:
        """Before op #``i``: where the runtime has its NaN keys after the op, and the
        hash for the op's own NaN key."""
        flat = rec.get("nans") or []
        nans = self.nans
        nans.op = None
        if isinstance(nans, ClassicNaNs):
            nans.learn(zip(flat[0::3], flat[1::3], flat[2::3], strict=True))
        else:
            nans.learn(((b, t - 1, g, sl, c) for b, t, g, sl, c in
                        zip(flat[0::5], flat[1::5], flat[2::5], flat[3::5], flat[4::5],
                            strict=True)), i)
            tabs = rec.get("tables") or []
            nans.tables = [{"index": x, "capacity": c, "local_depth": d}
                           for x, c, d in zip(tabs[0::3], tabs[1::3], tabs[2::3], strict=True)]
            nans.global_depth = rec.get("globalDepth", 0)
        bits = nan_bits(arg) if code in (SET, DEL, GET) else None
        if bits is None:
            return
        assert self.engine is not None
        m = self.engine.engine
        if code == SET:
            events["NaN set"] = events.get("NaN set", 0) + 1
            if isinstance(nans, ClassicNaNs):
                nans.op = (arg, nans.set_hash(bits, i))
            else:
                nans.op = (arg, nans.set_hash(bits, m, rec.get("free") or (), i, events))
        elif code == DEL and isinstance(nans, ClassicNaNs) and m.oldbuckets is not None:
            events["NaN del during a growth"] = events.get("NaN del during a growth", 0) + 1
            nans.op = (arg, ClassicNaNs.del_hash(m, set(rec.get("evac") or ())))


def replay_memory(
    impl: str,
    key: str,
    elem: str,
    workloads: Sequence[tuple[str, Sequence[Op]]],
    *,
    live_every: int = 0,
    install_go: bool = False,
    go: str | GoBehaviour | None = None,
    model_go: str | GoBehaviour | None = None,
) -> MemResult:
    """Run each workload (``(name, ops)``, ops starting with ``(MAKE, hint)``) on the
    real runtime of Go ``go`` (default: the engine's pinned release) and on the
    accounted model of the same release; compare every operation."""
    lines = encode(workloads)
    release = go_behaviour(go, impl)
    noise = 0
    for _ in range(3):
        try:
            r = _replay_once(impl, key, elem, workloads, lines, live_every, install_go,
                             release, go_behaviour(model_go, impl) if model_go else release)
        except _Noise as e:
            noise += e.args[0]
            continue
        r.noise_bytes = noise
        return r
    raise MemoryOracleError(
        f"the Go runtime allocated {noise} bytes for itself during the measuring GCs in "
        f"three runs: the live-heap figures cannot be trusted on this machine"
    )


def _replay_once(impl: str, key: str, elem: str,
                 workloads: Sequence[tuple[str, Sequence[Op]]], lines: list[str],
                 live_every: int, install_go: bool, release: GoBehaviour,
                 model: GoBehaviour) -> MemResult:
    t0 = time.perf_counter()
    result = MemResult(impl, key, elem)
    result.go = release.release
    records = run_harness_lines(
        get_engine(impl).memory_harness, lines,
        ["-key", key, "-elem", elem, "-live-every", str(live_every)], install_go=install_go,
        go=release, env=harness_env(release),
    )
    rp = _Replay(impl, key, elem, model)
    n = 0
    try:
        for name, ops in workloads:
            totals = _replay_map(rp, name, ops, records, result)
            n += totals.ops
            result.maps.append(totals)
            if result.divergence is not None:
                break
    finally:
        close = getattr(records, "close", None)
        if close is not None:
            close()
    result.ops = n
    result.unknown_hashes = rp.unknown
    result.seconds = time.perf_counter() - t0
    return result


def _replay_map(rp: _Replay, name: str, ops: Sequence[Op], records: Any,
                result: MemResult) -> MapTotals:
    totals = MapTotals(name, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    prev_alloc = prev_mallocs = 0
    listed = live_keys_at_replace(ops)
    for i, (code, arg) in enumerate(ops):
        try:
            rec = next(records)
        except StopIteration:
            raise MemoryOracleError(f"{name}: the harness stopped before op #{i}") from None
        rp.seed = rec["seed"] & ((1 << rp.spec.seed_bits) - 1)
        if code == MAKE:
            if i:
                raise MemoryOracleError(f"{name}: make is only the first op")
            rp.hashes.clear()
            rp.engine = accounted_engine(rp.impl, arg, rp.layout, hasher=rp.hasher,
                                         rand=rp.rand, go=rp.go)
            rp.replayer = Replayer(engine=rp.engine)
            _count_events(rp.engine, result.events)
        elif code in REPLACING:
            old = rp.engine
            assert old is not None
            if any(nan_bits(k) is not None for k in listed[i]):
                raise MemoryOracleError(f"{name}: op #{i}: the memory oracle does not "
                                        f"replay {OP_NAMES[code]} of a map holding NaN keys")
            for k, hsh in zip(listed[i], rec.get("hashes") or (), strict=True):
                rp.hashes[(k, rp.seed)] = hsh
            before = old.acct.allocated, old.acct.allocations
            if code == REBUILD:
                # insert in the runtime's range order (it decides which chains get the
                # pre-allocated overflow buckets): its keys' hashes under the old seed
                old_seed = old.engine.seed
                by_hash = {hsh: k for (k, sd), hsh in rp.hashes.items() if sd == old_seed}
                try:
                    order = [by_hash[hsh] for hsh in rec["order"]]
                except KeyError:
                    raise MemoryOracleError(f"{name}: op #{i}: a key of the runtime's "
                                            f"range order is unknown") from None
                rp.replayer.engine = old.rebuild(order)
            else:
                rp.replayer.apply((code, arg))
            rp.engine = rp.replayer.engine
            # The op's allocations: the new map's, and the old map's during the copy
            # (a rebuild's range loop); the old map is dropped.
            prev_alloc = before[0] - old.acct.allocated
            prev_mallocs = before[1] - old.acct.allocations
            result.events[OP_NAMES[code]] = result.events.get(OP_NAMES[code], 0) + 1
            _count_events(rp.engine, result.events)
            rp.spec.adopt_runtime(rp.engine.engine, rec)
        else:
            e = rp.engine
            assert e is not None
            if rec["hash"] is not None:
                rp.hashes[(arg, rp.model_seed())] = rec["hash"]
            rp.learn_nans(i, code, arg, rec, result.events)
            rp.replayer.apply((code, arg), 0)
            rp.spec.adopt_runtime(e.engine, rec)
        e = rp.engine
        assert e is not None
        acct: Any = e.acct
        if getattr(acct, "orphans", 0):
            result.events["orphaned entries (ops)"] = result.events.get(
                "orphaned entries (ops)", 0) + 1
        totals.ops += 1
        checks: list[tuple[str, Any, Any]] = [
            ("allocated bytes", acct.allocated - prev_alloc, rec["alloc"]),
            ("allocations", acct.allocations - prev_mallocs, rec["mallocs"]),
        ]
        if rec["noise"]:
            result.noise_bytes += rec["noise"]
            raise _Noise(rec["noise"])
        if rec["live"] >= 0:
            totals.live_checks += 1
            result.live_checks += 1
            checks.append(("live bytes", acct.live, rec["live"]))
            if "scan" in rec:
                result.scan_checks += 1
                totals.scan_bytes, totals.runtime_scan_bytes = acct.scan_bytes(), rec["scan"]
                checks.append(("scan bytes", totals.scan_bytes, rec["scan"]))
            totals.runtime_peak_live_bytes = max(totals.runtime_peak_live_bytes, rec["live"])
            totals.peak_live_bytes = max(totals.peak_live_bytes, acct.live)
            totals.live_bytes, totals.runtime_live_bytes = acct.live, rec["live"]
        checks.extend((f"map.{k}", v, rec[k]) for k, v in rp.probes().items())
        totals.runtime_allocated_bytes += rec["alloc"]
        totals.runtime_allocations += rec["mallocs"]
        totals.allocated_bytes = acct.allocated
        totals.allocations = acct.allocations
        prev_alloc, prev_mallocs = acct.allocated, acct.allocations
        for fld, model, runtime in checks:
            if model != runtime:
                op = OP_NAMES[code] + ("" if arg is None else f" {arg!r}")
                result.divergence = MemDivergence(name, i, op, fld, model, runtime)
                return totals
    return totals


def _count_events(e: AccountedEngine, counts: dict[str, int]) -> None:
    def add(name: str, n: int = 1) -> None:
        if n:
            counts[name] = counts.get(name, 0) + n

    acct = e.acct
    unlinked = [acct.unlinked if hasattr(acct, "unlinked") else 0]

    def on_event(event: str, d: dict[str, Any]) -> None:
        # subscribed after the accountant, so it sees the event already accounted
        if event == "hashGrow":
            add("same-size grow" if d["same_size"] else "grow")
        elif event == "newoverflow":
            add("prealloc overflow" if d["prealloc"] else "heap overflow")
        elif event == "evacuate":
            add("unlinked overflow", acct.unlinked - unlinked[0])
            unlinked[0] = acct.unlinked
        elif event == "iterInit":
            add("range")
        elif event == "clear":
            add("clear")
        elif event in ("smallToTable", "tableGrow", "split", "directoryGrow"):
            add(event)
        elif event == "pruneTombstones":
            add("prune" if d["pruned"] else "prune (none)")

    e.subscribe(on_event)


def _shrink_ops(how: str, key: str, phase: str) -> list[Op]:
    """The ``clone`` / ``rebuild`` shapes: the op ``how`` (CLONE or REBUILD) of a map
    that is small (B = 0 / the small group), drained to 10%, hinted far above its
    size, in the middle of a growth (right after each doubling starts, where the
    classic clone re-inserts old buckets with mapassign, and after deletes during
    a growth, where it moves them with moveToBmap), and of a Swiss map with several
    tables; each copy is written to again and copied again."""
    code = CLONE if how == "clone" else REBUILD
    k = KeySource("random", KeyDomain(parse_go_type(key)), 7).key
    ops: list[Op] = []
    if phase == "small":
        ops = [(MAKE, 0), *((SET, k(i)) for i in range(6)), (DEL, k(1)), (code, None),
               (SET, k(9)), (code, None), (CLEAR, None), (code, None)]
    elif phase == "drained":
        ops = [(MAKE, 0), *((SET, k(i)) for i in range(3000)),
               *((DEL, k(i)) for i in range(3000) if i % 10)]
        ops += [(code, None), *((SET, k(i)) for i in range(3000, 3400)), (code, None)]
    elif phase == "hinted":
        ops = [(MAKE, 2000), *((SET, k(i)) for i in range(40)), (code, None),
               *((SET, k(i)) for i in range(40, 60)), (code, None)]
    elif phase == "growing":
        ops = [(MAKE, 0)]
        n = 0
        for target in (9, 14, 27, 53, 105, 209, 417, 833, 1665):
            while n < target:
                ops.append((SET, k(n)))
                n += 1
            ops.append((code, None))
        # deletes during a growth, then the copy (old buckets moved whole)
        for target in (3329,):
            while n < target:
                ops.append((SET, k(n)))
                n += 1
            ops.extend((DEL, k(j)) for j in range(0, 120))
            ops.append((code, None))
    return ops


SHRINK_SHAPES: dict[str, tuple[str, str]] = {
    f"{how}_{phase}": (how, phase)
    for how in ("clone", "rebuild") for phase in ("small", "drained", "hinted", "growing")
}
"""The shapes of the clone / rebuild matrix (``maps.Clone`` and the "rebuild"
advice against the runtime)."""


_NAN = 0x7FF8_0000_0000_0000  # a quiet NaN; each NaN key gets its own payload below


def iface_ops(seed: int, n: int = 2400, deletes: float = 0.12) -> list[Op]:
    """Interface keys of five dynamic types (int64, string, float64, struct and
    pointer values in turn) with NaN keys among them: a NaN set every 40 sets and at
    every size where a set grows the map (the classic load-factor boundaries, the
    Swiss small group, table growths and the first split), NaN lookups and deletes
    (during classic growths too: their random hash picks the old bucket that is
    evacuated), deletes of other keys, ranges, then a clear and a refill. Each NaN
    has its own payload, so the driver can tell them apart in the runtime's dumps."""
    from gomap.oracle.keys import bits_float

    rng = random.Random(seed)
    kinds = ("int64", "string", "float64", "struct", "pointer")

    def key(j: int) -> IfaceKey:
        t = kinds[j % 5]
        v: Any = {"int64": j, "string": f"k{j}", "float64": j + 0.25,
                  "struct": (j, str(j)), "pointer": j}[t]
        return IfaceKey(v, t)

    nan_count = 0
    nan_keys: list[IfaceKey] = []

    def nan() -> IfaceKey:
        nonlocal nan_count
        nan_count += 1
        k = IfaceKey(bits_float(_NAN | nan_count), "float64")
        nan_keys.append(k)
        return k

    classic_edges = {8, 13, 26, 52, 104, 208, 416, 832, 1664}
    swiss_edges = {8, 14, 28, 56, 112, 224, 448, 896}
    ops: list[Op] = [(MAKE, 0)]
    live: list[IfaceKey] = []
    size = 0  # entries in the map, NaNs included
    for j in range(n):
        if size in classic_edges or size in swiss_edges or j % 40 == 39:
            ops.append((SET, nan()))
            size += 1
        k = key(j)
        ops.append((SET, k))
        live.append(k)
        size += 1
        r = rng.random()
        if r < deletes and live:
            ops.append((DEL, live.pop(rng.randrange(len(live)))))
            size -= 1
        elif r < deletes + 0.08 and nan_keys:
            # another NaN with the bits of one in the map: not equal to it
            twin = IfaceKey(bits_float(float_bits(rng.choice(nan_keys).value)), "float64")
            ops.append((rng.choice((GET, DEL)), twin))
        elif r < deletes + 0.09:
            ops.append((RANGE, None))
    ops.append((CLEAR, None))
    for j in range(n, n + 60):
        if j % 3 == 0:
            ops.append((SET, nan()))
        ops.append((SET, key(j)))
    ops.append((DEL, IfaceKey(bits_float(float_bits(nan_keys[-1].value)), "float64")))
    return ops


IFACE_SHAPES: dict[str, tuple[int, float]] = {
    "iface_nan_1": (1, 0.12), "iface_nan_2": (2, 0.12),
    # no deletes: no tombstone moves the growths off the sizes where the NaN sets
    # land, so NaN sets grow the classic map, grow Swiss tables and split them
    "iface_nan_grow": (3, 0.0),
}
"""The interface-key shapes (``map[any]V`` only): seed, share of deletes."""


STRING_EDGES = ("", "\x00", "\x00\x00", "é", "日本語", "\U0001F600", " ", "x" * 4096,
                "x" * 4095 + "y", "z" * 65536, "z" * 65535 + "a")
"""String keys at their edges: empty, NULs, multi-byte UTF-8, 4 KiB and 64 KiB keys
that differ only in their last byte."""


def string_edge_ops() -> list[Op]:
    """``map[string]V`` with the keys of :data:`STRING_EDGES` set, looked up, deleted
    and set again through growths, ranges and clones, among random keys (the keys'
    bytes live in the harness's arena: only the map's allocations are measured)."""
    k = KeySource("random", KeyDomain(parse_go_type("string")), 11).key
    ops: list[Op] = [(MAKE, 0)]
    n = 0
    for _ in range(3):
        ops.extend((SET, e) for e in STRING_EDGES)
        for _ in range(200):
            ops.append((SET, k(n)))
            n += 1
        ops.extend((GET, e) for e in STRING_EDGES)
        ops += [(DEL, ""), (GET, ""), (DEL, "x" * 4096), (GET, "x" * 4095 + "y"),
                (RANGE, None), (CLONE, None)]
    return ops


def shape_ops(shape: str, key: str, elem: str) -> list[Op]:
    """The operations of one matrix shape for ``map[key]elem``."""
    if shape == "string_edges":
        if key != "string":
            raise MemoryOracleError(f"shape {shape!r} is for string keys, not {key}")
        return string_edge_ops()
    if shape in IFACE_SHAPES:
        if key != "any":
            raise MemoryOracleError(f"shape {shape!r} is for interface keys, not {key}")
        seed, deletes = IFACE_SHAPES[shape]
        return iface_ops(seed, deletes=deletes)
    if shape in SHRINK_SHAPES:
        how, phase = SHRINK_SHAPES[shape]
        return _shrink_ops(how, key, phase)
    w = parse_pattern(SHAPES[shape])
    return list(w.ops(KeyDomain(parse_go_type(key))))


def replay_matrix_pair(impl: str, key: str, elem: str, shapes: Iterable[str] = SHAPES,
                       **kw: Any) -> MemResult:
    """Every matrix shape for one type pair, in one harness run."""
    return replay_memory(impl, key, elem,
                         [(s, shape_ops(s, key, elem)) for s in shapes], **kw)


def main(argv: list[str] | None = None) -> int:
    """``python -m gomap.oracle.memory_driver [--impl classic|swiss|both]``: run the
    memory matrix and print it as a Markdown table (totals over the six shapes)."""
    import argparse

    ap = argparse.ArgumentParser(prog="python -m gomap.oracle.memory_driver")
    ap.add_argument("--impl", choices=[*engine_names(), "all"], default="all")
    args = ap.parse_args(argv)
    impls = engine_names() if args.impl == "all" else [args.impl]
    print("| engine | map type | ops | live checks | allocated bytes (model = runtime) "
          "| allocations | live bytes at the ends | peak live bytes | result |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---|")
    failed = False
    for impl in impls:
        for key, elem in PAIRS:
            r = replay_matrix_pair(impl, key, elem)
            ms = r.maps

            def pair(a: int, b: int) -> str:
                return f"{a:,}" if a == b else f"{a:,} ≠ {b:,}"

            alloc = pair(sum(m.allocated_bytes for m in ms),
                         sum(m.runtime_allocated_bytes for m in ms))
            count = pair(sum(m.allocations for m in ms), sum(m.runtime_allocations for m in ms))
            final = pair(sum(m.live_bytes for m in ms), sum(m.runtime_live_bytes for m in ms))
            peak = pair(max(m.peak_live_bytes for m in ms),
                        max(m.runtime_peak_live_bytes for m in ms))
            verdict = "exact" if r.ok else f"DIVERGED: {r.divergence}"
            failed |= not r.ok
            print(f"| {impl} | `map[{key}]{elem}` | {r.ops:,} | {r.live_checks:,} | {alloc} | "
                  f"{count} | {final} | {peak} | {verdict} |", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    import sys

    sys.exit(main())
