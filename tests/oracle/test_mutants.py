"""The oracle selection that scripts/mutate runs each mutant of the engines against
(docs/SIMULATE.md, "Mutation testing"): the shapes that reach the thresholds and
off-by-ones the mutants move, on the real runtimes. Each test also stands on its
own: the model must match the runtime, and the shape must reach its path."""

from __future__ import annotations

import pytest

from gomap.oracle import workloads
from gomap.oracle.classic_driver import replay_classic
from gomap.oracle.memory_driver import replay_matrix_pair
from gomap.oracle.swiss_driver import replay_swiss
from gomap.versions import pinned_release
from tests.support.oracle import require_go

pytestmark = pytest.mark.oracle


@pytest.mark.parametrize("go", [pinned_release("swiss"), "1.25.5"])
def test_prune_thresholds_match_the_runtime(go: str) -> None:
    """Tables of 64 and 128 slots reaching pruneTombstones with 7 / 13-14 tombstones
    (both 10% thresholds, from each side): the model prunes exactly when Go does."""
    require_go(go)
    r = replay_swiss(workloads.shape_prune_thresholds("int64", 1), "int64", "int64", go=go)
    assert r.ok, str(r.divergence)
    assert r.events.get("pruneTombstones", 0) >= 20  # prunes that freed slots
    assert r.events.get("pruneTombstones(skipped)", 0) >= 20


def test_swiss_growth_shapes_match_the_runtime() -> None:
    require_go(pinned_release("swiss"))
    for name in ("small_to_table", "grow_to_1024", "small_full_update"):
        fn = workloads.SWISS_SHAPES.get(name) or workloads.VERSION_SHAPES[name]
        r = replay_swiss(fn("int64", 1), "int64", "int64")
        assert r.ok, f"{name}: {r.divergence}"


def test_classic_growth_and_clone_shapes_match_the_runtime() -> None:
    require_go(pinned_release("classic"))
    for name in ("churn_small", "steady_growth"):
        r = replay_classic(workloads.SHAPES[name]("int64", 1), "int64", "int64")
        assert r.ok, f"{name}: {r.divergence}"
        if name == "churn_small":
            assert r.events.get("hashGrow(sameSize)", 0) > 0
    for key, elem in (("int64", "int64"), ("bigkey", "int64")):
        r = replay_classic(workloads.shape_clone(key, 1), key, elem)
        assert r.ok, f"clone {key}: {r.divergence}"


def test_classic_overflow_memory_matches_the_runtime() -> None:
    """Pre-allocated overflow buckets and the unlinking of old chains show only in the
    bytes: the memory oracle on pointer-free and pointerful buckets."""
    require_go(pinned_release("classic"))
    for key, elem in (("int64", "int64"), ("string", "int64")):
        r = replay_matrix_pair("classic", key, elem, shapes=["fill", "churn", "mix"])
        assert r.ok, f"{key}->{elem}: {r.divergence}"
