"""The differential oracle for :class:`gomap.companions.SyncMap`: the same sequential
op script on the model and on a real ``sync.Map``, compared op by op.

* ``version="1.23"`` runs the ``syncmap123`` harness (Go 1.23.9) and compares every
  op's results and, after every op, ``[misses, amended, len(read.m), len(dirty)]``;
  every ``full_every`` ops (and on ``["dump"]``) the whole state: each key of
  ``read.m`` with its entry's state (value / nil / expunged), ``amended``, each key
  of ``dirty`` with its state and whether its entry is the one in ``read.m``,
  ``misses``.
* ``version="1.24"`` runs the ``syncmap124`` harness (Go 1.27.3; the hash-trie of
  Go 1.24+). Every keyed op reports the runtime's hash of its key; the model's
  hasher is that table, so model and runtime build the same trie. Compared: every
  op's results (``range``'s visiting order included, which the hashes fix), and
  every ``full_every`` ops the trie's shape — which indirect nodes exist where,
  which entries and overflow chains hang in which slot — and the seed.

Keys are ``[type, value]`` with Go's dynamic type (``int``, ``int64``, ``uint64``,
``uintptr``, ``string``); the model's key is the tuple ``(type, value)``, equal
exactly when Go's interface values are. ``int(1)``, ``int64(1)``, ``uint64(1)`` and
``uintptr(1)`` are different keys with *the same full hash* in Go (all four hash
as 8 bytes of memory), which is how the scripts reach the trie's overflow chains.
Go 1.23 ranges in Go's random map order: there a full ``range`` is compared as a
set and a stopped one by its count and by every pair being live.
"""

from __future__ import annotations

import json
import random
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

from gomap.companions import ops as sync_ops
from gomap.companions.hashtriemap import HashTrieMap
from gomap.companions.registry import verify_groups
from gomap.companions.syncmap import SyncMap
from gomap.companions.syncmap123 import SyncMap123
from gomap.oracle.common import Divergence, OracleError, Result, lockstep
from gomap.oracle.harness import build_harness, run_binary, run_harness

HARNESS = {v: s.harness for v, s in sorted(verify_groups()["syncmap"].items())}
"""The harness of each ``SyncMap`` version (from :mod:`gomap.companions.registry`)."""
INT_TYPES = ("int", "int64", "uint64", "uintptr")


def _k(raw: Any) -> tuple[str, Any]:
    if not (isinstance(raw, list) and len(raw) == 2 and raw[0] in (*INT_TYPES, "string")):
        raise ValueError(f"bad key {raw!r}: want [type, value], type one of "
                         f"{', '.join((*INT_TYPES, 'string'))}")
    return (raw[0], raw[1])


def _enc(obj: Any) -> Any:
    """Tuples to lists, recursively (the harness's JSON form)."""
    if isinstance(obj, tuple | list):
        return [_enc(x) for x in obj]
    if isinstance(obj, dict):
        return {k: _enc(v) for k, v in obj.items()}
    return obj


def _key_order(pair: list[Any]) -> str:
    return json.dumps(pair[0])


def apply_op(m: SyncMap, op: list[Any]) -> Any:
    """Apply one script op to the model (gomap's op vocabulary, with keys as
    ``[type, value]``); return its results in the harness's form."""
    code, *args = sync_ops.from_script(op)
    if args and code != sync_ops.RANGE:
        args[0] = _k(args[0])
    out = sync_ops.apply(m, (code, *args))
    if code == sync_ops.RANGE:
        return [[list(k), v] for k, v in out]
    return out


def state_123(m: SyncMap123) -> dict[str, Any]:
    """The model's state in the harness's canonical form."""
    snap = m.snapshot()
    read = sorted(([list(k), s] for k, s in snap["read"].items()), key=_key_order)
    dirty = None
    if snap["dirty"] is not None:
        dirty = sorted(([list(k), s] for k, s in snap["dirty"].items()), key=_key_order)
    return {"read": _enc(read), "amended": snap["amended"], "dirty": _enc(dirty),
            "misses": snap["misses"]}


def summary_123(m: SyncMap123) -> list[Any]:
    read = m.load_read_only()
    return [m.misses, read.amended, len(read.m), -1 if m.dirty is None else len(m.dirty)]


def state_124(m: HashTrieMap) -> dict[str, Any]:
    snap = m.snapshot()
    return {"seed": snap["seed"], "root": _enc(snap["root"])}


def _canon_123(s: dict[str, Any]) -> dict[str, Any]:
    out = dict(s)
    out["read"] = sorted(s["read"], key=_key_order)
    if s["dirty"] is not None:
        out["dirty"] = sorted(s["dirty"], key=_key_order)
    return out


class SyncMapReplay:
    """Replays ops on a model :class:`SyncMap` and compares with the harness's records."""

    def __init__(self, version: str, *, check_invariants: bool = True,
                 model: SyncMap | None = None) -> None:
        if version not in HARNESS:
            raise ValueError(f"version must be one of {sorted(HARNESS)}, not {version!r}")
        self.version = version
        self.hashes: dict[Any, int] = {}
        self.check = check_invariants
        if model is not None:
            self.model = model
        elif version == "1.24":
            self.model = HashTrieMap(hasher=self._hasher, rand=lambda: 0)
        else:
            self.model = SyncMap123()
        if isinstance(self.model, HashTrieMap):
            self.model.hasher = self._hasher
        self.states = 0

    def _hasher(self, key: Any, seed: int) -> int:
        try:
            return self.hashes[key]
        except KeyError:
            raise OracleError(f"no runtime hash for key {key!r}") from None

    def step(self, i: int, op: list[Any], rec: dict[str, Any]) -> Divergence | None:
        m = self.model
        if "h" in rec:
            k = _k(op[1])
            known = self.hashes.setdefault(k, rec["h"])
            if known != rec["h"]:
                return Divergence(i, op, "hash", known, rec["h"], "the runtime's hash changed")
        if "s" in rec and isinstance(m, HashTrieMap) and self.states == 0:
            m.seed = rec["s"]["seed"]
        got = apply_op(m, op)
        want = rec["r"]
        if op[0] == "range" and self.version == "1.23":
            d = self._compare_range_123(i, op, got, want)
            if d is not None:
                return d
        elif got != want:
            return Divergence(i, op, "results", got, want)
        if self.check:
            m.check_invariants()
        if isinstance(m, SyncMap123):
            x = summary_123(m)
            if x != rec.get("x"):
                return Divergence(i, op, "summary [misses, amended, len(read.m), len(dirty)]",
                                  x, rec.get("x"))
        if "s" in rec:
            self.states += 1
            if isinstance(m, SyncMap123):
                mine, theirs = state_123(m), _canon_123(rec["s"])
            else:
                assert isinstance(m, HashTrieMap)
                mine, theirs = state_124(m), rec["s"]
            if mine != theirs:
                return Divergence(i, op, "state", mine, theirs)
        return None

    def _compare_range_123(self, i: int, op: list[Any], got: list[Any], want: list[Any]
                           ) -> Divergence | None:
        live = sorted(_enc(self.model.items_list()), key=_key_order)
        if len(op) < 2 or op[1] < 0:
            if sorted(got, key=_key_order) != sorted(want, key=_key_order):
                return Divergence(i, op, "range (as a set)", got, want)
            return None
        if len(got) != len(want):
            return Divergence(i, op, "range count", len(got), len(want))
        for pair in want:
            if pair not in live:
                return Divergence(i, op, "range visited a pair not in the map", live, want)
        return None


def replay_syncmap(version: str, script: list[list[Any]], *, full_every: int = 1,
                   check_invariants: bool = True, model: SyncMap | None = None,
                   go: str | None = None) -> Result:
    """Run ``script`` on the real ``sync.Map`` of ``version`` and on the model; compare.

    ``model`` replaces the model (the fault-injection tests pass a broken one). ``go``
    runs the harness built by another Go release (e.g. ``"1.25.5"``): for ``"1.24"``
    any release from 1.24 on; for ``"1.23"`` also 1.24 and 1.25, which still ship
    the old design behind ``GOEXPERIMENT=nosynchashtriemap`` (set for them here)."""
    t0 = time.perf_counter()
    replay = SyncMapReplay(version, check_invariants=check_invariants, model=model)
    result = Result(impl=f"syncmap-{version}", key_type="any", elem_type="int")
    args = ["-full-every", str(full_every)]
    if go is None:
        records = run_harness(HARNESS[version], script, args)
    else:
        release = tuple(int(x) for x in go.split(".")[:2])
        experiment = "nosynchashtriemap" if version == "1.23" and release >= (1, 24) else ""
        binary = build_harness(HARNESS[version], go_version=go, goexperiment=experiment)
        lines = (json.dumps(op, separators=(",", ":")) for op in script)
        records = run_binary(HARNESS[version], binary, lines, args)
    lockstep(replay, script, records, result)
    result.full_checks = replay.states
    result.seconds = time.perf_counter() - t0
    return result


# --- scripts ------------------------------------------------------------------------------
def key_pool(n_ints: int = 12, n_strings: int = 16) -> list[list[Any]]:
    """Keys for random scripts: each small integer under all four 8-byte integer types
    (full-hash collisions in Go) plus some strings."""
    keys: list[list[Any]] = [[t, v] for v in range(n_ints) for t in INT_TYPES]
    keys += [["string", f"s{v}"] for v in range(n_strings)]
    return keys


def random_script(n: int, seed: int = 1, *, keys: list[list[Any]] | None = None,
                  values: int = 4) -> list[list[Any]]:
    """``n`` random ops over ``keys`` with values in ``range(values)`` (so that CAS and
    CompareAndDelete often match), ending with a ``["dump"]``."""
    rng = random.Random(seed)
    pool = keys if keys is not None else key_pool()
    weights = {"get": 24, "set": 14, "load_or_store": 10, "load_and_delete": 8, "del": 8, "swap": 8,
               "compare_and_swap": 10, "compare_and_delete": 7, "range": 3}
    names = list(weights)
    cum = list(weights.values())
    out: list[list[Any]] = []
    for name in rng.choices(names, cum, k=n - 1):
        k = rng.choice(pool)
        v = rng.randrange(values)
        if rng.random() < 0.0015:
            out.append(["clear"])
        elif name in ("get", "load_and_delete", "del"):
            out.append([name, k])
        elif name in ("set", "load_or_store", "swap"):
            out.append([name, k, v])
        elif name == "compare_and_swap":
            out.append([name, k, v, rng.randrange(values)])
        elif name == "compare_and_delete":
            out.append([name, k, v])
        else:
            out.append(["range", rng.choice([-1, -1, 1, 2, 3])])
    out.append(["dump"])
    return out


def _i(v: int) -> list[Any]:
    return ["int", v]


def shape_promotion_after_misses() -> list[list[Any]]:
    """1.23: five new keys in dirty, then misses until ``misses >= len(dirty)`` promotes."""
    s: list[list[Any]] = [["set", _i(k), k] for k in range(5)]
    s += [["get", _i(100 + j)] for j in range(6)]  # the 5th miss promotes
    s += [["set", _i(9), 9], ["get", _i(0)], ["dump"]]
    return s


def shape_expunge_and_resurrect() -> list[list[Any]]:
    """A deleted key in ``read`` is expunged by ``dirtyLocked`` and revived by a store."""
    return [
        ["set", _i(1), 1], ["set", _i(2), 2], ["range", -1],  # promote {1, 2}
        ["del", _i(1)],            # read: 1 -> nil, lock-free
        ["set", _i(3), 3],          # first new key: dirtyLocked expunges 1
        ["get", _i(1)],
        ["set", _i(1), 11],         # unexpungeLocked, back into dirty
        ["get", _i(1)], ["range", -1], ["dump"],
    ]


def shape_store_to_expunged_key() -> list[list[Any]]:
    """Every writing op against an expunged entry (LoadOrStore, Swap, CAS, CAD, Delete)."""
    s: list[list[Any]] = [["set", _i(k), k] for k in range(4)]
    s += [["range", -1], ["del", _i(0)], ["del", _i(1)], ["del", _i(2)],
          ["set", _i(7), 7]]  # 0, 1, 2 expunged
    s += [["compare_and_swap", _i(0), 0, 5], ["compare_and_delete", _i(1), 1], ["del", _i(2)],
          ["load_and_delete", _i(2)],
          ["load_or_store", _i(0), 10], ["swap", _i(1), 11], ["get", _i(2)], ["set", _i(2), 12],
          ["range", -1], ["dump"]]
    return s


def shape_range_during_amended() -> list[list[Any]]:
    """``Range`` while ``amended``: it promotes dirty first; a stopped range too."""
    s: list[list[Any]] = [["set", _i(k), k] for k in range(6)]
    s += [["range", 2], ["set", _i(10), 10], ["del", _i(3)], ["range", -1],
          ["set", _i(11), 11], ["range", 1], ["dump"]]
    return s


def shape_full_hash_collisions() -> list[list[Any]]:
    """int(5), int64(5), uint64(5), uintptr(5): four keys, one full hash: a chain."""
    ks = [[t, 5] for t in INT_TYPES]
    s: list[list[Any]] = [["set", k, j] for j, k in enumerate(ks)]
    s += [["range", -1], ["get", ks[0]], ["swap", ks[1], 21], ["compare_and_swap", ks[2], 2, 22],
          ["compare_and_swap", ks[3], 0, 9], ["load_or_store", ks[0], 0],
          ["compare_and_delete", ks[1], 21], ["range"],
          ["load_and_delete", ks[2]], ["set", ks[1], 31], ["del", ks[3]], ["del", ks[0]],
          ["get", ks[1]], ["del", ks[1]], ["range", -1], ["dump"]]
    return s


def shape_delete_pruning_chain(n: int = 300, seed: int = 3) -> list[list[Any]]:
    """``n`` keys make nodes at depth 3 and more; deleting them all in random order
    empties nodes whose parents then empty too: pruning chains of indirect nodes."""
    rng = random.Random(seed)
    keys = [["string", f"p{j}"] for j in range(n)]
    s: list[list[Any]] = [["set", k, 1] for k in keys]
    rng.shuffle(keys)
    s += [["del", k] for k in keys]
    s.append(["dump"])
    return s


SHAPES: dict[str, Callable[[], list[list[Any]]]] = {
    "promotion_after_misses": shape_promotion_after_misses,
    "expunge_and_resurrect": shape_expunge_and_resurrect,
    "store_to_expunged_key": shape_store_to_expunged_key,
    "range_during_amended": shape_range_during_amended,
    "full_hash_collisions": shape_full_hash_collisions,
    "delete_pruning_chain": shape_delete_pruning_chain,
}


def runtime_states(version: str, script: list[list[Any]]) -> Iterator[dict[str, Any]]:
    """The runtime's records for ``script`` with the state after every op (for tests
    that check a named shape really reached the state it is named for)."""
    yield from run_harness(HARNESS[version], script, ["-full-every", "1"])


def count_indirect(node: dict[str, Any]) -> int:
    """Indirect nodes in a trie state (the root included)."""
    return 1 + sum(count_indirect(c) for _, c in node["c"] if isinstance(c, dict))


def verify_cli(args: Any, console: Any) -> int:
    """``gomap verify --impl syncmap``: both versions, ``--ops`` random ops each (from
    ``--seed``) plus the named shapes unless ``--no-shapes``; exit 1 on a divergence,
    3 without the Go toolchains."""
    from rich.table import Table

    from gomap.oracle.toolchain import GO_VERSIONS, GoToolchainMissing, find_go

    def err(msg: str) -> None:  # errors go to stderr, as every command's do
        sys.stderr.write(f"gomap verify: {msg}\n")

    if args.ops < 1:
        err("--ops must be at least 1")
        return 2
    ignored = [flag for flag, given in (("--key", args.key), ("--big", args.big),
                                         ("--elem", args.elem != "int64")) if given]
    if ignored:
        err(f"{', '.join(ignored)} does not apply to --impl syncmap (its keys are Go `any` "
            "values of several types)")
        return 2
    for version, harness in HARNESS.items():
        try:
            find_go(GO_VERSIONS[harness], install=args.install_go, needed_by="gomap verify")
        except GoToolchainMissing as e:
            err(str(e))
            return 3
        table = Table(title=f"gomap verify --impl syncmap: SyncMap(version={version!r}) "
                            f"vs sync.Map of Go {GO_VERSIONS[harness]}")
        for col in ("workload", "ops", "states compared", "seconds", "result"):
            table.add_column(col, justify="right" if col in ("ops", "seconds") else "left")
        runs: list[tuple[str, list[list[Any]], int]] = []
        chunk = 50_000
        for j, start in enumerate(range(0, args.ops, chunk)):
            size = min(chunk, args.ops - start)
            runs.append((f"random #{j + 1}", random_script(size, seed=args.seed + j), 7))
        if not args.no_shapes:
            runs += [(name, fn(), 1) for name, fn in SHAPES.items()]
        for name, script, full_every in runs:
            with console.status(f"syncmap {version} {name}: {len(script)} ops"):
                r = replay_syncmap(version, script, full_every=full_every)
            verdict = "[green]exact[/]" if r.ok else "[bold red]DIVERGED[/]"
            table.add_row(name, str(r.ops), str(r.full_checks), f"{r.seconds:.1f}", verdict)
            if not r.ok:
                console.print(table)
                console.print(f"[bold red]syncmap {version} {name}:[/] {r.divergence}")
                return 1
        console.print(table)
    return 0
