"""Key kinds beyond the original six against the real runtimes: complex64 and
complex128 keys (±0 parts, infinities; hashed as two floats, stored anew on update) and pointer
keys (object n of the run, hashed by address; Swiss: the fast64ptr path), on both
engines, the pinned releases and classic 1.22 / 1.24 (Swiss 1.24 too); interface
keys (``any`` holding int64, string, float64, struct and pointer values: 5 and 5.0 are different
keys, -0.0 is the key 0.0, stored anew; NaNs inside, their random hashes rebuilt
from where the runtime put them); channel keys (channel n of the run, hashed by
address like pointers); and the pointer-key pruning rule of Go 1.27
(prune_on_ptr_keys, pointer and channel keys), needed both ways."""

from __future__ import annotations

import pytest

from gomap.oracle.classic_driver import replay_classic
from gomap.oracle.swiss_driver import replay_swiss
from gomap.oracle.workloads import SWISS_SHAPES, random_script, shape_clone
from gomap.versions import pinned_release
from tests.support.oracle import require_go

CLASSIC_GO = pinned_release("classic")
SWISS_GO = pinned_release("swiss")

pytestmark = pytest.mark.oracle

RUNS = [("classic", go, k) for go in (CLASSIC_GO, "1.22.10", "1.24.11")
        for k in ("complex64", "complex128", "pointer", "chan", "any")] + [
    ("swiss", go, k) for go in (SWISS_GO, "1.24.11")
    for k in ("complex64", "complex128", "pointer", "chan", "any")]


@pytest.mark.parametrize("impl,go,key", RUNS, ids=[f"{i}-{g}-{k}" for i, g, k in RUNS])
def test_key_kind_matches_the_runtime(impl: str, go: str, key: str) -> None:
    require_go(go)
    replay = replay_classic if impl == "classic" else replay_swiss
    script = random_script(key, 3000, 2)
    r = replay(script, key, "int64", go=go)
    assert r.ok, str(r.divergence)
    if key == "any":  # every dynamic type was set, looked up and deleted
        kinds = {(op[0], op[1].type) for op in script if op[0] in ("set", "get", "del")}
        assert kinds == {(o, t) for o in ("set", "get", "del")
                         for t in ("int64", "string", "float64", "struct", "pointer")}
        nans = sum(1 for op in script if op[0] == "set" and op[1] != op[1])
        assert nans > 0  # NaNs inside interfaces: hashes rebuilt from their placement
    if go in (CLASSIC_GO, SWISS_GO):
        r = replay(shape_clone(key, 1), key, "int64", go=go)
        assert r.ok, f"clone: {r.divergence}"


@pytest.mark.parametrize("go", ["1.27.3", "1.25.5"])
def test_nan_inside_an_interface_splits_like_a_float64_nan(go: str) -> None:
    """map[any]int64 with float64 NaNs inside: a NaN insert that splits its table is
    placed by a hash rebuilt from where the runtime put it (some seeds only: one of
    three runs must reach the split)."""
    require_go(go)
    for _ in range(3):
        r = replay_swiss(SWISS_SHAPES["nan_split"]("any", 3), "any", "int64", go=go)
        assert r.ok, str(r.divergence)
        assert r.events.get("split", 0) >= 2 and any("NaN" in n for n in r.notes)
        if r.events.get("nan:insertSplit", 0) >= 1:
            return
    raise AssertionError(f"no NaN insert split its table in 3 runs: {r.events}")


@pytest.mark.parametrize("key", ["pointer", "chan"])
@pytest.mark.parametrize("go,other", [("1.25.5", "1.27.3"), ("1.27.3", "1.26.6")])
def test_pointer_keys_prune_from_go_1_27_only(go: str, other: str, key: str) -> None:
    """Churn on map[*T]int64 and map[chan int64]int64: mapassign_fast64ptr prunes
    tombstones on 1.27, grows on 1.25/1.26; modelling the other release diverges."""
    require_go(go)
    script = SWISS_SHAPES["tombstone_churn"](key, 1)
    r = replay_swiss(script, key, "int64", go=go)
    assert r.ok, str(r.divergence)
    pruned = r.events.get("pruneTombstones", 0)
    assert (pruned > 0) == (go == "1.27.3")
    wrong = replay_swiss(script, key, "int64", go=go, model_go=other)
    assert not wrong.ok


@pytest.mark.parametrize("impl,go", [("classic", CLASSIC_GO), ("swiss", SWISS_GO)])
@pytest.mark.parametrize("key,elem", [("complex64", "int64"), ("complex128", "int64"),
                                      ("*int64", "int64"), ("chan int64", "int64"),
                                      ("any", "int64"), ("int64", "any")])
def test_key_kind_bytes_match_the_runtime(impl: str, go: str, key: str, elem: str) -> None:
    """The memory oracle with complex64 and complex128 keys (complex(n, 0)), pointer and
    channel keys and interface keys (made or boxed before measuring), and interface
    elems: allocations, live bytes and the GC's scan work (an interface's type word
    is not in the GC's bitmap: only its data word is scanned)."""
    from gomap.oracle.memory_driver import replay_matrix_pair

    require_go(go)
    r = replay_matrix_pair(impl, key, elem, shapes=["fill", "churn", "mix", "clone_growing"],
                           go=go)
    assert r.ok, str(r.divergence)
    assert r.unknown_hashes == 0 and r.scan_checks == r.live_checks > 1000


def test_an_interface_is_scanned_by_its_data_word_only() -> None:
    """cmd/compile's typebits leaves an interface's type/itab word out of the GC's
    bitmap: a map[int64]any bucket's scan work ends at the last data word (the memory
    oracle above diverges by 8 or 16 bytes with both words)."""
    from gomap.layout.types import parse_go_type, pointer_offsets

    assert pointer_offsets(parse_go_type("any")) == (8,)
    assert pointer_offsets(parse_go_type("struct{a any; b string}")) == (8, 16)


@pytest.mark.parametrize("impl,go", [("classic", CLASSIC_GO), ("swiss", SWISS_GO)])
def test_interface_keys_compare_by_dynamic_type_and_store_the_new_key(impl: str,
                                                                        go: str) -> None:
    """any(0.0), any(int64(0)), then any(-0.0): two keys (the dynamic types differ),
    and the update stores -0.0 (compared bit for bit in the dumps)."""
    from gomap.gokeys import IfaceKey

    require_go(go)
    replay = replay_classic if impl == "classic" else replay_swiss
    script = [["make", 0], ["set", IfaceKey(0.0, "float64"), 1],
              ["set", IfaceKey(0, "int64"), 2], ["set", IfaceKey(-0.0, "float64"), 3],
              ["get", IfaceKey(0.0, "float64")], ["dump"]]
    r = replay(script, "any", "int64", go=go)
    assert r.ok, str(r.divergence)
    assert r.compared > 0


NAN_MEMORY_RUNS = [("classic", go) for go in (CLASSIC_GO, "1.22.10", "1.24.11")] + [
    ("swiss", go) for go in (SWISS_GO, "1.24.11")]
IFACE_SHAPES = ["iface_nan_1", "iface_nan_2", "iface_nan_grow"]


@pytest.mark.parametrize("impl,go", NAN_MEMORY_RUNS, ids=[f"{i}-{g}" for i, g in NAN_MEMORY_RUNS])
def test_interface_keys_with_nans_match_the_runtime_bytes(impl: str, go: str) -> None:
    """The memory oracle with map[any]int64 keys of five dynamic types and NaNs among
    them: bytes, allocations, live and scan bytes after every op. A NaN's runtime
    hash is random; the harness reports where each NaN is after every op and the
    model is given a hash that puts it there (NaN sets that grow the classic map or
    grow a Swiss table, NaN deletes during classic growths)."""
    from gomap.gokeys import IfaceKey
    from gomap.oracle.keys import nan_bits
    from gomap.oracle.memory_driver import replay_matrix_pair, shape_ops

    require_go(go)
    kinds = {k.type for s in IFACE_SHAPES for _, k in shape_ops(s, "any", "int64")
             if isinstance(k, IfaceKey) and nan_bits(k) is None}
    assert kinds == {"int64", "string", "float64", "struct", "pointer"}
    r = replay_matrix_pair(impl, "any", "int64", shapes=IFACE_SHAPES, go=go)
    assert r.ok, str(r.divergence)
    assert r.unknown_hashes == 0 and r.scan_checks == r.live_checks > 900
    assert r.events["NaN set"] > 200
    if impl == "classic":
        assert r.events["grow"] >= 27 and r.events["NaN del during a growth"] > 0
    else:
        assert r.events["split"] > 0 and r.events["nan:insertGrew"] > 0


@pytest.mark.parametrize("impl", ["classic", "swiss"])
def test_a_nan_put_elsewhere_diverges(impl: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The controls: the model is told a NaN is elsewhere than where the runtime put
    it, and its bytes or map header differ. Classic: each new NaN one bucket off.
    Swiss: every NaN in the other half at each of the first three splits (within a
    table, where a NaN sits changes no byte: it is never deleted alone)."""
    from gomap.oracle import nans
    from gomap.oracle.memory_driver import replay_matrix_pair

    require_go(CLASSIC_GO if impl == "classic" else SWISS_GO)
    if impl == "classic":
        right = nans.ClassicNaNs.set_hash
        monkeypatch.setattr(nans.ClassicNaNs, "set_hash",
                            lambda self, bits, i: right(self, bits, i) ^ 1)
    else:
        placed = nans.SwissNaNs.hash
        monkeypatch.setattr(nans.SwissNaNs, "hash",
                            lambda self, key: placed(self, key) ^ (7 << 61))
    r = replay_matrix_pair(impl, "any", "int64", shapes=IFACE_SHAPES)
    assert not r.ok


@pytest.mark.parametrize("impl,go", NAN_MEMORY_RUNS, ids=[f"{i}-{g}" for i, g in NAN_MEMORY_RUNS])
def test_string_edges_match_the_runtime_bytes(impl: str, go: str) -> None:
    """The memory oracle with string keys at their edges (empty, NULs, multi-byte
    UTF-8, 4 KiB and 64 KiB keys differing in their last byte) set, looked up,
    deleted and set again through growths, ranges and clones."""
    from gomap.oracle.memory_driver import replay_matrix_pair

    require_go(go)
    r = replay_matrix_pair(impl, "string", "int64", shapes=["string_edges"], go=go)
    assert r.ok, str(r.divergence)
    assert r.unknown_hashes == 0 and r.scan_checks == r.live_checks > 20
    assert r.events["clone"] == 3
