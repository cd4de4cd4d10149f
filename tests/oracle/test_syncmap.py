"""SyncMap against the real sync.Map: Go 1.23.9 for version "1.23", Go 1.27.3 (the
hash-trie of Go 1.24+) for "1.24". Random scripts, the named shapes (each checked to
really reach the state it is named for) and broken models the oracle must catch."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from gomap.companions.hashtriemap import HashTrieMap, indirect
from gomap.companions.syncmap123 import SyncMap123
from gomap.oracle import syncmap_driver as drv
from gomap.oracle.toolchain import GO_VERSIONS
from tests.support.oracle import oracle_ops, require_go

pytestmark = pytest.mark.oracle
VERSIONS = sorted(drv.HARNESS)  # the SyncMap versions of gomap.companions.registry


@pytest.fixture(autouse=True)
def _go(request: pytest.FixtureRequest) -> None:
    version = request.node.callspec.params.get("version", "1.24") if hasattr(
        request.node, "callspec") else "1.24"
    require_go(GO_VERSIONS[drv.HARNESS[version]])


def _ops() -> int:
    """Random ops per version: at least 100,000 (GOMAP_ORACLE_OPS may raise it)."""
    return max(100_000, oracle_ops() // 2)


@pytest.mark.parametrize("version", VERSIONS)
def test_random_scripts_match_the_runtime(version: str) -> None:
    n = _ops()
    chunk = 50_000
    total = 0
    for j, start in enumerate(range(0, n, chunk)):
        # odd chunks: ~450 keys (deeper tries, bigger dirty maps), states less often
        keys = drv.key_pool(64, 200) if j % 2 else None
        every = 25 if j % 2 else 7
        script = drv.random_script(min(chunk, n - start), seed=500 + j, keys=keys)
        r = drv.replay_syncmap(version, script, full_every=every)
        assert r.ok, str(r.divergence)
        assert r.ops == len(script)
        assert r.full_checks >= len(script) // every
        total += r.ops
    assert total >= 100_000


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("shape", sorted(drv.SHAPES))
def test_named_shapes_match_the_runtime(version: str, shape: str) -> None:
    script = drv.SHAPES[shape]()
    r = drv.replay_syncmap(version, script, full_every=1)
    assert r.ok, str(r.divergence)
    assert r.ops == len(script) and r.full_checks == len(script)


def _states(version: str, script: list[list[Any]]) -> list[dict[str, Any]]:
    return [rec["s"] for rec in drv.runtime_states(version, script)]


def _entry_state(s: dict[str, Any], where: str, key: list[Any]) -> Any:
    rows = s[where] or []
    for row in rows:
        if row[0] == key:
            return row[1][0]
    return None


def test_shape_promotion_after_misses_promotes_on_the_fifth_miss() -> None:
    script = drv.shape_promotion_after_misses()
    recs = list(drv.runtime_states("1.23", script))
    # after 5 stores: dirty has 5 keys, amended; misses then count 1..4 and the 5th promotes
    assert recs[4]["x"] == [0, True, 0, 5]
    assert [r["x"][0] for r in recs[5:9]] == [1, 2, 3, 4]
    assert recs[9]["x"] == [0, False, 5, -1]


def test_shape_expunge_and_resurrect_goes_nil_expunged_value() -> None:
    states = _states("1.23", drv.shape_expunge_and_resurrect())
    k = ["int", 1]
    assert _entry_state(states[3], "read", k) == "nil"
    assert _entry_state(states[4], "read", k) == "expunged"
    assert _entry_state(states[4], "dirty", k) is None
    assert _entry_state(states[6], "read", k) == "value"
    assert _entry_state(states[6], "dirty", k) == "value"


def test_shape_store_to_expunged_key_starts_from_three_expunged_entries() -> None:
    states = _states("1.23", drv.shape_store_to_expunged_key())
    assert [_entry_state(states[8], "read", ["int", j]) for j in range(3)] == ["expunged"] * 3


def test_shape_range_during_amended_promotes_dirty() -> None:
    recs = list(drv.runtime_states("1.23", drv.shape_range_during_amended()))
    assert recs[5]["x"][1] is True  # amended before the range
    assert recs[6]["x"] == [0, False, 6, -1]  # the range promoted dirty


def test_shape_full_hash_collisions_make_one_chain_of_four() -> None:
    recs = list(drv.runtime_states("1.24", drv.shape_full_hash_collisions()))
    assert len({r["h"] for r in recs[:4]}) == 1  # four keys, one full hash
    root = recs[3]["s"]["root"]
    assert len(root["c"]) == 1 and len(root["c"][0][1]) == 4


def test_shape_delete_pruning_chain_prunes_two_or_more_nodes_at_once() -> None:
    states = _states("1.24", drv.shape_delete_pruning_chain())
    counts = [drv.count_indirect(s["root"]) for s in states]
    drops = [a - b for a, b in itertools.pairwise(counts)]
    assert max(drops) >= 2, "no delete pruned a chain of nodes"
    assert counts[-1] == 1  # only the root is left


# --- the oracle notices broken models ------------------------------------------------
class PromotesLate(SyncMap123):
    """Promotes dirty one miss too late."""

    __slots__ = ()

    def miss_locked(self) -> None:
        self.misses += 1
        if self.dirty is not None and self.misses <= len(self.dirty):
            return
        self.read = type(self.load_read_only())(self.dirty)
        self.dirty = None
        self.misses = 0


class NeverExpunges(SyncMap123):
    """dirtyLocked copies nil entries instead of expunging them."""

    __slots__ = ()

    def try_expunge_locked(self, e: Any) -> bool:
        return False


class ChainsAtTheTail(HashTrieMap):
    """Appends a colliding key at the end of the overflow chain instead of the head."""

    __slots__ = ()

    def expand(self, old_entry: Any, new_entry: Any, new_hash: int, hash_shift: int,
               parent: indirect) -> Any:
        if self._hash(old_entry.key) == new_hash:
            e = old_entry
            while e.overflow is not None:
                e = e.overflow
            e.overflow = new_entry
            return old_entry
        return super().expand(old_entry, new_entry, new_hash, hash_shift, parent)


class NeverPrunes(HashTrieMap):
    """Leaves emptied indirect nodes in place."""

    __slots__ = ()

    def _delete_tail(self, i: indirect, hash_shift: int, slot: int, h: int, e: Any) -> None:
        self._publish(i, slot, e, -1)
        i.mu.release()


@pytest.mark.parametrize(("version", "broken", "shape"), [
    ("1.23", PromotesLate, "promotion_after_misses"),
    ("1.23", NeverExpunges, "expunge_and_resurrect"),
    ("1.24", ChainsAtTheTail, "full_hash_collisions"),
    ("1.24", NeverPrunes, "delete_pruning_chain"),
])
def test_the_oracle_catches_a_broken_model(version: str, broken: type, shape: str) -> None:
    model = broken() if version == "1.23" else broken(rand=lambda: 0)
    r = drv.replay_syncmap(version, drv.SHAPES[shape](), model=model, check_invariants=False)
    assert not r.ok
    assert r.divergence is not None and r.divergence.field in ("state", "results", (
        "summary [misses, amended, len(read.m), len(dirty)]"))


def test_the_oracle_catches_a_wrong_result_on_random_scripts() -> None:
    class OffByOneSwap(HashTrieMap):
        __slots__ = ()

        def swap(self, key: Any, value: Any) -> tuple[Any, bool]:
            prev, loaded = super().swap(key, value)
            return (prev + 1 if loaded and prev == 3 else prev), loaded

    r = drv.replay_syncmap("1.24", drv.random_script(3000, seed=9),
                           model=OffByOneSwap(rand=lambda: 0), full_every=50)
    assert not r.ok and r.divergence is not None and r.divergence.field == "results"


def test_bad_script_ops_are_rejected() -> None:
    with pytest.raises(ValueError, match="bad key"):
        drv.apply_op(SyncMap123(), ["get", ["float64", 1]])
    with pytest.raises(ValueError, match="unknown operation"):
        drv.apply_op(SyncMap123(), ["frob"])
    with pytest.raises(ValueError, match="takes 2 arguments"):
        drv.apply_op(SyncMap123(), ["set", ["int", 1]])


def test_cli_verify_syncmap_both_versions() -> None:
    from gomap.cli import main

    assert main(["verify", "--impl", "syncmap", "--ops", "400"]) == 0
    assert main(["verify", "--impl", "syncmap", "--ops", "0"]) == 2
    assert main(["verify", "--impl", "syncmap", "--key", "int64"]) == 2


def test_harness_rejects_a_bad_script_line_with_its_number() -> None:
    from gomap.oracle.harness import HarnessError, run_harness

    with pytest.raises(HarnessError, match="line 2: unknown op"):
        list(run_harness("syncmap124", [["set", ["int", 1], 1], ["frob"]]))
    with pytest.raises(HarnessError, match="line 1: bad key type"):
        list(run_harness("syncmap123", [["get", ["float64", 1]]]))


# Other Go releases, where their toolchains are installed (not in CI: it installs
# Go 1.23.9 and 1.27.3 only): the trie is the default sync.Map from 1.24 on, and
# 1.24/1.25 still build the 1.23 design with GOEXPERIMENT=nosynchashtriemap.
@pytest.mark.parametrize(("version", "go"), [
    ("1.24", "1.24.11"), ("1.24", "1.25.5"), ("1.24", "1.26.6"),
    ("1.23", "1.24.11"), ("1.23", "1.25.5"),
])
def test_other_go_releases_match_where_installed(version: str, go: str) -> None:
    require_go(go)
    for script, every in [(drv.random_script(20_000, seed=77), 7),
                          *((fn(), 1) for fn in drv.SHAPES.values())]:
        r = drv.replay_syncmap(version, script, full_every=every, go=go)
        assert r.ok, str(r.divergence)
        assert r.ops == len(script)
