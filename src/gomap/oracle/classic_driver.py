"""Replaying a script on the classic model with the real Go 1.23 runtime's hashes and
random draws, and comparing the state after every operation.

The harness (``go/classic``) applies the script to a real ``map[K]V`` and prints, per
operation, the hmap counters, the hash the runtime computed for the operation's key,
what a read or an iterator step produced, and the bucket chains the operation may
have changed (all of them at checkpoints). The driver runs the same operation on
:class:`gomap.classic.HMap` with

* ``hasher``: the runtime's hash for each (key, hash0), learnt from the records;
  NaN keys, whose runtime hash is random, get a hash rebuilt from where the runtime
  put them (bucket index in the low bits, tophash in the top byte);
* ``rand``: the runtime's draws, rebuilt from the records (the new ``hash0``, the
  iterator's start bucket and offset). For ``B >= 16``, where ``incrnoverflow``
  counts at random, the model's draws never count and the driver adopts the
  runtime's ``noverflow`` after each operation (allowed by design: the count only
  feeds ``tooManyOverflowBuckets``).

and stops at the first difference with a readable report.
"""

from __future__ import annotations

import time
from collections import deque
from typing import Any

from gomap.classic import BucketLayout
from gomap.classic.debug import chain as model_chain
from gomap.classic.hmap import evacuated
from gomap.engines import get_engine
from gomap.hashing import M64
from gomap.ops import Replayer, from_script
from gomap.oracle.common import (
    Divergence,
    OracleError,
    Result,
    encode_script,
    lockstep,
    with_final_dump,
)
from gomap.oracle.harness import run_harness
from gomap.oracle.keys import decode_key, encode_key, json_nan_bits, nan_bits
from gomap.oracle.nans import ClassicNaNs
from gomap.versions import GoBehaviour, go_behaviour

# map[K]V bucket layouts on amd64 (size, pointers): 8 tophash bytes, 8 keys, 8 elems,
# one overflow pointer; keys/elems over 128 bytes are stored as pointers.
KEY_SLOT = {  # key type -> (slot size, has pointers)
    "int64": (8, False),
    "string": (16, True),
    "float64": (8, False),
    "struct": (24, True),
    "array": (6, False),
    "bigkey": (8, True),  # indirect: a pointer
    "complex64": (8, False),
    "any": (16, True),
    "chan": (8, True),
    "complex128": (16, False),
    "pointer": (8, True),
}
ELEM_SLOT = {"int64": (8, False), "bigelem": (8, True)}


def classic_layout(key_type: str, elem_type: str) -> BucketLayout:
    ks, kp = KEY_SLOT[key_type]
    es, ep = ELEM_SLOT[elem_type]
    size = 8 + 8 * ks
    size = (size + 7) & ~7  # elems of an 8-aligned type
    size += 8 * es + 8
    return BucketLayout(
        bucket_size=size,
        pointers=kp or ep,
        indirect_key=key_type == "bigkey",
        indirect_elem=elem_type == "bigelem",
        # needkeyupdate: floats and strings (bigkey is [17]int64: no)
        need_key_update=key_type in ("string", "float64", "struct", "complex64",
                                     "complex128", "any"),
    )


def _diff_chain(model: list[dict[str, Any]], runtime: list[dict[str, Any]]) -> str | None:
    if len(model) != len(runtime):
        return f"chain length {len(model)} vs {len(runtime)}"
    for pos, (mb, rb) in enumerate(zip(model, runtime, strict=True)):
        for fld in ("tophash", "keys", "elems"):
            if mb[fld] != rb[fld]:
                for slot, (a, b) in enumerate(zip(mb[fld], rb[fld], strict=True)):
                    if a != b:
                        return f"bucket {pos} of the chain, slot {slot}, {fld}: {a!r} vs {b!r}"
    return None


_OP_KINDS = frozenset(("set", "get", "del", "clear", "iter", "next", "stop", "dump",
                       "clone"))


class ClassicReplay:
    """Runs one script through the model in lock-step with the runtime's records."""

    def __init__(self, key_type: str, elem_type: str,
                 go: str | GoBehaviour | None = None, backend: str = "python") -> None:
        self.go = go_behaviour(go, "classic")
        self.key_type = key_type
        self.elem_type = elem_type
        self.backend = backend
        self.spec = get_engine("classic")
        self.hashes: dict[tuple[Any, int], int] = {}
        self.draws: deque[int] = deque()
        self.nans = ClassicNaNs()  # where the runtime put each NaN key
        self.record: dict[str, Any] = {}
        self.h: Any = None  # gomap.classic.HMap or its native twin
        self.replayer = Replayer()
        self.events: dict[str, int] = {}

    # --- the hooks ------------------------------------------------------------------------
    def rand(self) -> int:
        if self.draws:
            return self.draws.popleft()
        return M64  # incrnoverflow at B >= 16: never counts (noverflow is adopted)

    def hasher(self, key: Any, seed: int) -> int:
        if nan_bits(key) is not None:
            return self.nans.hash(key)
        try:
            return self.hashes[(key, seed)]
        except KeyError:
            # Never an operation's key under this seed, so not in the map: this can
            # only be an iterator looking up a key from before the map re-seeded
            # (it emptied). Any hash finds nothing; a wrong guess anywhere else would
            # show up as a state divergence.
            self.unknown_hashes += 1
            return 0

    # --- one record -----------------------------------------------------------------------
    def _learn_nans(self, rec: dict[str, Any]) -> None:
        places = []
        for ch in rec.get("chains") or ():
            if ch["arr"] != "new":
                continue
            for b in ch["chain"]:
                for key, top in zip(b["keys"], b["tophash"], strict=True):
                    if key is not None and top >= 5:
                        bits = json_nan_bits(self.key_type, key)
                        if bits is not None:
                            places.append((bits, ch["b"], top))
        self.nans.learn(places)

    def _nan_op_hash(self, op: list[Any], rec: dict[str, Any]) -> int | None:
        """The hash to give the model for a NaN key of a set/del/get."""
        h = self.h
        assert h is not None
        if op[0] == "set":
            return self.nans.set_hash(nan_bits(op[1]) or -1, rec["i"])
        if op[0] == "del" and h.oldbuckets is not None:
            # The runtime evacuated the old bucket its random hash chose: find it.
            was = [i for i in range(h.noldbuckets()) if not evacuated(h.oldbuckets[i])]
            now_evac = set()
            for ch in rec.get("chains") or ():
                if ch["arr"] == "old" and 2 <= ch["chain"][0]["tophash"][0] <= 4:
                    now_evac.add(ch["b"])
            newly = {i for i in was if i in now_evac}
            if rec["h"]["growing"]:
                return ClassicNaNs.del_hash(h, newly)
            # The growth ended with this delete: the old chains are gone from the
            # record. Evacuating nevacuate first then reaches the rest.
            return h.nevacuate
        return 0

    def step(self, i: int, op: list[Any], rec: dict[str, Any]) -> Divergence | None:
        if rec.get("i") != i:
            raise OracleError(f"record {rec.get('i')} where op #{i} was expected")
        self.record = rec
        kind = op[0]
        hdr = rec["h"]
        if self.key_type in ("float64", "any"):
            self._learn_nans(rec)
        self.nans.op = None
        if kind == "make":
            self.draws.append(hdr["hash0"])
            self.h = self.spec.new(
                op[1],
                backend=self.backend,
                hasher=self.hasher,
                rand=self.rand,
                observer=self._observe,
                layout=classic_layout(self.key_type, self.elem_type),
                go=self.go,
            )
            self.replayer = Replayer(engine=self.h)
            return self._compare(i, op, rec)
        h = self.h
        assert h is not None
        if kind in ("set", "get", "del"):
            key = op[1]
            if rec.get("hash") is not None:
                self.hashes[(key, h.hash0)] = rec["hash"]
            elif nan_bits(key) is not None:
                self.nans.op = (key, self._nan_op_hash(op, rec) or 0)
        count_before = h.count
        # What the runtime drew for this operation, queued for the model's rand().
        if (kind == "del" and hdr["hash0"] != h.hash0) or (kind == "clear" and count_before):
            self.draws.append(hdr["hash0"])
        elif kind == "iter" and h.count:
            self.draws.append(rec["start_bucket"] | (rec["offset"] << h.B))
        elif kind == "clone":
            # mapclone2's makemap draws a seed that the source's then replaces: the
            # value is not observable, and does not matter.
            self.draws.append(0)
        elif kind not in _OP_KINDS:
            raise OracleError(f"unknown op {op!r}")
        result = self.replayer.apply(from_script(op))
        if kind == "clone":  # m = maps.Clone(m): compared from now on
            self.h = h = self.replayer.engine
        if kind == "get":
            ok, v = result
            if ok != rec["found"] or (ok and v != rec["elem"]):
                return Divergence(i, op, "lookup result", (ok, v), (rec["found"], rec["elem"]))
        elif kind in ("iter", "next"):
            d = self._compare_iter_step(i, op, rec, result)
            if d:
                return d
            it: Any = self.replayer.iters[op[1]]
            start = (it.start_bucket, it.offset)
            if kind == "iter" and h.count and start != (rec["start_bucket"], rec["offset"]):
                return Divergence(i, op, "iterator start (bucket, offset)", start,
                                  (rec["start_bucket"], rec["offset"]))
        if self.draws:
            left = list(self.draws)
            self.draws.clear()
            return Divergence(i, op, "random draws", "model drew fewer than the runtime",
                              f"unused draws {left}")
        return self._compare(i, op, rec)

    def _compare_iter_step(
        self, i: int, op: list[Any], rec: dict[str, Any], kv: Any
    ) -> Divergence | None:
        if rec.get("end"):
            if kv is not None:
                return Divergence(i, op, "iteration", kv, "end")
            return None
        want = (decode_key(self.key_type, rec["key"]), rec["elem"])
        if kv is None:
            return Divergence(i, op, "iteration", "end", want)
        got = (encode_key(self.key_type, kv[0]), kv[1])
        if got != (rec["key"], rec["elem"]):
            return Divergence(i, op, "iteration", kv, want)
        return None

    def _compare(self, i: int, op: list[Any], rec: dict[str, Any]) -> Divergence | None:
        h = self.h
        assert h is not None
        hdr = rec["h"]
        if h.B >= 16 and h.noverflow != hdr["noverflow"]:
            h.noverflow = hdr["noverflow"]
            self.adopted += 1
        model_hdr = {
            "count": h.count,
            "flags": h.flags,
            "B": h.B,
            "noverflow": h.noverflow,
            "hash0": h.hash0,
            "nevacuate": h.nevacuate,
            "growing": h.oldbuckets is not None,
            "clear_seq": getattr(h, "clear_seq", 0),  # Go 1.24+ records carry it
        }
        for name, want in hdr.items():
            if name in model_hdr and model_hdr[name] != want:
                return Divergence(i, op, f"hmap.{name}", model_hdr[name], want)
        if rec.get("full"):
            self.full_checks += 1
            if (rec.get("buckets") is None) != (h.buckets is None) and "buckets" in rec:
                return Divergence(i, op, "buckets allocated", h.buckets is not None,
                                  rec.get("buckets") is not None)
        for ch in rec.get("chains") or ():
            self.chains += 1
            mine = self._encode_chain(model_chain(h, ch["arr"], ch["b"]))
            problem = _diff_chain(mine, ch["chain"])
            if problem:
                return Divergence(i, op, "bucket chain", mine, ch["chain"],
                                  where=f"{ch['arr']}buckets[{ch['b']}]: {problem}")
        if rec.get("full"):
            nmodel = 0 if h.buckets is None else 1 << h.B
            nold = 0 if h.oldbuckets is None else h.noldbuckets()
            got = {(c["arr"], c["b"]) for c in rec.get("chains") or ()}
            want = {("new", b) for b in range(nmodel)} | {("old", b) for b in range(nold)}
            if got != want:
                return Divergence(i, op, "set of buckets in the full dump",
                                  sorted(want)[:8], sorted(got)[:8])
        return None

    def _observe(self, event: str, details: dict[str, Any]) -> None:
        if event == "hashGrow" and details["same_size"]:
            event = "hashGrow(sameSize)"
        self.events[event] = self.events.get(event, 0) + 1
        if event.startswith("hashGrow"):
            self.max_B = max(self.max_B, details["B"])

    max_B = 0
    adopted = 0
    unknown_hashes = 0
    full_checks = 0
    chains = 0

    def _encode_chain(self, chain: list[dict[str, Any]]) -> list[dict[str, Any]]:
        kt = self.key_type
        return [
            {
                "tophash": b["tophash"],
                "keys": [None if k is None else encode_key(kt, k) for k in b["keys"]],
                "elems": b["elems"],
            }
            for b in chain
        ]


class _Both:
    """Several replays (one per backend) fed the same records: the first divergence
    of any, named after its backend."""

    def __init__(self, replays: list[ClassicReplay]) -> None:
        self.replays = replays

    def step(self, i: int, op: list[Any], rec: dict[str, Any]) -> Divergence | None:
        for r in self.replays:
            d = r.step(i, op, rec)
            if d is not None:
                if len(self.replays) > 1:
                    d.field = f"[{r.backend} backend] {d.field}"
                return d
        return None


def default_backends() -> tuple[str, ...]:
    """The backends the oracle checks by default: the Python reference and, where it
    is built, the native engine (both against one run of the harness)."""
    from gomap.native import AVAILABLE

    return ("python", "native") if AVAILABLE else ("python",)


def replay_classic(
    script: list[list[Any]],
    key_type: str = "int64",
    elem_type: str = "int64",
    *,
    full_every: int = 1000,
    install_go: bool = False,
    go: str | GoBehaviour | None = None,
    model_go: str | GoBehaviour | None = None,
    backends: tuple[str, ...] | None = None,
) -> Result:
    """Run ``script`` on the real Go 1.23 runtime and on the model; compare every op.

    ``backends``: the model's backends to check, each against the same harness run
    (default :func:`default_backends`)."""
    t0 = time.perf_counter()
    script = with_final_dump(script)
    result = Result("classic", key_type, elem_type)
    release = go_behaviour(go, "classic")
    result.go = release.release
    # model_go: model another release than the harness runs (fault tests: a
    # release's rule must be needed, or the oracle could not tell the releases apart).
    model = release if model_go is None else go_behaviour(model_go, "classic")
    spec = get_engine("classic")
    chosen = backends or default_backends()
    # The native engine mirrors the pinned release only (EngineSpec.backend_for).
    native_ok = spec.backend_for(model, None) is None  # None: the pinned release's rules
    chosen = tuple(dict.fromkeys(b if native_ok else "python" for b in chosen))
    replays = [ClassicReplay(key_type, elem_type, model, b) for b in chosen]
    replay = replays[0]
    encoded = encode_script(script, key_type)
    records = run_harness(
        "classic", encoded,
        ["-key", key_type, "-elem", elem_type, "-full-every", str(full_every)],
        install_go=install_go, go=release,
    )
    lockstep(_Both(replays), script, records, result)
    result.chains_compared = replay.chains
    result.full_checks = replay.full_checks
    result.noverflow_adopted = replay.adopted
    result.unknown_hashes = replay.unknown_hashes
    result.events = dict(sorted(replay.events.items()))
    result.max_B = max(replay.max_B, replay.h.B if replay.h is not None else 0)
    if result.ok:
        for r in replays:
            if r.h is not None:
                r.h.check_invariants()
            if r.events != replay.events and result.divergence is None:
                result.divergence = Divergence(
                    result.ops - 1, ["dump"], f"[{r.backend} backend] event counts",
                    r.events, replay.events)
    result.seconds = time.perf_counter() - t0
    return result


__all__ = ["ClassicReplay", "Divergence", "OracleError", "Result", "classic_layout",
           "replay_classic"]
