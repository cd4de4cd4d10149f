"""maps.Clone and the rebuild advice in the model: GoMap.clone / copy.copy, the
engines' clone on both backends, the accounted clone's bytes, the CLONE and REBUILD
ops in the ops file and in simulate. (Against the real runtimes:
test_oracle_clone.py.)"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from gomap import GoMap
from gomap.errors import MapFatalError
from gomap.layout.maplayout import map_layout
from gomap.layout.types import parse_go_type
from gomap.memory import accounted_engine
from gomap.native import AVAILABLE
from gomap.ops import CLONE, MAKE, REBUILD, SET, Replayer
from gomap.sim.ops import KeyDomain, OpsFileError, parse_ops_lines
from gomap.sim.simulator import simulate

native = pytest.mark.skipif(not AVAILABLE, reason="the C extension is not built")

LAYOUTS = [("int64", "int64"), ("string", "int64"), ("[17]int64", "int64"),
           ("int64", "[20]int64"), ("string", "[8]string"), ("[20]string", "int64")]


def key_of(kt: str) -> Any:
    if kt == "int64":
        return lambda i: i * 7919
    if kt == "string":
        return lambda i: f"k{i}"
    if kt == "[17]int64":
        return lambda i: (i,) * 17
    return lambda i: (f"s{i}",) * 20


def value_of(vt: str) -> Any:
    """A value of Go type ``vt`` for entry i (typed maps check their values)."""
    if vt == "[20]int64":
        return lambda i: (i,) * 20
    if vt == "[8]string":
        return lambda i: (f"v{i}",) * 8
    return lambda i: i


def filled(impl: str, kt: str, vt: str, backend: str, n: int, d: int, go: str | None = None
           ) -> GoMap:
    m = GoMap(impl=impl, key_type=kt, value_type=vt, seed=5, backend=backend, go=go)
    k, v = key_of(kt), value_of(vt)
    for i in range(n):
        m[k(i)] = v(i)
    for i in range(d):
        del m[k(i)]
    return m


@native
@pytest.mark.parametrize("kt,vt", LAYOUTS)
def test_native_classic_clone_is_the_python_reference(kt: str, vt: str) -> None:
    """mapclone2 in C against HMap.clone, at B = 0 (the whole-bucket copy, or not for
    copied keys / indirect elems), mid-growth (old buckets re-inserted, or moved after
    deletes) and drained maps: the same buckets, the same bytes, and the clones go on
    the same way."""
    sizes = (0, 5, 9, 14, 53, 105, 833, 3329) if kt in ("int64", "string") else (0, 5, 9, 105)
    cases = [(n, d) for n in sizes for d in sorted({0, n // 3, max(n - 2, 0)})]
    if kt == "[17]int64":
        # 120 deletes right after the growth to B = 10 starts: the clone needs B = 9,
        # as big as the old array, whose buckets moveToBmap moves (keys shared)
        cases.append((3329, 120))
    for n, d in cases:
        ms = [filled("classic", kt, vt, b, n, d) for b in ("python", "native")]
        cs = [m.clone() for m in ms]
        assert cs[1].backend == "native"
        assert repr(cs[0].snapshot()) == repr(cs[1].snapshot()), (n, d)
        assert cs[0].memory() == cs[1].memory(), (n, d)
        k, v = key_of(kt), value_of(vt)
        for c in cs:
            for i in range(n, n + 40):
                c[k(i)] = v(i)
        assert repr(cs[0].snapshot()) == repr(cs[1].snapshot()), (n, d, "after")
        assert cs[0].memory() == cs[1].memory()
        cs[1].check_invariants()


@native
@pytest.mark.parametrize("kt,vt", LAYOUTS[:4])
def test_native_swiss_clone_is_accounted_as_the_python_reference(kt: str, vt: str) -> None:
    for n, d in ((0, 0), (6, 2), (9, 0), (3000, 2900) if kt != "[17]int64" else (200, 150)):
        ms = [filled("swiss", kt, vt, b, n, d) for b in ("python", "native")]
        cs = [m.clone() for m in ms]
        assert cs[0].memory() == cs[1].memory(), (n, d)
        assert repr(cs[0].snapshot()) == repr(cs[1].snapshot())


@pytest.mark.parametrize("backend", ["python", "native"] if AVAILABLE else ["python"])
@pytest.mark.parametrize("impl", ["classic", "swiss"])
def test_clone_and_copy_copy_keep_entries_types_and_independence(impl: str,
                                                                 backend: str) -> None:
    m = filled(impl, "string", "int64", backend, 300, 100)
    for c in (m.clone(), copy.copy(m)):
        assert type(c) is type(m) and c.impl == impl and c.backend == backend
        assert dict(c.items()) == dict(m.items())
        c["new"] = 1
        del c["k200"]
        assert "new" not in m and "k200" in m
        with pytest.raises(TypeError):
            c[3] = 1  # still a map[string]int64
    plain = GoMap(impl=impl, seed=2, backend=backend)
    plain.update({i: i for i in range(50)})
    seen: list[str] = []
    plain.subscribe(lambda e, d: seen.append(e))
    c = plain.clone()
    c[1000] = 1
    assert seen == [] or "clone" not in seen  # observers are not copied
    assert dict(c.items()) == {**{i: i for i in range(50)}, 1000: 1}


@pytest.mark.parametrize("go,want_B", [("1.21", 5), ("1.22", 4), ("1.23", 4), ("1.24", 4),
                                       ("1.25", 4)])
def test_classic_clone_is_sized_for_len_on_each_release(go: str, want_B: int) -> None:
    """mapclone2 is make(map, len(m)): 100 entries need B = 4 at load 6.5 (Go 1.22+),
    B = 5 at Go 1.21's load 6; the tombstones and excess buckets are gone."""
    m = filled("classic", "int64", "int64", "python", 5000, 4900, go=go)
    c = m.clone()
    assert want_B == c.engine.B and m.engine.B == 10
    assert c.engine.hash0 == m.engine.hash0  # the source's seed
    assert c.memory().live_bytes < m.memory().live_bytes // 10
    assert c.memory().allocated_bytes >= c.memory().live_bytes  # overflow lists regrow


def test_swiss_clone_keeps_the_shape_from_go_1_25_and_is_compact_on_1_24() -> None:
    src = {go: filled("swiss", "int64", "int64", "python", 5000, 4900, go=go)
           for go in ("1.24", "1.25", "1.27")}
    for go, m in src.items():
        c = m.clone()
        if go == "1.24":
            assert c.memory().live_bytes < m.memory().live_bytes // 10
            assert c.engine.seed != m.engine.seed
        else:
            assert c.memory().live_bytes == m.memory().live_bytes  # same tables
            assert c.stats().tombstones == m.stats().tombstones
            assert c.engine.seed == m.engine.seed


def test_indirect_keys_are_shared_without_needkeyupdate_and_copied_with_it() -> None:
    """moveToBmap shares an indirect key whose type needs no key update ([17]int64):
    live through the clone, not allocated by it; a [20]string key is copied."""
    shared = filled("classic", "[17]int64", "int64", "python", 100, 0).clone().memory()
    kb = map_layout("[17]int64", "int64").key_object_bytes
    assert shared.live_bytes - shared.allocated_bytes == 100 * kb
    copied = filled("classic", "[20]string", "int64", "python", 100, 0).clone().memory()
    assert copied.live_bytes == copied.allocated_bytes


def test_clone_during_a_write_is_fatal() -> None:
    m = GoMap(impl="classic", seed=1, backend="python")
    m.update({i: i for i in range(20)})
    with m.engine._writing, pytest.raises(  # a write under way (Go's hashWriting)
            MapFatalError, match="concurrent map clone and map write"):
        m.engine.clone()


def test_clone_and_rebuild_in_the_ops_file() -> None:
    dom = KeyDomain(parse_go_type("int64"))
    ops = list(parse_ops_lines(["make 4", "set 1", "clone", "rebuild  # comment"], dom))
    assert ops == [(MAKE, 4), (SET, 1), (CLONE, None), (REBUILD, None)]
    with pytest.raises(OpsFileError, match="clone takes no argument"):
        list(parse_ops_lines(["clone 3"], dom))


@pytest.mark.parametrize("impl", ["classic", "swiss"])
def test_replayer_clone_and_rebuild_replace_the_engine(impl: str) -> None:
    e = accounted_engine(impl, 0, map_layout("int64", "int64"), go=None)
    r = Replayer(engine=e)
    for i in range(2000):
        r.apply((SET, i))
    it_old = e.iterator()
    r.apply((CLONE, None))
    assert r.engine is not e and len(r.engine) == 2000
    r.apply((REBUILD, None))
    assert len(r.engine) == 2000
    assert it_old.next() is not None  # an open loop goes on over the old map


@pytest.mark.parametrize("backend", ["python", "native"] if AVAILABLE else ["python"])
@pytest.mark.parametrize("impl", ["classic", "swiss"])
def test_simulate_accounts_for_clone_and_rebuild(impl: str, backend: str,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """After a clone the report's live bytes are the clone's, its allocated bytes add
    up every map's, and the peak counts both maps during the copy."""
    monkeypatch.setenv("GOMAP_BACKEND", backend)
    ops: list[Any] = [(MAKE, 0), *((SET, i) for i in range(4000)),
                      *((3, i) for i in range(3900))]  # DEL = 3
    base = simulate(impl, "int64", "int64", ops)
    cloned = simulate(impl, "int64", "int64", [*ops, (CLONE, None)])
    rebuilt = simulate(impl, "int64", "int64", [*ops, (REBUILD, None)])
    assert rebuilt.live_bytes == base.rebuild["live_bytes"]  # the advice's own figure
    assert rebuilt.allocated_bytes > base.allocated_bytes
    assert cloned.peak_live_bytes >= base.peak_live_bytes
    if impl == "classic":
        assert cloned.live_bytes < base.live_bytes // 10
    else:
        assert cloned.live_bytes == base.live_bytes


def test_cli_simulates_clone_and_trace_refuses_it(tmp_path: Any) -> None:
    import json
    import os
    import subprocess
    import sys

    ops = tmp_path / "w.ops"
    ops.write_text("".join(f"set {i}\n" for i in range(3000)) +
                   "".join(f"del {i}\n" for i in range(2900)) + "clone\n")
    env = dict(os.environ, GOMAP_BACKEND="python")
    p = subprocess.run([sys.executable, "-m", "gomap", "simulate", "--impl", "classic", "--ops",
                        str(ops), "--json", "-", "-q"], capture_output=True, text=True, env=env,
                       timeout=300)
    assert p.returncode == 0, p.stderr
    rep = json.loads(p.stdout)
    assert rep["entries"] == 100 and rep["live_bytes"] < rep["peak_live_bytes"] // 10
    assert rep["scan_bytes"] > 0  # the hmap, at least
    p = subprocess.run([sys.executable, "-m", "gomap", "trace", "--ops", str(ops), "-o",
                        str(tmp_path / "t.jsonl")], capture_output=True, text=True, env=env,
                       timeout=300)
    assert p.returncode == 2 and "clone and rebuild replace the map" in p.stderr


def _overloaded_in_same_size_growth(go: str) -> Any:
    """A classic map of 16 buckets over its load factor (105 > 6.5 * 16) in the middle
    of a same-size growth: 15 chains get an overflow bucket and lose their main cells
    (noverflow 15), the map refills to 102, a 16th overflow bucket comes, the next
    insert starts a same-size growth (tooManyOverflowBuckets; 104 entries fit) and one
    more makes 105 — inserts during a growth never start a doubling."""
    from gomap.classic.hmap import HMap

    hashes: dict[int, int] = {}
    nxt = [0]

    def key_in(bucket: int) -> int:
        k = nxt[0]
        nxt[0] += 1
        hashes[k] = ((0x80 | (k & 0x3F)) << 56) | bucket
        return k

    h = HMap(100, hasher=lambda k, seed: hashes[k], rand=lambda: 7, go=go)
    assert h.B == 4
    for c in range(15):
        ks = [key_in(c) for _ in range(9)]
        for k in ks:
            h.assign(k, k)
        for k in ks[:8]:
            h.delete(k)
    assert (h.count, h.noverflow) == (15, 15)
    for _ in range(8):
        k = key_in(15)
        h.assign(k, k)
    for i in range(79):
        k = key_in(i % 13)
        h.assign(k, k)
    assert (h.count, h.noverflow, h.growing()) == (102, 15, False)
    k = key_in(15)
    h.assign(k, k)  # bucket 15 is full: the 16th overflow bucket
    k = key_in(0)
    h.assign(k, k)  # tooManyOverflowBuckets: a same-size growth
    assert h.growing() and h.is_same_size_grow() and h.count == 104
    k = key_in(1)
    h.assign(k, k)
    assert h.growing() and h.count == 105  # over the load factor of B = 4
    return h


def test_clone_of_an_overloaded_map_golang_go_69110() -> None:
    """Go 1.23's mapclone2 caps the clone's hint at the source's bucket count
    (clone_clamps_hint); Go 1.22 sizes it for count and reads past the source's
    bucket array: the model refuses."""
    h = _overloaded_in_same_size_growth("1.23")
    c = h.clone()
    assert c.B == h.B == 4 and c.count == 105
    c.check_invariants()
    assert {k: v for k, v in _pairs(c)} == {k: v for k, v in _pairs(h)}
    h22 = _overloaded_in_same_size_growth("1.22")
    with pytest.raises(MapFatalError, match="69110"):
        h22.clone()


def _pairs(h: Any) -> list[tuple[Any, Any]]:
    it = h.iterator()
    out = []
    while (kv := it.next()) is not None:
        out.append(kv)
    return out
