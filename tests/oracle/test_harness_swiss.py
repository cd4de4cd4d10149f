"""The Go 1.27 (Swiss map) harness: build it, run small scripts, check what it prints.

Each test asserts facts that only a harness reading the real runtime correctly can
produce: control bytes equal to ``hash & 0x7f``, keys reachable on their probe
sequence from ``h1 = hash >> 7``, ``used`` equal to the number of full slots, the
small group turning into a table at the 9th insert, splits past 1024 slots,
tombstones (0xFE) left by deletes from full groups, iteration yielding every key
once. The incremental group output is replayed into a replica and compared with
full dumps (and with the harness's own ``-paranoid`` whole-map check).
"""

from __future__ import annotations

import itertools
import struct
import subprocess
from collections.abc import Iterable
from typing import Any

import pytest

from gomap.oracle.toolchain import GO_VERSIONS
from tests.support.oracle import require_go

pytestmark = pytest.mark.oracle

EMPTY, DELETED = 0x80, 0xFE
M64 = (1 << 64) - 1


@pytest.fixture(scope="module")
def harness_bin() -> str:
    require_go(GO_VERSIONS["swiss"])
    from gomap.oracle.harness import build_harness

    return str(build_harness("swiss"))


def run(
    binary: str, script: Iterable[list[Any]], *args: str, key: str = "int64", elem: str = "int64"
) -> list[dict[str, Any]]:
    import json

    text = "".join(json.dumps(op) + "\n" for op in script)
    proc = subprocess.run(
        [binary, "-key", key, "-elem", elem, *args],
        input=text,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    recs = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [r["i"] for r in recs] == list(range(len(recs)))
    return recs


def fbits(x: float) -> str:
    return struct.pack(">d", x).hex()


# ---------------------------------------------------------------------------
# A replica of the map rebuilt from the records, and consistency checks on it.


class Replica:
    """The map's groups as the records describe them, applied record by record.

    Keeps an index key -> slots and per-table slot counts up to date as groups are
    replaced, so that checking every record stays cheap.
    """

    def __init__(self) -> None:
        self.groups: dict[tuple[int, int], dict[str, Any]] = {}
        self.m: dict[str, Any] = {}
        self.dir: list[int] = []
        self.tables: list[dict[str, Any]] = []
        self.where: dict[str, set[tuple[int, int, int]]] = {}
        self.counts: dict[int, list[int]] = {}  # table -> [slots, full, deleted]

    def _put(self, g: dict[str, Any], sign: int) -> None:
        t, gi = g["t"], g["g"]
        c = self.counts.setdefault(t, [0, 0, 0])
        c[0] += 8 * sign
        for s, (ctrl, key) in enumerate(zip(g["ctrl"], g["keys"], strict=True)):
            assert ctrl in (EMPTY, DELETED) or ctrl < EMPTY
            assert (key is None) == (ctrl >= EMPTY)
            if ctrl == DELETED:
                c[2] += sign
            elif ctrl < EMPTY:
                c[1] += sign
                locs = self.where.setdefault(repr(key), set())
                if sign > 0:
                    locs.add((t, gi, s))
                else:
                    locs.discard((t, gi, s))

    def apply(self, rec: dict[str, Any]) -> None:
        if rec.get("full"):
            self.groups, self.where, self.counts = {}, {}, {}
        for g in rec["groups"]:
            old = self.groups.get((g["t"], g["g"]))
            if old is not None:
                self._put(old, -1)
            self.groups[(g["t"], g["g"])] = g
            self._put(g, +1)
        m = rec["m"]
        if "dir" in m:
            self.dir, self.tables = m["dir"], [dict(t) for t in m["tables"]]
        for n, t in m.get("tables_delta", {}).items():
            self.tables[int(n)] = t
        self.m = m

    def table_of(self, h: int) -> int:
        m = self.m
        if m["dir_len"] == 0:
            return -1
        idx = 0 if m["dir_len"] == 1 else h >> m["global_shift"]
        return self.dir[idx]

    def find(self, key: Any) -> list[tuple[int, int, int]]:
        """Every (table, group, slot) holding ``key``."""
        return sorted(self.where.get(repr(key), ()))

    def probe(self, h: int) -> list[int]:
        """Group indices of the probe sequence of hash ``h`` in its table, up to and
        including the first group with an empty slot."""
        t = self.table_of(h)
        if t < 0:
            return [0]
        n_groups = self.tables[t]["capacity"] // 8
        mask = n_groups - 1
        off, out = (h >> 7) & mask, []
        for i in range(n_groups):
            if i:
                off = (off + i) & mask
            out.append(off)
            if EMPTY in self.groups[(t, off)]["ctrl"]:
                break
        return out


def check_state(r: Replica) -> None:
    """Invariants of a map state: used == full ctrl bytes, per table and in total;
    tables' growth_left consistent with their tombstones; the directory spans."""
    m = r.m
    assert sum(c[1] for c in r.counts.values()) == m["used"]
    if m["dir_len"] == 0:
        assert set(r.groups) <= {(-1, 0)}
        assert m["small"] == ((-1, 0) in r.groups)
        assert r.counts.get(-1, [0, 0, 0])[2] == 0
        return
    assert m["dir_len"] == 1 << m["global_depth"] == len(r.dir)
    assert m["global_shift"] == 64 - m["global_depth"]
    assert set(r.counts) == set(range(len(r.tables)))
    for n, t in enumerate(r.tables):
        slots, used, tomb = r.counts[n]
        assert slots == t["capacity"]
        assert used == t["used"]
        max_growth = t["capacity"] - 1 if t["capacity"] <= 8 else t["capacity"] * 7 // 8
        assert t["growth_left"] == max_growth - used - tomb
        span = 1 << (m["global_depth"] - t["local_depth"])
        assert r.dir[t["index"] : t["index"] + span] == [n] * span


def check_key_op(r: Replica, rec: dict[str, Any], key: Any) -> None:
    """After set(key): key sits once, under ctrl h2, on its probe sequence."""
    h = rec["hash"]
    assert 0 <= h <= M64
    where = r.find(key)
    assert len(where) == 1, (key, where)
    t, g, s = where[0]
    assert r.groups[(t, g)]["ctrl"][s] == h & 0x7F
    assert t == r.table_of(h)
    if t >= 0:
        assert g in r.probe(h)


def replay(recs: list[dict[str, Any]], script: list[list[Any]]) -> Replica:
    """Apply every record and check every state and key op along the way."""
    r = Replica()
    for op, rec in zip(script, recs, strict=True):
        if op[0] == "dump":
            # A full dump must describe exactly what the increments built.
            assert {(g["t"], g["g"]): g for g in rec["groups"]} == r.groups
        if op[0] in ("get", "iter", "next", "stop") and not rec.get("full"):
            assert rec["groups"] == []  # reads never write
        r.apply(rec)
        check_state(r)
        if op[0] == "set" and rec["hash"] is not None:
            check_key_op(r, rec, op[1])
            ((t, g, s),) = r.find(op[1])
            assert r.groups[(t, g)]["elems"][s] == op[2]
        elif op[0] == "del" and rec["hash"] is not None:
            assert r.find(op[1]) == []
        elif op[0] == "get" and rec["hash"] is not None:
            assert rec["found"] == bool(r.find(op[1]))
    return r


# ---------------------------------------------------------------------------


def test_small_group_then_table_at_ninth_insert(harness_bin: str) -> None:
    script: list[list[Any]] = [["make", 0]] + [["set", k, k * 10] for k in range(9)]
    recs = run(harness_bin, script)
    assert recs[0]["m"]["small"] is False and recs[0]["m"]["dir_len"] == 0
    assert recs[0]["groups"] == []
    for k in range(1, 9):
        m = recs[k]["m"]
        assert m["small"] is True and m["dir_len"] == 0 and m["used"] == k
        assert [g["t"] for g in recs[k]["groups"]] == [-1]
        g = recs[k]["groups"][0]
        # The small group fills slots in order.
        assert g["keys"][:k] == list(range(k)) and g["ctrl"][k:] == [EMPTY] * (8 - k)
        assert g["ctrl"][k - 1] == recs[k]["hash"] & 0x7F
    last = recs[9]
    assert last["full"] is True
    assert last["m"]["small"] is False and last["m"]["dir_len"] == 1
    assert last["m"]["dir"] == [0]
    assert last["m"]["tables"] == [
        {"used": 9, "capacity": 16, "growth_left": 14 - 9, "local_depth": 0, "index": 0}
    ]
    assert {g["t"] for g in last["groups"]} == {0} and len(last["groups"]) == 2
    replay(recs, script)


def test_make_with_hint_allocates_tables(harness_bin: str) -> None:
    recs = run(harness_bin, [["make", 5000], ["make", 9], ["make", 8]])
    m = recs[0]["m"]
    # NewMap: targetCapacity = 5000*8/7 = 5714 -> 8 tables of 714 -> 1024 slots.
    assert m["dir_len"] == 8 and m["dir"] == list(range(8))
    assert all(t["capacity"] == 1024 and t["growth_left"] == 896 for t in m["tables"])
    assert len(recs[0]["groups"]) == 8 * 128
    assert recs[1]["m"]["tables"][0]["capacity"] == 16  # 9*8/7 = 10 -> 16
    assert recs[2]["m"]["dir_len"] == 0 and recs[2]["m"]["small"] is False  # hint <= 8


def test_growth_and_splits_with_int64_keys(harness_bin: str) -> None:
    script: list[list[Any]] = [["make", 0]]
    script += [["set", k * 7919 - 10**6, k] for k in range(3000)]
    script += [["get", k * 7919 - 10**6] for k in range(0, 3000, 97)] + [["get", -5], ["dump"]]
    recs = run(harness_bin, script, "-full-every", "0")
    replay(recs, script)
    caps = [tuple(t["capacity"] for t in r["m"]["tables"]) for r in recs]
    # The single table doubles 16 -> ... -> 1024, then splits.
    singles = [c[0] for c in caps if len(c) == 1]
    assert sorted(set(singles)) == [16, 32, 64, 128, 256, 512, 1024]
    first_split = next(i for i, c in enumerate(caps) if len(c) == 2)
    assert caps[first_split - 1] == (1024,)
    assert recs[first_split - 1]["m"]["tables"][0]["used"] == 896
    assert recs[first_split]["full"] is True and recs[first_split]["m"]["dir"] == [0, 1]
    assert [t["local_depth"] for t in recs[first_split]["m"]["tables"]] == [1, 1]
    end = recs[-1]["m"]
    assert end["used"] == 3000 and end["dir_len"] >= 4 and end["global_depth"] >= 2
    found = [r["found"] for r in recs if r["op"] == "get"]
    assert all(found[:-1]) and found[-1] is False


def test_delete_leaves_tombstone_only_in_full_groups(harness_bin: str) -> None:
    keys = list(range(600))
    script: list[list[Any]] = [["make", 0]] + [["set", k, k] for k in keys]
    script += [["del", k] for k in keys[::3]] + [["set", k, -k] for k in keys[::6]]
    script += [["dump"]]
    recs = run(harness_bin, script, "-full-every", "0")
    r = Replica()
    tombstones = empties = 0
    for op, rec in zip(script, recs, strict=True):
        if op[0] == "del":
            ((t, g, s),) = r.find(op[1])
            was_full = EMPTY not in r.groups[(t, g)]["ctrl"]
            r.apply(rec)
            assert r.groups[(t, g)]["ctrl"][s] == (DELETED if was_full else EMPTY)
            tombstones += was_full
            empties += not was_full
            if was_full:
                assert rec["m"]["tombstone_possible"] is True
        else:
            r.apply(rec)
        check_state(r)
    assert tombstones > 0 and empties > 0
    replay(recs, script)


def test_churn_prunes_tombstones_and_paranoid_agrees(harness_bin: str) -> None:
    import random

    rnd = random.Random(7)
    script: list[list[Any]] = [["make", 0]]
    live: set[int] = set()
    for i in range(6000):
        if len(live) > 700 or (live and rnd.random() < 0.45):
            k = rnd.choice(sorted(live))
            live.discard(k)
            script.append(["del", k])
        else:
            k = rnd.randrange(10**9)
            live.add(k)
            script.append(["set", k, i])
        if i % 1500 == 0:
            script.append(["dump"])
    script.append(["dump"])
    def tombstones(t: dict[str, Any]) -> int:
        return t["capacity"] * 7 // 8 - t["used"] - t["growth_left"]

    # Whether an insert finds enough tombstones to prune depends on where the
    # runtime's random hash seed puts the keys: every run must replay exactly, and
    # pruneTombstones must run in one of three (each run draws a new seed).
    for _attempt in range(3):
        recs = run(harness_bin, script, "-full-every", "0", "-paranoid")
        r = replay(recs, script)
        assert r.m["used"] == len(live)
        assert any(rec["m"]["tombstone_possible"] for rec in recs)
        # pruneTombstones ran at least once: an insert that dropped many tombstones
        # at once, without replacing the table (so its groups came incrementally).
        pruned = [
            rec["i"]
            for prev, rec in itertools.pairwise(recs)
            if not rec.get("full")
            and len(prev["m"]["tables"]) == len(rec["m"]["tables"])
            and any(
                tombstones(b) < tombstones(a) - 1
                for a, b in zip(prev["m"]["tables"], rec["m"]["tables"], strict=True)
            )
        ]
        assert all(script[i][0] == "set" for i in pruned)
        if pruned:
            break
    assert pruned, "no run of three pruned tombstones"
    # Same script, whole-table scanning: identical structure.
    recs2 = run(harness_bin, script, "-full-every", "0", "-scan", "table")
    replay(recs2, script)


def test_clear_of_a_large_map_reseeds(harness_bin: str) -> None:
    script: list[list[Any]] = [["make", 0]] + [["set", k, k] for k in range(2500)]
    script += [["del", 5], ["clear"], ["set", 1, 1], ["clear"], ["del", 1], ["clear"]]
    recs = run(harness_bin, script)
    before, cleared = recs[-6]["m"], recs[-5]
    m = cleared["m"]
    assert cleared["full"] is True
    assert m["used"] == 0 and m["clear_seq"] == 1 and m["tombstone_possible"] is False
    assert m["seed"] != before["seed"]
    assert m["dir"] == before["dir"]  # the directory is kept
    assert all(t["used"] == 0 and t["growth_left"] == t["capacity"] * 7 // 8 for t in m["tables"])
    assert all(g["ctrl"] == [EMPTY] * 8 for g in cleared["groups"])
    assert recs[-3]["m"]["clear_seq"] == 2
    # Clearing an empty map without tombstones is a no-op (no reseed, no clear_seq++).
    assert recs[-1]["m"]["clear_seq"] == 2 and recs[-1]["m"]["seed"] == recs[-2]["m"]["seed"]
    replay(recs, script)


def test_delete_to_empty_reseeds(harness_bin: str) -> None:
    script = [["make", 0], ["set", 1, 1], ["set", 2, 2], ["del", 1], ["del", 2], ["del", 3]]
    recs = run(harness_bin, script)
    seeds = [r["m"]["seed"] for r in recs]
    assert seeds[0] == seeds[1] == seeds[2] == seeds[3]
    assert seeds[4] != seeds[3]  # used dropped to 0
    assert seeds[5] == seeds[4]  # delete on an empty map returns early
    replay(recs, script)


def iterate(recs: list[dict[str, Any]], ident: int) -> list[Any]:
    out = []
    for r in recs:
        if r["op"] in ("iter", "next") and r.get("id") == ident and not r.get("end"):
            out.append(r["key"])
    return out


def test_iteration_yields_every_key_once(harness_bin: str) -> None:
    for n in (0, 5, 100, 3000):
        keys = [k * 31 + 1 for k in range(n)]
        script: list[list[Any]] = [["make", 0]] + [["set", k, k] for k in keys]
        script += [["iter", 1]] + [["next", 1]] * n + [["next", 1]]
        recs = run(harness_bin, script, "-full-every", "0")
        seen = iterate(recs, 1)
        assert sorted(seen) == sorted(keys)
        assert recs[-1]["end"] is True and recs[-2]["end"] is True
        it = recs[n + 1]
        assert it["has_map"] is (n > 0)
        for f in ("entryOffset", "dirOffset", "clearSeq", "globalDepth", "dirIdx", "entryIdx"):
            assert isinstance(it[f], int)
        if n == 0:
            assert it["end"] is True and it["entryOffset"] == it["dirOffset"] == 0
        elif n <= 8:
            assert it["dirIdx"] == -1  # small map sentinel
        else:
            # The first Next moves dirOffset to the first directory entry of the
            # table it starts in.
            m = it["m"]
            assert it["dirOffset"] & (m["dir_len"] - 1) == m["tables"][it["tab"]]["index"]
        for rec in recs[n + 1 :]:
            assert rec["groups"] == []
        replay(recs, script)


def test_iterator_open_across_grow_and_split(harness_bin: str) -> None:
    old = list(range(0, 1800, 2))  # 900 keys: one 1024-slot table, past its 896 limit
    new = list(range(1, 4001, 2))
    script: list[list[Any]] = [["make", 0]] + [["set", k, k] for k in old]
    script += [["iter", "a"]]
    for i, k in enumerate(new):
        script.append(["set", k, k])
        if i % 3 == 0:
            script.append(["next", "a"])
        if i % 50 == 0:
            script.append(["del", old[-1 - i // 50]])
    script += [["next", "a"]] * 3000 + [["stop", "a"], ["dump"]]
    recs = run(harness_bin, script, "-full-every", "0")
    replay(recs, script)
    seen = iterate(recs, "a")
    assert len(seen) == len(set(seen))
    deleted = {op[1] for op in script if op[0] == "del"}
    assert set(old) - deleted <= set(seen)
    assert max(r["m"]["dir_len"] for r in recs) >= 4
    assert any(r.get("tab") == -1 for r in recs)  # the iterator walked a replaced table


def test_nan_float_keys(harness_bin: str) -> None:
    nan = fbits(float("nan"))
    odd_nan = "7ff8000000000001"
    script = [
        ["make", 0],
        ["set", nan, 1],
        ["set", nan, 2],
        ["set", odd_nan, 3],
        ["get", nan],
        ["del", nan],
        ["set", fbits(0.0), 4],
        ["set", fbits(-0.0), 5],
        ["set", fbits(float("inf")), 6],
        ["set", fbits(float("-inf")), 7],
    ]
    script += [["set", fbits(i + 0.5), i] for i in range(20)] + [["iter", 0], ["dump"]]
    recs = run(harness_bin, script, key="float64")
    assert [recs[i]["hash"] for i in (1, 2, 3, 4, 5)] == [None] * 5
    assert recs[1]["full"] and recs[2]["full"] and recs[5]["full"]
    assert recs[3]["m"]["used"] == 3  # every NaN set adds an entry
    assert recs[4]["found"] is False and recs[4]["elem"] is None
    assert recs[5]["m"]["used"] == 3  # NaN cannot be deleted
    assert recs[6]["hash"] == recs[7]["hash"]  # +0 and -0 hash alike
    assert recs[7]["m"]["used"] == 4
    r = replay(recs, script)
    (where,) = r.find(fbits(-0.0))  # the key was updated to -0.0 in place
    assert r.groups[where[:2]]["elems"][where[2]] == 5
    assert len(r.find(nan)) == 2 and len(r.find(odd_nan)) == 1
    assert r.m["used"] == 3 + 3 + 20


@pytest.mark.parametrize(
    ("key", "elem", "mk"),
    [
        ("string", "int64", lambda i: f'k{i}\u00e9\n"{i * 7}'),
        ("struct", "int64", lambda i: [i - 500, f"s{i % 37}"]),
        ("array", "int64", lambda i: [i % 11, -(i // 11), 3]),
        ("bigkey", "bigelem", lambda i: i * 3 - 1000),
        ("int64", "bigelem", lambda i: i),
    ],
)
def test_other_key_and_elem_types(harness_bin: str, key: str, elem: str, mk: Any) -> None:
    n = 1500
    script: list[list[Any]] = [["make", 0]] + [["set", mk(i), i] for i in range(n)]
    script += [["get", mk(i)] for i in range(0, n, 7)]
    script += [["del", mk(i)] for i in range(0, n, 5)]
    script += [["set", mk(i), -i] for i in range(0, n, 10)]
    script += [["iter", 9]] + [["next", 9]] * n + [["dump"]]
    recs = run(harness_bin, script, "-full-every", "0", "-paranoid", key=key, elem=elem)
    r = replay(recs, script)
    assert r.m["used"] == n - n // 5 + n // 10
    seen = iterate(recs, 9)
    assert len(seen) == r.m["used"]
    assert len({repr(k) for k in seen}) == len(seen)


def test_large_directory_mode(harness_bin: str) -> None:
    script: list[list[Any]] = [["make", 0]] + [["set", k, k] for k in range(6000)] + [["dump"]]
    recs = run(harness_bin, script, "-dir-limit", "2", "-full-every", "0")
    r = Replica()
    for op, rec in zip(script, recs, strict=True):
        if rec["m"]["dir_len"] > 2 and not rec.get("full"):
            assert "dir" not in rec["m"] and "tables_delta" in rec["m"]
        r.apply(rec)
        check_state(r)
        if op[0] == "set":
            check_key_op(r, rec, op[1])


def test_errors_name_the_line(harness_bin: str) -> None:
    def fail(script: str, *args: str) -> str:
        args = args or ("-key", "int64", "-elem", "int64")
        proc = subprocess.run(
            [harness_bin, *args], input=script, capture_output=True, text=True, check=False
        )
        assert proc.returncode == 2
        return proc.stderr

    assert "line 3" in fail('["make",0]\n["set",1,2]\n["frob"]\n')
    assert "line 1" in fail('["set",1,2]\n')
    assert "line 2" in fail('["make",0]\n["set","x",2]\n')
    assert "line 2" in fail('["make",0]\n["next",4]\n')
    assert "line 2" in fail('["make",0]\n["set","abc",2]\n', "-key", "float64", "-elem", "int64")
    assert "-key" in fail("", "-key", "complex", "-elem", "int64")
