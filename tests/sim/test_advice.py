"""The "never shrinks" / "rebuild it" advice of a simulate report follows from its
figures, at its boundaries and in the simulated reports."""

from __future__ import annotations

# --- the "never shrinks" advice follows from its figures ---------------------------------
COPY = "m2 := make(map[K]V, len(m)); …"


def _advice(live: int, rebuilt: int, n: int, most: int | None, growing: bool = False) -> str:
    from gomap.sim.simulator import rebuild_advice

    return rebuild_advice(live, rebuilt, n, most, COPY, growing)


def test_the_advice_at_its_boundaries() -> None:
    from gomap.sim.simulator import REBUILD_MIN_RATIO, REBUILD_MIN_SAVING

    assert "Drop it" in _advice(1025, 48, 0, 10)
    assert "Drop it" not in _advice(1024, 48, 0, 10)
    big = 8 * REBUILD_MIN_SAVING
    below = int(big * REBUILD_MIN_RATIO) - 1
    assert "about as small" in _advice(below, big, 1000, 10_000)
    at = _advice(int(big * REBUILD_MIN_RATIO), big, 1000, 10_000)
    assert "about as small" not in at and "rebuild it" in at and "1.25x" in at
    # a big ratio, a small saving: not "about as small", not worth a copy
    small = _advice(1368, 688, 3, 10)
    assert "1.99x" in small and "about as small" not in small and "not worth it" in small
    assert "not worth it" in _advice(REBUILD_MIN_SAVING + 100, 100, 5, 50)
    assert "rebuild it" in _advice(REBUILD_MIN_SAVING + 101, 100, 5, 50)


def test_a_map_that_never_held_more_is_not_told_it_never_shrank() -> None:
    # constant-size churn: 100,000 entries, at most 100,000, twice a rebuilt map's bytes
    a = _advice(4_729_136, 2_364_592, 100_000, 100_000)
    assert "never held more than 100,000 entries" in a
    assert "never shrinks" not in a and "deleting frees no buckets" not in a
    assert "If it stays this small" not in a and COPY in a
    edge = 124_999  # just under 1.25x the entries now
    assert "never shrinks" not in _advice(4_729_136, 2_364_592, 100_000, edge)
    b = _advice(4_729_136, 2_364_592, 100_000, 125_000)
    assert "after holding 125,000 entries: a Go map never shrinks" in b
    g = _advice(994_984, 631_392, 14_000, 14_000, growing=True)
    assert "middle of a growth" in g and COPY not in g


def test_the_simulated_reports_say_what_their_numbers_say() -> None:
    from gomap.sim.ops import DEL, MAKE, SET
    from gomap.sim.simulator import simulate

    ops = [(MAKE, 0), *((SET, f"k{i}") for i in range(10)), *((DEL, f"k{i}") for i in range(7))]
    r = simulate("swiss", "string", "struct{a int64; b string; c [4]int64}", ops)
    assert r.rebuild is not None and r.rebuild["ratio"] >= 1.25
    assert "about as small" not in r.rebuild["advice"]
    from gomap.layout.types import parse_key_type
    from gomap.sim.ops import KeyDomain
    from gomap.sim.workloads import parse_pattern

    w = parse_pattern("churn:size=20000,cycles=3")
    r = simulate("swiss", "int64", "int64", w.ops(KeyDomain(parse_key_type("int64"))))
    assert r.max_entries == r.entries == 20_000
    assert "never shrinks" not in r.rebuild["advice"]  # type: ignore[index]


try:
    from hypothesis import given
    from hypothesis import strategies as st
except ImportError:  # pragma: no cover
    given = None


if given is not None:
    @given(st.integers(0, 1 << 40), st.integers(1, 1 << 40), st.integers(0, 1 << 30),
           st.one_of(st.none(), st.integers(0, 1 << 31)), st.booleans())
    def test_no_advice_contradicts_its_figures(live: int, rebuilt: int, n: int,
                                               most: int | None, growing: bool) -> None:
        from gomap.sim.simulator import REBUILD_MIN_RATIO, REBUILD_MIN_SAVING

        a = _advice(live, rebuilt, n, most, growing)
        ratio = live / rebuilt
        if "about as small" in a:
            assert ratio < REBUILD_MIN_RATIO
        if "rebuild it" in a or COPY in a:
            assert ratio >= REBUILD_MIN_RATIO and live - rebuilt > REBUILD_MIN_SAVING and n
        if "never shrinks" in a and n:
            assert most is None or most >= n * REBUILD_MIN_RATIO
