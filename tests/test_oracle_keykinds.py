"""Key kinds beyond the original six against the real runtimes: complex64 and
complex128 keys (±0 parts, infinities; hashed as two floats, stored anew on update) and pointer
keys (object n of the run, hashed by address; Swiss: the fast64ptr path), on both
engines, the pinned releases and classic 1.22 / 1.24; and the pointer-key pruning
rule of Go 1.27 (prune_on_ptr_keys), needed both ways."""

from __future__ import annotations

import pytest

from gomap.oracle.classic_driver import replay_classic
from gomap.oracle.swiss_driver import replay_swiss
from gomap.oracle.workloads import SWISS_SHAPES, random_script, shape_clone

from .oracle_support import require_go

pytestmark = pytest.mark.oracle

RUNS = [("classic", go, k) for go in ("1.23.9", "1.22.10", "1.24.11")
        for k in ("complex64", "complex128", "pointer")] + [
    ("swiss", "1.27.3", k) for k in ("complex64", "complex128", "pointer")]


@pytest.mark.parametrize("impl,go,key", RUNS, ids=[f"{i}-{g}-{k}" for i, g, k in RUNS])
def test_key_kind_matches_the_runtime(impl: str, go: str, key: str) -> None:
    require_go(go)
    replay = replay_classic if impl == "classic" else replay_swiss
    r = replay(random_script(key, 3000, 2), key, "int64", go=go)
    assert r.ok, str(r.divergence)
    if go in ("1.23.9", "1.27.3"):
        r = replay(shape_clone(key, 1), key, "int64", go=go)
        assert r.ok, f"clone: {r.divergence}"


@pytest.mark.parametrize("go,other", [("1.25.5", "1.27.3"), ("1.27.3", "1.26.6")])
def test_pointer_keys_prune_from_go_1_27_only(go: str, other: str) -> None:
    """Churn on map[*T]int64: mapassign_fast64ptr prunes tombstones on 1.27, grows on
    1.25/1.26; modelling the other release diverges."""
    require_go(go)
    script = SWISS_SHAPES["tombstone_churn"]("pointer", 1)
    r = replay_swiss(script, "pointer", "int64", go=go)
    assert r.ok, str(r.divergence)
    pruned = r.events.get("pruneTombstones", 0)
    assert (pruned > 0) == (go == "1.27.3")
    wrong = replay_swiss(script, "pointer", "int64", go=go, model_go=other)
    assert not wrong.ok


@pytest.mark.parametrize("impl,go", [("classic", "1.23.9"), ("swiss", "1.27.3")])
@pytest.mark.parametrize("key", ["complex64", "complex128", "*int64"])
def test_key_kind_bytes_match_the_runtime(impl: str, go: str, key: str) -> None:
    """The memory oracle with complex64 and complex128 keys (complex(n, 0)) and pointer keys (made
    before measuring): allocations, live bytes and the GC's scan work."""
    from gomap.oracle.memory_driver import replay_matrix_pair

    require_go(go)
    r = replay_matrix_pair(impl, key, "int64", shapes=["fill", "churn", "mix", "clone_growing"],
                           go=go)
    assert r.ok, str(r.divergence)
    assert r.unknown_hashes == 0 and r.scan_checks == r.live_checks > 1000
