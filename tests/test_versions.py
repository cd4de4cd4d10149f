"""The Go-release switches (gomap.versions) and what each does to a map, without Go.

Each rule test states a difference docs/VERSIONS.md lists and drives both releases
through the same operations; the oracle tests (test_oracle_versions.py) prove the
same rules against each release's real runtime.
"""

from __future__ import annotations

import pytest

from gomap import GoMap
from gomap.classic.hmap import HMap
from gomap.swiss.map import SwissMap
from gomap.versions import (
    RELEASES,
    UnsupportedGoVersion,
    go_behaviour,
    parse_go_list,
    pinned_release,
)


def fixed_rand(seq: list[int]):  # type: ignore[no-untyped-def]
    it = iter(seq)
    return lambda: next(it, 0x5EED)


def mix(k: object, seed: int) -> int:
    return (hash(k) * 0x9E3779B97F4A7C15 + seed * 0xBF58476D1CE4E5B9) % 2**64


def test_every_release_parses_and_picks_its_map() -> None:
    for minor, patches in RELEASES.items():
        for v in (minor, *patches, "go" + patches[0]):
            b = go_behaviour(v)
            assert b.minor == minor
    assert go_behaviour("1.24").release == "1.24.11"
    assert go_behaviour("1.24.3").release == "1.24.3"
    assert go_behaviour("1.24.3") == go_behaviour("1.24.11").__class__(
        **{**go_behaviour("1.24.11").__dict__, "release": "1.24.3"})
    assert [go_behaviour(m).default_impl for m in RELEASES] == (
        ["classic"] * 3 + ["swiss"] * 4)
    assert go_behaviour("1.25").goexperiment("classic") == "noswissmap"
    assert go_behaviour("1.25").goexperiment("swiss") == ""
    assert [b.release for b in parse_go_list("1.24, 1.27")] == ["1.24.11", "1.27.3"]


@pytest.mark.parametrize("bad", ["1.20", "1.28", "2.0", "latest", "1.24.x", ""])
def test_bad_versions_are_refused_with_the_supported_list(bad: str) -> None:
    with pytest.raises(UnsupportedGoVersion, match=r"1\.24"):
        go_behaviour(bad) if bad else parse_go_list(bad)


def test_a_release_without_the_design_is_refused() -> None:
    with pytest.raises(UnsupportedGoVersion, match="noswissmap"):
        GoMap(go="1.26", impl="classic")
    with pytest.raises(UnsupportedGoVersion, match=r"starts with Go 1\.24"):
        GoMap(go="1.23", impl="swiss")
    assert GoMap(go="1.23").impl == "classic"
    assert GoMap(go="1.24").impl == "swiss"
    assert GoMap(go="1.24", impl="classic").go.release == "1.24.11"
    assert GoMap().go.release == pinned_release("swiss")
    assert GoMap(impl="classic").go.release == pinned_release("classic")


@pytest.mark.parametrize("impl,go", [("swiss", "1.25"), ("swiss", "1.24.3"), ("swiss", None),
                                     ("classic", "1.22"), ("classic", None)])
def test_snapshot_names_the_release_asked_for(impl: str, go: str | None) -> None:
    """snapshot()["go"] is the release modelled: the newest patch of a minor, an exact
    patch release as given, the engine's pin by default."""
    want = go_behaviour(go, impl).release
    assert want == (pinned_release(impl) if go is None else want)
    m = GoMap(impl=impl, go=go, backend="python")
    m[1] = 2
    assert m.snapshot()["go"] == m.engine.snapshot()["go"] == want
    if go == "1.25":
        assert want == "1.25.5" != pinned_release(impl)



@pytest.mark.parametrize("impl,go", [("classic", "1.23.5"), ("swiss", "1.27.1"), ("swiss", "1.27")])
def test_native_snapshot_names_the_release_asked_for(impl: str, go: str) -> None:
    """The native engines run a release whose switches are their pin's; snapshot()
    and the clone's snapshot name the release asked for, as the Python engines do."""
    from gomap.native import AVAILABLE

    if not AVAILABLE:
        pytest.skip("the C extension is not built")
    m = GoMap(impl=impl, go=go, backend="native")
    m[1] = 2
    want = go_behaviour(go, impl).release
    assert m.backend == "native" and m.go.release == want
    assert m.snapshot()["go"] == m.clone().snapshot()["go"] == want
    py = GoMap(impl=impl, go=go, backend="python")
    py[1] = 2
    assert py.snapshot()["go"] == want

def test_one_table_of_releases_pins_everything() -> None:
    """Every pin is a row of GO_RELEASES: the engines' GO_VERSION, the narration's, the
    companions' and the harnesses' toolchains."""
    from gomap.classic.hmap import GO_VERSION as CLASSIC_GO
    from gomap.companions.registry import COMPANIONS
    from gomap.engines import ENGINES
    from gomap.oracle.toolchain import GO_VERSIONS
    from gomap.swiss.map import GO_VERSION as SWISS_GO
    from gomap.trace.narration import GO_VERSION as NARRATION_GO
    from gomap.versions import GO_RELEASES, RELEASES

    assert (pinned_release("classic"), pinned_release("swiss")) == (CLASSIC_GO, SWISS_GO)
    assert {n: "go" + pinned_release(n) for n in ENGINES} == NARRATION_GO
    for name, spec in ENGINES.items():
        assert spec.go_version == pinned_release(name)
        assert GO_VERSIONS[spec.harness] == GO_VERSIONS[spec.memory_harness] == spec.go_version
    for spec in COMPANIONS.values():
        if spec.harness:
            assert GO_VERSIONS[spec.harness] == spec.go_release == pinned_release(spec.pin)
    assert GO_VERSIONS["lint"] == pinned_release("lint")
    assert set(GO_VERSIONS.values()) <= {p for ps in RELEASES.values() for p in ps}
    assert {m: r.patches for m, r in GO_RELEASES.items()} == RELEASES
    with pytest.raises(KeyError, match="nothing is pinned"):
        pinned_release("nosuchthing")


def test_swiss_full_small_map_update_grows_before_go_1_27() -> None:
    # runtime_mapassign: 1.24-1.26 test m.used < 8 before looking for the key.
    for go, dir_len in (("1.24", 1), ("1.26", 1), ("1.27", 0)):
        m = SwissMap(hasher=mix, rand=fixed_rand([1]), go=go)
        for i in range(8):
            m.assign(i, i)
        m.assign(3, 33)  # an update, the group full
        assert (m.dir_len, len(m), m.lookup(3)) == (dir_len, 8, (True, 33)), go
        m.check_invariants()


def churn(go: str, key_kind: str = "fast64") -> tuple[int, dict[str, int]]:
    events: dict[str, int] = {}

    def obs(e: str, d: dict[str, object]) -> None:
        events[e] = events.get(e, 0) + 1

    m = SwissMap(hasher=mix, rand=fixed_rand([3]), observer=obs, key_kind=key_kind, go=go)
    for i in range(400):
        m.assign(i, i)
    for i in range(400, 40_000):
        m.delete(i - 400)
        m.assign(i, i)
        if i % 4000 == 0:
            m.check_invariants()
    m.check_invariants()
    cap = sum(t.capacity for t in dict.fromkeys(m.directory))
    return cap, events


def test_go_1_24_has_no_prune_tombstones_so_churn_grows() -> None:
    cap24, ev24 = churn("1.24")
    cap25, ev25 = churn("1.25")
    assert "pruneTombstones" not in ev24 and ev25.get("pruneTombstones", 0) > 0
    assert cap24 > cap25  # golang/go#70886: the table keeps growing on Go 1.24
    # The generic path (e.g. float keys) never prunes on any release.
    assert "pruneTombstones" not in churn("1.27", "generic")[1]


def test_pointer_key_paths_prune_only_from_go_1_27() -> None:
    assert "pruneTombstones" not in churn("1.26", "fast64ptr")[1]
    assert churn("1.27", "fast64ptr")[1].get("pruneTombstones", 0) > 0
    assert churn("1.26", "fast64")[1].get("pruneTombstones", 0) > 0


def test_clear_of_an_emptied_map_with_tombstones() -> None:
    # Map.Clear: Go 1.24 returns when used == 0; 1.25+ clears (tombstonePossible) and
    # draws a new seed.
    for go, clears in (("1.24", False), ("1.25", True)):
        draws = iter(range(1, 10_000))
        m = SwissMap(hasher=mix, rand=lambda d=draws: next(d), go=go)
        for i in range(440):  # a 512-slot table near its 448 limit: full groups
            m.assign(i, i)
        for i in range(440):
            m.delete(i)
        tombs = sum(t.tombstones() for t in dict.fromkeys(m.directory))
        assert tombs > 0 and m.tombstone_possible == clears
        seed = m.seed
        m.clear()
        after = sum(t.tombstones() for t in dict.fromkeys(m.directory))
        assert (after == 0, m.seed != seed, m.clear_seq) == (clears, clears, int(clears)), go
        m.check_invariants()


def test_clone_on_go_1_24_is_compact() -> None:
    for go, compact in (("1.24", True), ("1.25", False)):
        m = SwissMap(hasher=mix, rand=fixed_rand([1, 2, 3, 4, 5]), go=go)
        for i in range(5000):
            m.assign(i, i)
        for i in range(4900):
            m.delete(i)
        c = m.clone()
        c.check_invariants()
        assert dict(c.iterator()) == dict(m.iterator())
        assert (c.dir_len < m.dir_len) == compact, go


def test_go_1_21_grows_at_load_factor_6() -> None:
    # loadFactorNum = (bucketCnt*13/16)*loadFactorDen = 12 in Go 1.21, 13 later.
    for go, grows_at in (("1.21", 13), ("1.22", 14), ("1.25", 14)):
        h = HMap(hasher=mix, rand=fixed_rand([1]), go=go)
        B = [h.B]
        for i in range(14):
            h.assign(i, i)
            B.append(h.B)
        assert B.index(2) == grows_at, go
        h.check_invariants()
    assert HMap(100, go="1.21").B == 5 and HMap(100, go="1.22").B == 4


def test_noswissmap_hmap_is_a_64_byte_object() -> None:
    sizes = {go: GoMap(go=go, impl="classic", key_type="int64", value_type="int64")
             .memory().live_bytes for go in ("1.23", "1.24", "1.25")}
    assert sizes == {"1.23": 48, "1.24": 64, "1.25": 64}


def test_go_1_21_has_no_malloc_header() -> None:
    # map[int64]*int, B = 3: 8 buckets of 144 bytes = 1152, exactly a size class;
    # pointerful and over 512 bytes, so from Go 1.22 it carries an 8-byte malloc
    # header and takes the 1280-byte class instead.
    def live(go: str) -> int:
        m = GoMap(go=go, hint=40, key_type="int64", value_type="*int")
        assert m.engine.B == 3  # type: ignore[attr-defined]
        return m.memory().live_bytes

    assert live("1.22") - live("1.21") == 1280 - 1152


def test_classic_clear_during_growth_iteration() -> None:
    # Go 1.24 noswissmap: clearSeq instead of markBucketsEmpty; an iterator on the old
    # array re-looks-up its keys, so keys re-inserted after the clear come back.
    def yielded(go: str) -> set[int]:
        h = HMap(hasher=mix, rand=fixed_rand([1, 0, 2]), go=go)
        for i in range(52):
            h.assign(i, i)
        it = h.iterator()
        first = it.next()
        assert first is not None
        for i in range(52, 55):
            h.assign(i, i)
        assert h.oldbuckets is not None  # growth under way
        h.clear()
        for i in range(0, 52, 2):
            h.assign(i, i)
        out = set()
        while (kv := it.next()) is not None:
            out.add(kv[0])
        h.check_invariants()
        return out

    assert yielded("1.23") == set()
    assert yielded("1.24") and yielded("1.24") <= set(range(0, 52, 2))
