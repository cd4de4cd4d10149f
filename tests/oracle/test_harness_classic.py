"""Tests of the Go 1.23 (classic map) oracle harness against the real runtime.

These build ``gomap/oracle/go/classic`` with Go 1.23.9 and run small scripts
through it, asserting facts that only a harness reading the runtime's state
correctly can produce: bucket counts after growth, tophash = top byte of the
runtime's own hash, keys in the bucket their hash selects, live cells adding up
to ``count``, iteration visiting every key once, and so on. The harness's
``-check-touched`` mode additionally makes the Go side verify, around every op,
that each bucket chain that changed was emitted.

Format: docs/ORACLE-HARNESS-CLASSIC.md.
"""

from __future__ import annotations

import random
import struct
import subprocess
import time
from collections import Counter
from typing import Any

import pytest

from gomap.oracle.harness import HarnessError, build_harness, run_harness
from gomap.versions import pinned_release
from tests.support.oracle import require_go

pytestmark = pytest.mark.oracle

KEY_TYPES = ["int64", "string", "float64", "struct", "array", "bigkey"]
ELEM_TYPES = ["int64", "bigelem"]


@pytest.fixture(scope="module", autouse=True)
def _harness_built() -> None:
    require_go(pinned_release("classic"))
    build_harness("classic")


def run(
    script: list[list[Any]],
    key: str = "int64",
    elem: str = "int64",
    *,
    full_every: int | None = None,
    check: bool = True,
) -> list[dict[str, Any]]:
    args = ["-key", key, "-elem", elem]
    if full_every is not None:
        args += ["-full-every", str(full_every)]
    if check:
        args.append("-check-touched")
    out = list(run_harness("classic", script, args))
    assert [r["i"] for r in out] == list(range(len(script)))
    assert [r["op"] for r in out] == [op[0] for op in script]
    return out


def tophash(h: int) -> int:
    top = h >> 56
    return top + 5 if top < 5 else top


def is_nan_bits(k: Any) -> bool:
    if not isinstance(k, str) or len(k) != 16:
        return False
    bits = int(k, 16)
    return (bits >> 52) & 0x7FF == 0x7FF and bits & ((1 << 52) - 1) != 0


def fkey(x: float) -> str:
    return struct.pack(">d", x).hex()


def hkey(k: Any) -> Any:
    """A hashable form of a key's JSON encoding."""
    return tuple(k) if isinstance(k, list) else k


def canon_float(k: str) -> str:
    """float64 keys compare as floats: -0.0 == +0.0 (NaN handled separately)."""
    return fkey(0.0) if k in ("0000000000000000", "8000000000000000") else k


def live_cells(chains: list[dict[str, Any]]):
    """Yield (arr, b, tophash, key, elem) for every live cell (tophash >= 5)."""
    for c in chains:
        for bk in c["chain"]:
            assert len(bk["tophash"]) == len(bk["keys"]) == len(bk["elems"]) == 8
            for t, k, e in zip(bk["tophash"], bk["keys"], bk["elems"], strict=True):
                if t >= 5:
                    yield c["arr"], c["b"], t, k, e
                else:
                    assert k is None and e is None


def old_len(h: dict[str, Any]) -> int:
    return 1 << h["B"] if h["flags"] & 8 else 1 << (h["B"] - 1)


class Checker:
    """Replays records against a plain dict and checks every self-consistency rule."""

    def __init__(self, key: str) -> None:
        self.key = key
        self.d: dict[Any, Any] = {}  # canonical key -> elem (non-NaN keys)
        self.nans = 0  # live NaN entries
        self.hashes: dict[Any, int] = {}  # canonical key -> hash under the current hash0
        self.hash0: int | None = None
        self.full_dumps = 0
        self.saw_growing = self.saw_old_chain = self.saw_finish = self.saw_same_size = False

    def canon(self, k: Any) -> Any:
        k = hkey(k)
        return canon_float(k) if self.key == "float64" else k

    def feed(self, op: list[Any], r: dict[str, Any], prev: dict[str, Any] | None) -> None:
        h = r["h"]
        if h["hash0"] != self.hash0:
            self.hashes.clear()
            self.hash0 = h["hash0"]
        name = op[0]
        nan = name in ("set", "get", "del") and self.key == "float64" and is_nan_bits(op[1])
        if name in ("set", "get", "del"):
            if nan:
                assert r["hash"] is None
            else:
                assert isinstance(r["hash"], int) and 0 <= r["hash"] < 1 << 64
                if prev is not None and prev["h"]["hash0"] == h["hash0"]:
                    self.hashes[self.canon(op[1])] = r["hash"]
                elif name == "set":  # hash0 only changes when the map empties
                    self.hashes = {self.canon(op[1]): r["hash"]}
        if name == "set":
            if nan:
                self.nans += 1
            else:
                self.d[self.canon(op[1])] = op[2]
        elif name == "del" and not nan:
            self.d.pop(self.canon(op[1]), None)
        elif name == "clear":
            self.d.clear()
            self.nans = 0
        elif name == "get":
            want = None if nan else self.d.get(self.canon(op[1]))
            assert r["found"] is (want is not None)
            assert r["elem"] == want
        assert h["count"] == len(self.d) + self.nans, (op, h)
        if h["growing"]:
            self.saw_growing = True
            if h["flags"] & 8:
                self.saw_same_size = True
        if prev is not None and prev["h"]["growing"] and not h["growing"]:
            self.saw_finish = True
            assert r.get("full") is True  # growth finishing forces a full dump
        if prev is not None and (prev["h"]["B"] != h["B"]):
            assert r.get("full") is True
        if name in ("get", "iter", "next", "stop") and not r.get("full"):
            assert "chains" not in r
        if "chains" in r:
            self.check_chains(name, op, r, nan)

    def check_chains(self, name: str, op: list[Any], r: dict[str, Any], nan: bool) -> None:
        h = r["h"]
        chains = r["chains"]
        ids = [(c["arr"], c["b"]) for c in chains]
        assert len(ids) == len(set(ids))
        mask = (1 << h["B"]) - 1
        for c in chains:
            if c["arr"] == "old":
                assert h["growing"] and 0 <= c["b"] < old_len(h)
            else:
                assert c["arr"] == "new" and 0 <= c["b"] <= mask
        cells = list(live_cells(chains))
        for arr, b, t, k, e in cells:
            ck = self.canon(k)
            if self.key == "float64" and is_nan_bits(k):
                continue
            assert self.d.get(ck) == e, (k, e)
            hv = self.hashes.get(ck)
            if hv is not None:
                assert t == tophash(hv), (k, t, hv)
                m = mask if arr == "new" else old_len(h) - 1
                assert b == hv & m, (arr, b, k, hv)
        keys = Counter(
            self.canon(k) for *_, k, _e in cells if not (self.key == "float64" and is_nan_bits(k))
        )
        assert all(n == 1 for n in keys.values()), keys.most_common(3)
        if r.get("full"):
            self.full_dumps += 1
            if h["growing"] is False:
                assert all(c["arr"] == "new" for c in chains)
            if r.get("buckets", 0) is None:
                assert chains == [] and h["count"] == 0
            else:
                assert sorted(b for a, b in ids if a == "new") == list(range(mask + 1))
                if h["growing"]:
                    self.saw_old_chain = True
                    assert sorted(b for a, b in ids if a == "old") == list(range(old_len(h)))
                assert len(cells) == h["count"]
                assert set(keys) == set(self.d)
        elif name == "set" and not nan:
            ck = self.canon(op[1])
            hv = r["hash"]
            assert ("new", hv & mask) in ids
            where = [(a, b) for a, b, _t, k, _e in cells if self.canon(k) == ck]
            assert len(where) == 1
            if h["growing"]:
                self.saw_old_chain |= any(a == "old" for a, _ in ids)


def check_records(script: list[list[Any]], out: list[dict[str, Any]], key: str) -> Checker:
    ch = Checker(key)
    prev = None
    for op, r in zip(script, out, strict=True):
        ch.feed(op, r, prev)
        prev = r
    return ch


def key_of(kt: str, x: int) -> Any:
    if kt == "int64":
        return x * 7919 - 10**6
    if kt == "string":
        return f"k{x}\u00e9\U0001f600" if x % 11 == 0 else f"key-{x}"
    if kt == "float64":
        return fkey(x / 4)
    if kt == "struct":
        return [x % 37 - 18, f"s{x // 37}"]
    if kt == "array":
        return [x % 10, x // 10 % 10, -(x // 100)]
    return x  # bigkey


def random_script(kt: str, nops: int, seed: int, nkeys: int = 400) -> list[list[Any]]:
    r = random.Random(seed)
    script: list[list[Any]] = [["make", r.choice([0, 3, 9, 20, 100])]]
    open_iters: list[int] = []
    for _ in range(nops):
        c = r.random()
        k = key_of(kt, r.randrange(nkeys))
        if kt == "float64" and r.random() < 0.03:
            k = r.choice(["7ff8000000000001", "fff8000000000000", "8000000000000000"])
        if c < 0.55:
            script.append(["set", k, r.randrange(-50, 50)])
        elif c < 0.8:
            script.append(["del", k])
        elif c < 0.9:
            script.append(["get", k])
        elif c < 0.903:
            script.append(["clear"])
        elif c < 0.91:
            i = r.randrange(3)
            script.append(["iter", i])
            if i not in open_iters:
                open_iters.append(i)
        elif c < 0.99 and open_iters:
            script.append(["next", r.choice(open_iters)])
        elif c < 0.995 and open_iters:
            script.append(["stop", open_iters.pop()])
        else:
            script.append(["dump"])
    return script


# --------------------------------------------------------------------------- basic facts


def test_nine_inserts_grow_to_two_buckets() -> None:
    script = [["make", 0]] + [["set", k, k * 10] for k in range(1, 10)]
    out = run(script)
    assert out[0]["h"]["B"] == 0 and out[0]["full"] and out[0]["buckets"] is None
    eighth = out[8]
    assert eighth["h"]["count"] == 8 and eighth["h"]["B"] == 0
    (c,) = eighth["chains"]
    assert all(t >= 5 for t in c["chain"][0]["tophash"])
    ninth = out[9]
    h = ninth["h"]
    assert h["count"] == 9 and h["B"] == 1
    # the one old bucket is evacuated by the same insert, so growth already finished
    assert h["growing"] is False and h["nevacuate"] == 1
    assert ninth["full"] is True
    assert [(c["arr"], c["b"]) for c in ninth["chains"]] == [("new", 0), ("new", 1)]
    # The hash seed is random: all 9 keys land in one bucket with probability 1/128,
    # and only then does that bucket need an overflow bucket.
    chain_lengths = [len(c["chain"]) for c in ninth["chains"]]
    assert h["noverflow"] == sum(n - 1 for n in chain_lengths)
    assert h["noverflow"] == (1 if max(chain_lengths) == 2 else 0)
    assert len(list(live_cells(ninth["chains"]))) == 9
    check_records(script, out, "int64")


def test_tophash_is_top_byte_of_runtime_hash() -> None:
    script = [["make", 0]] + [["set", k, k] for k in range(40)]
    out = run(script, full_every=1)
    last = out[-1]
    hashes = {op[1]: r["hash"] for op, r in zip(script[1:], out[1:], strict=True)}
    assert len(set(hashes.values())) == 40
    mask = (1 << last["h"]["B"]) - 1
    seen = 0
    for arr, b, t, k, e in live_cells(last["chains"]):
        assert arr == "new" and e == k
        assert t == tophash(hashes[k]) and b == hashes[k] & mask
        seen += 1
    assert seen == 40 == last["h"]["count"]
    check_records(script, out, "int64")


def test_make_hint_preallocates() -> None:
    out = run([["make", 100]])
    h = out[0]["h"]
    assert h["B"] == 4 and h["count"] == 0  # 100 > 6.5*8, <= 6.5*16
    assert out[0]["full"] and len(out[0]["chains"]) == 16
    assert all(
        c["chain"][0]["tophash"] == [0] * 8 and len(c["chain"]) == 1 for c in out[0]["chains"]
    )
    out = run([["make", 8]])
    assert out[0]["h"]["B"] == 0 and out[0]["buckets"] is None


def test_hash0_changes_after_deleting_all_keys() -> None:
    script = [["make", 0]] + [["set", k, 1] for k in range(5)] + [["del", k] for k in range(5)]
    out = run(script)
    seeds = [r["h"]["hash0"] for r in out]
    assert len(set(seeds[:10])) == 1
    assert out[-1]["h"]["count"] == 0 and seeds[-1] != seeds[0]
    # the hash reported for an op is computed with the seed from before the op
    assert out[-1]["hash"] == out[5]["hash"]
    # deleting a missing key from an empty map leaves the seed alone
    out2 = run([*script, ["del", 99], ["clear"]])
    assert out2[-2]["h"]["hash0"] == out2[-3]["h"]["hash0"]
    # clear of an empty map returns early: no new seed either
    assert out2[-1]["h"]["hash0"] == out2[-2]["h"]["hash0"]


def test_nan_keys() -> None:
    nan = "7ff8000000000001"
    script = [
        ["make", 0],
        ["set", nan, 1],
        ["set", nan, 2],
        ["get", nan],
        ["del", nan],
        ["set", fkey(0.0), 3],
        ["set", fkey(-0.0), 4],
        ["get", fkey(0.0)],
    ]
    out = run(script, "float64")
    assert [r["h"]["count"] for r in out] == [0, 1, 2, 2, 2, 3, 3, 3]
    for r in out[1:5]:
        assert r["hash"] is None
    assert out[1]["full"] and out[2]["full"] and out[4]["full"]  # NaN set/del: hash unknown
    assert out[3]["found"] is False and out[3]["elem"] is None
    assert [k for *_, k, _e in live_cells(out[2]["chains"])] == [nan, nan]
    # +0 and -0 are the same key, and an overwrite stores the new key's bits
    assert out[5]["hash"] == out[6]["hash"]
    keys = [k for *_, k, _e in live_cells(out[6]["chains"])]
    assert fkey(-0.0) in keys and fkey(0.0) not in keys
    assert out[7]["found"] and out[7]["elem"] == 4
    check_records(script, out, "float64")


def test_iteration_yields_every_key_once() -> None:
    n = 300
    script: list[list[Any]] = [["make", 0]] + [["set", k, -k] for k in range(n)]
    script += [["iter", 7]] + [["next", 7]] * n
    out = run(script)
    its = out[n + 1 :]
    assert its[0]["h"]["flags"] & 3 == 3  # iterator | oldIterator
    assert 0 <= its[0]["start_bucket"] < 1 << its[0]["h"]["B"] and 0 <= its[0]["offset"] < 8
    got = [(r["key"], r["elem"]) for r in its if "key" in r]
    assert sorted(got) == [(k, -k) for k in range(n)]
    assert its[-1]["end"] is True and "key" not in its[-1]
    assert all("chains" not in r for r in its)
    check_records(script, out, "int64")


def test_iter_on_empty_map() -> None:
    out = run([["make", 0], ["iter", 1], ["next", 1], ["set", 1, 1], ["next", 1]])
    assert out[1]["end"] is True and out[1]["start_bucket"] is None and out[1]["it"] is None
    assert out[1]["h"]["flags"] == 0  # mapiterinit returns before setting flags on an empty map
    assert out[2]["end"] is True and out[4]["end"] is True


# --------------------------------------------------------------------------- growth


def test_growth_to_b10_with_open_iterator() -> None:
    script: list[list[Any]] = [["make", 0]] + [["set", k, k] for k in range(50)]
    script.append(["iter", 1])
    k = 50
    while k < 7000:
        script += [["set", k, k], ["set", k + 1, k + 1], ["next", 1]]
        if k % 5 == 0:
            script.append(["del", k - 25])
        k += 2
    script += [["next", 1]] * 200
    out = run(script, full_every=0, check=False)
    ch = check_records(script, out, "int64")
    assert out[-1]["h"]["B"] >= 10
    assert ch.saw_growing and ch.saw_old_chain and ch.saw_finish
    yielded = [r["key"] for r in out if r["op"] in ("iter", "next") and "key" in r]
    assert len(yielded) == len(set(yielded))
    deleted = {op[1] for op in script if op[0] == "del"}
    # keys present when the iterator started and never deleted are each seen exactly once
    assert set(range(50)) - deleted <= set(yielded)
    for r in out:
        if r["op"] == "next" and "key" in r:
            assert r["elem"] == r["key"]
        if "it" in r and r["it"] is not None and r["it"]["check_bucket"] is not None:
            assert r["it"]["check_bucket"] < 1 << r["it"]["B"]


def test_growth_shows_oldbuckets_then_finishes() -> None:
    script = [["make", 0]] + [["set", k, k] for k in range(120)]
    out = run(script, full_every=0)
    grow = [r for r in out if r["h"]["growing"]]
    assert grow, "inserting 120 keys must grow the table while it is observed"
    assert any(c["arr"] == "old" for r in grow for c in r.get("chains", []))
    starts = [
        i for i in range(1, len(out)) if out[i]["h"]["growing"] and not out[i - 1]["h"]["growing"]
    ]
    ends = [
        i for i in range(1, len(out)) if out[i - 1]["h"]["growing"] and not out[i]["h"]["growing"]
    ]
    assert starts and len(ends) >= len(starts) - 1
    for i in starts + ends:
        assert out[i]["full"] is True
    for i in starts:
        r = out[i]
        assert r["h"]["B"] == out[i - 1]["h"]["B"] + 1 and r["h"]["nevacuate"] >= 1
        olds = [c for c in r["chains"] if c["arr"] == "old"]
        assert len(olds) == old_len(r["h"])
        # evacuated old buckets carry evacuatedX/Y/Empty marks (2..4) in every cell
        for c in olds:
            ev = c["b"] < r["h"]["nevacuate"]
            if ev:
                assert all(2 <= t <= 4 for t in c["chain"][0]["tophash"])
    check_records(script, out, "int64")


def test_same_size_grow() -> None:
    # Churn at a constant 52 entries (the most B=3 holds) piles up overflow
    # buckets until tooManyOverflowBuckets triggers a same-size grow.
    r = random.Random(5)
    script: list[list[Any]] = [["make", 0]]
    live: list[int] = []
    nxt = 0
    while len(script) < 4000:
        if len(live) < 52:
            live.append(nxt)
            script.append(["set", nxt, nxt])
            nxt += 1
        else:
            script.append(["del", live.pop(r.randrange(len(live)))])
    out = run(script, full_every=0)
    ch = check_records(script, out, "int64")
    assert ch.saw_same_size
    assert max(r["h"]["B"] for r in out) == 3
    assert any(r["h"]["noverflow"] > 0 for r in out)


def test_clear_with_open_iterator() -> None:
    script: list[list[Any]] = [["make", 0]] + [["set", k, k] for k in range(100)]
    script += [["iter", 1], ["next", 1], ["clear"], ["next", 1], ["set", 5, 5], ["next", 1]]
    out = run(script)
    it, _, clr, after = out[101], out[102], out[103], out[104]
    assert "key" in it
    assert clr["full"] is True and clr["h"]["count"] == 0 and clr["h"]["hash0"] != it["h"]["hash0"]
    assert clr["h"]["B"] == it["h"]["B"] and not clr["h"]["growing"]
    assert clr["h"]["noverflow"] == 0 and clr["h"]["nevacuate"] == 0
    for c in clr["chains"]:
        for bk in c["chain"]:
            assert bk["tophash"] == [0] * 8
    assert after["end"] is True  # the cleared buckets read as emptyRest to the iterator
    check_records(script, out, "int64")


# --------------------------------------------------------------------------- all key types


@pytest.mark.parametrize("elem", ELEM_TYPES)
@pytest.mark.parametrize("key", KEY_TYPES)
def test_random_script_self_consistent(key: str, elem: str) -> None:
    script = random_script(key, 2500, seed=KEY_TYPES.index(key) * 2 + ELEM_TYPES.index(elem))
    out = run(script, key, elem, full_every=97)
    ch = check_records(script, out, key)
    assert ch.full_dumps >= 25
    for op, r in zip(script, out, strict=True):
        if op[0] == "set" and elem == "bigelem":
            cells = [e for *_, k, e in live_cells(r["chains"]) if hkey(k) == hkey(op[1])]
            if not (key == "float64" and is_nan_bits(op[1])):
                assert cells == [op[2]]


def test_indirect_key_and_elem_roundtrip() -> None:
    script = [["make", 0]] + [["set", k, 1000 + k] for k in range(30)] + [["get", 7], ["get", 99]]
    out = run(script, "bigkey", "bigelem", full_every=1)
    assert out[-2]["found"] and out[-2]["elem"] == 1007
    assert out[-1]["found"] is False and out[-1]["elem"] is None
    cells = {k: e for *_, k, e in live_cells(out[-1]["chains"])}
    assert cells == {k: 1000 + k for k in range(30)}


def test_string_and_struct_encodings() -> None:
    s = 'q"\\\n\u00e9\U0001f600'
    out = run([["make", 0], ["set", s, 1], ["dump"]], "string")
    assert [k for *_, k, _ in live_cells(out[2]["chains"])] == [s]
    out = run([["make", 0], ["set", [-5, s], 1], ["get", [-5, s]], ["get", [-5, "x"]]], "struct")
    assert out[2]["found"] and not out[3]["found"]
    assert [k for *_, k, _ in live_cells(out[1]["chains"])] == [[-5, s]]
    out = run([["make", 0], ["set", [1, -2, 32767], 1], ["dump"]], "array")
    assert [k for *_, k, _ in live_cells(out[2]["chains"])] == [[1, -2, 32767]]


def test_full_every() -> None:
    script = [["make", 0]] + [["set", k, k] for k in range(30)] + [["get", 1]] * 5
    out = run(script, full_every=1)
    assert all(r.get("full") for r in out)
    out = run(script, full_every=0)
    fulls = [r["i"] for r in out if r.get("full")]
    growth = [r["i"] for r in out[1:] if r["h"]["B"] != out[r["i"] - 1]["h"]["B"]]
    assert fulls[0] == 0 and fulls[1] == 1  # make; first insert allocates the buckets
    assert set(fulls) - {0, 1} <= set(growth) | {
        r["i"] for r in out[1:] if r["h"]["growing"] != out[r["i"] - 1]["h"]["growing"]
    }
    out = run(script, full_every=10)
    assert {0, 10, 20, 30} <= {r["i"] for r in out if r.get("full")}


# --------------------------------------------------------------------------- errors, speed


@pytest.mark.parametrize(
    ("script", "needle"),
    [
        ([["set", 1, 1]], "line 1"),
        ([["make", 0], ["set", 1]], "line 2"),
        ([["make", 0], ["set", 1.5, 1]], "line 2"),
        ([["make", 0], ["frob"]], "line 2"),
        ([["make", 0], ["next", 3]], "no iterator 3"),
        ([["make", 0], ["make", 0]], "line 2"),
    ],
)
def test_bad_script_exits_2(script: list[list[Any]], needle: str) -> None:
    with pytest.raises(HarnessError) as e:
        run(script, check=False)
    assert "exited with 2" in str(e.value) and needle in str(e.value)


def test_bad_flags_exit_2() -> None:
    binary = build_harness("classic")
    for args in (["-key", "int32", "-elem", "int64"], ["-key", "int64"], ["-nope"]):
        p = subprocess.run([str(binary), *args], input="", capture_output=True, text=True)
        assert p.returncode == 2 and p.stderr


@pytest.mark.slow
def test_200k_ops_are_fast() -> None:
    binary = build_harness("classic")
    import json

    text = "\n".join(json.dumps(op) for op in random_script("int64", 200_000, 1, nkeys=20_000))
    t = time.perf_counter()
    p = subprocess.run(
        [str(binary), "-key", "int64", "-elem", "int64"],
        input=text + "\n",
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    took = time.perf_counter() - t
    assert p.returncode == 0, p.stderr
    assert took < 15, f"200k ops took {took:.1f}s"
