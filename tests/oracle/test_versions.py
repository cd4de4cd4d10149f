"""Every supported Go release against its own real runtime (docs/VERSIONS.md).

The pinned releases (Go 1.23.9 classic, Go 1.27.3 Swiss) run today's op counts in
test_oracle.py / test_oracle_swiss.py / the memory tests; here every other
supported release runs a smaller random count (GOMAP_VERSION_OPS, default 5,000 per
key type) plus the named shapes that reach the rules that differ between releases,
on the state harness and the memory harness, and every release (pinned ones too)
runs the version shapes. The switch tests then flip one rule of a release's
behaviour record and require the oracle to notice: each rule is needed, so the
oracle can tell the releases apart.
"""

from __future__ import annotations

import os
from dataclasses import replace
from typing import Any

import pytest

from gomap.oracle import workloads
from gomap.oracle.classic_driver import replay_classic
from gomap.oracle.memory_driver import replay_matrix_pair
from gomap.oracle.swiss_driver import replay_swiss
from gomap.oracle.toolchain import find_go
from gomap.versions import go_behaviour, pinned_release
from tests.support.oracle import require_go

pytestmark = pytest.mark.oracle

EXTRA = [("classic", "1.21.13"), ("classic", "1.22.10"), ("classic", "1.24.11"),
         ("classic", "1.25.5"), ("swiss", "1.24.11"), ("swiss", "1.25.5"),
         ("swiss", "1.26.6")]
"""The releases beyond the pinned ones, with the map design each is run for
(1.24 and 1.25 both: Swiss by default, classic under GOEXPERIMENT=noswissmap)."""
PINNED = [(impl, pinned_release(impl)) for impl in ("classic", "swiss")]

SHAPES = {
    "classic": ["steady_growth", "clear", "clear_during_growth_iter", "drain_refill"],
    "swiss": ["small_full_update", "drain_then_clear", "tombstone_churn", "small_to_table",
              "clear_large"],
}
"""The version shapes per design: the paths where releases differ."""


def version_ops() -> int:
    return int(os.environ.get("GOMAP_VERSION_OPS", "5000"))


def replay(impl: str) -> Any:
    return replay_classic if impl == "classic" else replay_swiss


def shape(name: str, key_type: str) -> list[list[Any]]:
    fn = (workloads.VERSION_SHAPES.get(name) or workloads.SWISS_SHAPES.get(name)
          or workloads.SHAPES[name])
    return fn(key_type, 1)


@pytest.mark.parametrize(("impl", "go"), EXTRA)
@pytest.mark.parametrize("key_type", ["int64", "string"])
def test_random_operations_match_each_release(impl: str, go: str, key_type: str) -> None:
    require_go(go)
    r = replay(impl)(workloads.random_script(key_type, version_ops(), seed=21), key_type,
                     "int64", go=go)
    assert r.divergence is None, str(r.divergence)
    assert r.go == go and r.ops - 1 == version_ops() and r.full_checks > 0


@pytest.mark.parametrize(("impl", "go"), EXTRA + PINNED)
@pytest.mark.parametrize("key_type", ["int64", "float64"])
def test_version_shapes_match_each_release(impl: str, go: str, key_type: str) -> None:
    require_go(go)
    for name in SHAPES[impl]:
        r = replay(impl)(shape(name, key_type), key_type, "int64", go=go)
        assert r.divergence is None, f"{name}: {r.divergence}"


def test_an_older_patch_release_matches_too() -> None:
    # Go 1.24.3 and 1.24.11 have the same map code; the oracle builds with either.
    # The toolchain install takes the newest patch of each minor only, so this
    # release is installed here, lazily, where a missing toolchain must not skip.
    if os.environ.get("GOMAP_REQUIRE_ORACLE") == "1":
        find_go("1.24.3", install=True)
    require_go("1.24.3")
    r = replay_swiss(shape("tombstone_churn", "string"), "string", "int64", go="1.24.3")
    assert r.divergence is None and r.go == "1.24.3"
    assert r.events.get("pruneTombstones", 0) == 0


def test_churn_prunes_from_go_1_25_and_grows_on_1_24() -> None:
    # golang/go#70886 on the real runtimes: the same churn, no prune on 1.24.
    require_go("1.24.11")
    require_go("1.25.5")
    s = shape("tombstone_churn", "int64")
    r24 = replay_swiss(s, "int64", "int64", go="1.24")
    r25 = replay_swiss(s, "int64", "int64", go="1.25")
    assert r24.ok and r25.ok
    assert r24.events.get("pruneTombstones", 0) == 0 < r25.events["pruneTombstones"]
    assert r24.events.get("tableGrow", 0) + r24.events.get("split", 0) > (
        r25.events.get("tableGrow", 0) + r25.events.get("split", 0))


SWITCHES = [
    # (design, harness release, switch, flipped value, shape, key type)
    ("swiss", "1.24.11", "prune_tombstones", True, "tombstone_churn", "string"),
    ("swiss", "1.25.5", "prune_tombstones", False, "tombstone_churn", "int64"),
    ("swiss", "1.24.11", "tombstone_possible", True, "drain_then_clear", "int64"),
    ("swiss", "1.25.5", "tombstone_possible", False, "drain_then_clear", "int64"),
    ("swiss", "1.26.6", "small_update_in_place", True, "small_full_update", "int64"),
    ("swiss", "1.27.3", "small_update_in_place", False, "small_full_update", "int64"),
    ("classic", "1.21.13", "load_factor_num", 13, "steady_growth", "int64"),
    ("classic", "1.22.10", "load_factor_num", 12, "steady_growth", "int64"),
    ("classic", "1.23.9", "hmap_clear_seq", True, "clear_during_growth_iter", "int64"),
    ("classic", "1.24.11", "hmap_clear_seq", False, "clear_during_growth_iter", "int64"),
]


@pytest.mark.parametrize(("impl", "go", "switch", "value", "shape_name", "key_type"), SWITCHES)
def test_each_rule_is_needed(impl: str, go: str, switch: str, value: Any, shape_name: str,
                             key_type: str) -> None:
    require_go(go)
    real = go_behaviour(go, impl)
    wrong = replace(real, **{switch: value})
    s = shape(shape_name, key_type)
    assert replay(impl)(s, key_type, "int64", go=real).ok
    r = replay(impl)(s, key_type, "int64", go=real, model_go=wrong)
    assert r.divergence is not None, f"{switch}={value} went unnoticed on Go {go}"


MEMORY_PAIRS = [("int64", "int64"), ("string", "[8]string"), ("[17]int64", "int64")]


@pytest.mark.parametrize(("impl", "go"), EXTRA)
@pytest.mark.parametrize(("key", "elem"), MEMORY_PAIRS)
def test_memory_matches_each_release(impl: str, go: str, key: str, elem: str) -> None:
    require_go(go)
    r = replay_matrix_pair(impl, key, elem, go=go)
    assert r.divergence is None, str(r.divergence)
    assert r.go == go and r.ops > 20_000


@pytest.mark.parametrize(("go", "switch", "value", "key", "elem"), [
    # A pointerful bucket array over 512 bytes on every seed: the growth to B = 2
    # (4 buckets of 144 B = 576 B; with the header, 584 B in a 640-byte class).
    ("1.21.13", "malloc_header", True, "[17]int64", "int64"),
    ("1.24.11", "hmap_clear_seq", False, "int64", "int64"),
])
def test_memory_rules_are_needed(go: str, switch: str, value: Any, key: str,
                                 elem: str) -> None:
    require_go(go)
    real = go_behaviour(go, "classic")
    r = replay_matrix_pair("classic", key, elem, shapes=["fill"], go=real,
                           model_go=replace(real, **{switch: value}))
    assert r.divergence is not None and r.divergence.field.startswith("allocated")
