"""The classic engine against the real Go 1.23 runtime: state-exact, every operation.

Each test runs a script through the Go harness and through the model with the
runtime's hashes and random draws, and requires zero divergences. The fault tests
break the model on purpose and require the oracle to notice.
"""

from __future__ import annotations

from typing import Any

import pytest

import gomap.classic.hmap as hmap_mod
from gomap.classic.iter import HIter
from gomap.oracle import workloads
from gomap.oracle.classic_driver import Result, default_backends, replay_classic
from gomap.oracle.keys import KEY_TYPES
from gomap.versions import pinned_release
from tests.support.oracle import (
    assert_exact,
    assert_random_scripts_exact,
    require_go,
)

pytestmark = pytest.mark.oracle


@pytest.fixture(autouse=True)
def _go() -> None:
    require_go(pinned_release("classic"))


def test_the_oracle_checks_both_backends() -> None:
    from gomap.native import AVAILABLE

    if not AVAILABLE:
        pytest.skip("the C extension is not built")
    assert default_backends() == ("python", "native")
    r = replay_classic(workloads.random_script("int64", 3000, seed=5), "int64", "int64",
                       backends=("native",))
    assert_exact(r)


@pytest.mark.parametrize("key_type", KEY_TYPES)
def test_random_operations_match_the_runtime(key_type: str) -> None:
    assert_random_scripts_exact(replay_classic, key_type)


@pytest.mark.parametrize("key_type", ["int64", "string"])
def test_indirect_elems_match_the_runtime(key_type: str) -> None:
    r = replay_classic(workloads.random_script(key_type, 30_000, seed=7), key_type, "bigelem")
    assert_exact(r)


SHAPES = [s for s in workloads.SHAPES if s != "big_b"]


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("key_type", KEY_TYPES)
def test_named_shapes_match_the_runtime(shape: str, key_type: str) -> None:
    r = replay_classic(workloads.SHAPES[shape](key_type, 3), key_type, "int64")
    assert_exact(r)
    if shape == "steady_growth":
        assert r.max_B >= 10
    if shape.startswith("churn"):
        assert r.events.get("hashGrow(sameSize)", 0) > 0, r.events
    if shape == "clear":
        assert r.events.get("clear", 0) >= 4


def test_map_beyond_b16_matches_the_runtime_with_random_overflow_counting() -> None:
    script = workloads.shape_big_b("int64", 5)
    r = replay_classic(script, "int64", "int64", full_every=0)
    assert_exact(r)
    assert r.max_B >= 16


# --- the oracle notices a wrong model ------------------------------------------------
def replay_python(*args: Any, **kw: Any) -> Result:
    """The faults below break the Python reference: check that backend only."""
    return replay_classic(*args, backends=("python",), **kw)


def _small_script(key_type: str = "int64") -> list[list[object]]:
    return workloads.random_script(key_type, 20_000, seed=99)


def test_oracle_catches_a_wrong_load_factor(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hmap_mod, "over_load_factor",
                        lambda c, B, num=13: c > 8 and c > 7 * (1 << B))
    r = replay_python(workloads.shape_steady_growth("int64", 1, n=500), "int64", "int64")
    assert r.divergence is not None
    assert r.divergence.field in ("hmap.B", "hmap.growing", "hmap.nevacuate", "bucket chain")


def test_oracle_catches_growwork_that_evacuates_only_one_bucket(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def grow_work_one(self: hmap_mod.HMap, bucket: int) -> None:
        self.evacuate(bucket & self.oldbucketmask())

    monkeypatch.setattr(hmap_mod.HMap, "grow_work", grow_work_one)
    r = replay_python(_small_script(), "int64", "int64")
    assert r.divergence is not None


def test_oracle_catches_evacuated_buckets_not_being_cleared(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # string keys hold pointers: Go clears and unlinks evacuated old buckets.
    import gomap.oracle.classic_driver as drv

    real = drv.classic_layout

    def no_pointers(k: str, e: str) -> hmap_mod.BucketLayout:
        lay = real(k, e)
        lay.pointers = False
        return lay

    monkeypatch.setattr(drv, "classic_layout", no_pointers)
    r = replay_python(workloads.shape_churn_small("string", 1), "string", "int64")
    assert r.divergence is not None
    assert r.divergence.field == "bucket chain"


def test_oracle_catches_a_missing_emptyrest_walk(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hmap_mod, "EMPTY_REST", 0)
    real_delete = hmap_mod.HMap._delete

    def delete_without_emptyrest(self: hmap_mod.HMap, hash: int, key: object) -> bool:
        # emulate a model that leaves emptyOne everywhere: re-mark cells afterwards
        found = real_delete(self, hash, key)
        assert self.buckets is not None
        b = self.buckets[hash & ((1 << self.B) - 1)]
        while b is not None:
            for i, t in enumerate(b.tophash):
                if t == hmap_mod.EMPTY_REST and any(x >= 5 for x in b.tophash[:i]):
                    b.tophash[i] = hmap_mod.EMPTY_ONE
            b = b.overflow
        return found

    monkeypatch.setattr(hmap_mod.HMap, "_delete", delete_without_emptyrest)
    r = replay_python(workloads.shape_drain_refill("int64", 1, n=300), "int64", "int64")
    assert r.divergence is not None


def test_oracle_catches_a_wrong_iteration_offset(monkeypatch: pytest.MonkeyPatch) -> None:
    real_init = HIter.__init__

    def init_offset_zero(self: HIter, h: hmap_mod.HMap) -> None:
        real_init(self, h)
        self.offset = (self.offset + 1) & 7

    monkeypatch.setattr(HIter, "__init__", init_offset_zero)
    r = replay_python(workloads.shape_iterate_while_deleting("int64", 1, n=300),
                       "int64", "int64")
    assert r.divergence is not None
    assert r.divergence.field.startswith("iterator") or r.divergence.field == "iteration"
