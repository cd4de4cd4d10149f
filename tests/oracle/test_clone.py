"""maps.Clone and the rebuild advice against the real runtimes, on every supported
release (docs/SIMULATE.md, "Shrinking a map"; docs/ORACLE.md).

State: the clone shape (``m = maps.Clone(m)`` empty, small, mid-growth, after deletes
during a growth, drained, with an iterator open on the old map, cleared), compared in
full after every clone, on every classic release and every Swiss release (Go 1.24's
Swiss ``mapclone2`` iterates with two draws the harness cannot see: the driver finds
draws whose insertion order rebuilds the runtime's clone exactly).
Memory: the clone and rebuild shapes, byte for byte, per release."""

from __future__ import annotations

import pytest

from gomap.oracle.classic_driver import replay_classic
from gomap.oracle.memory_driver import SHRINK_SHAPES, replay_matrix_pair
from gomap.oracle.swiss_driver import replay_swiss
from gomap.oracle.workloads import shape_clone
from gomap.versions import GO_RELEASES, pinned_release
from tests.support.oracle import require_go

CLASSIC_GO = pinned_release("classic")
SWISS_GO = pinned_release("swiss")
SWISS_124 = GO_RELEASES["1.24"].newest  # mapclone2: make(map, len) + Put in iteration order

pytestmark = pytest.mark.oracle

STATE = [("classic", go, k) for go in ("1.21.13", "1.22.10", "1.24.11", "1.25.5")
         for k in ("int64",)] + [
    ("classic", CLASSIC_GO, k) for k in ("int64", "float64", "bigkey")] + [
    ("swiss", SWISS_124, "int64"), ("swiss", SWISS_124, "float64"),
    ("swiss", "1.25.5", "int64"), ("swiss", "1.26.6", "int64"),
    ("swiss", SWISS_GO, "int64"), ("swiss", SWISS_GO, "float64")]


@pytest.mark.parametrize("impl,go,key", STATE, ids=[f"{i}-{g}-{k}" for i, g, k in STATE])
def test_clone_state_matches_the_runtime(impl: str, go: str, key: str) -> None:
    require_go(go)
    elem = "bigelem" if key == "bigkey" else "int64"
    replay = replay_classic if impl == "classic" else replay_swiss
    r = replay(shape_clone(key, 1), key, elem, go=go)
    assert r.ok, str(r.divergence)
    assert r.events.get("clone") == 18  # every clone compared, the runtime's and ours
    if go == SWISS_124 and impl == "swiss":
        # 16 non-empty clones, each needing the draws searched; the filter leaves few
        assert 16 <= r.clone_candidates <= 100 and r.clone_trials >= 18
    else:
        assert r.clone_candidates == 0


@pytest.mark.parametrize("go,model_go", [(SWISS_124, "1.25.5"), ("1.25.5", SWISS_124)])
def test_swiss_clone_rule_is_needed_both_ways(go: str, model_go: str) -> None:
    """``clone_copies_layout``: Go 1.24's clone (re-seeded, re-inserted) replayed by
    the 1.25 model, and 1.25's (the layout copied) by the 1.24 model, diverge at a
    clone."""
    require_go(go)
    r = replay_swiss(shape_clone("int64", 1), "int64", "int64", go=go, model_go=model_go)
    assert r.divergence is not None and r.divergence.op == ["clone"]


def test_go_1_24_swiss_clone_needs_the_searched_draws(monkeypatch: pytest.MonkeyPatch) -> None:
    """The draws found are not a formality: the model's clone with an entryOffset one
    past the one found inserts in another order, and the comparison catches it."""
    import gomap.oracle.swiss_driver as driver

    require_go(SWISS_124)
    found = driver._clone_order_filter

    def off_by_one(m, rec, enc):  # type: ignore[no-untyped-def]
        return [(d, e + 1) for d, e in found(m, rec, enc)[:1]]

    monkeypatch.setattr(driver, "_clone_order_filter", off_by_one)
    r = replay_swiss(shape_clone("int64", 1), "int64", "int64", go=SWISS_124)
    assert not r.ok and r.divergence is not None
    assert r.divergence.op == ["clone"] and r.divergence.field.startswith("group")


MEMORY = [(impl, go, k, e) for impl, gos in (("classic", ("1.21.13", "1.22.10", "1.24.11",
                                                          "1.25.5")),
                                             ("swiss", ("1.24.11", "1.25.5", "1.26.6")))
          for go in gos for k, e in (("string", "int64"),)] + [
    (impl, go, k, e) for impl, go in (("classic", CLASSIC_GO), ("swiss", SWISS_GO))
    for k, e in (("int64", "int64"), ("[17]int64", "int64"), ("string", "[8]string"))] + [
    ("classic", "1.21.13", "[17]int64", "int64")]


@pytest.mark.parametrize("impl,go,key,elem", MEMORY,
                         ids=[f"{i}-{g}-{k}->{e}" for i, g, k, e in MEMORY])
def test_clone_and_rebuild_bytes_match_the_runtime(impl: str, go: str, key: str,
                                                   elem: str) -> None:
    require_go(go)
    pinned = go in (CLASSIC_GO, SWISS_GO)
    # the other releases: a small clone, clones mid-growth, a drained rebuild
    shapes = list(SHRINK_SHAPES) if pinned else ["clone_small", "clone_growing",
                                                 "rebuild_drained"]
    r = replay_matrix_pair(impl, key, elem, shapes=shapes, go=go)
    assert r.ok, str(r.divergence)
    assert r.events.get("clone") == (17 if pinned else 13)
    assert r.events.get("rebuild") == (17 if pinned else 2)
    assert r.unknown_hashes == 0
    assert r.live_checks > 500 and r.scan_checks == r.live_checks


@pytest.mark.parametrize("impl,go", [("classic", CLASSIC_GO), ("classic", "1.22.10"),
                                     ("classic", "1.24.11"), ("swiss", SWISS_124),
                                     ("swiss", SWISS_GO)])
def test_string_edge_keys_match_the_runtime(impl: str, go: str) -> None:
    """The empty string, NULs, multi-byte UTF-8, 4 KiB and 64 KiB keys differing in
    their last byte: set, get, del, iterate, clone."""
    from gomap.oracle.workloads import shape_string_edges

    require_go(go)
    replay = replay_classic if impl == "classic" else replay_swiss
    r = replay(shape_string_edges("string", 1), "string", "int64", go=go)
    assert r.ok, str(r.divergence)
