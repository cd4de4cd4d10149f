"""Hypothesis strategies shared by the differential tests: keys of every kind the
default hasher treats specially, and operation scripts for :mod:`tests.support.differential`."""

from __future__ import annotations

import math

from hypothesis import strategies as st

from tests.support.differential import Key

KEYS = st.one_of(
    st.integers(-40, 400),
    st.sampled_from([float("nan"), 0.0, -0.0, 1.5, -2.25, math.inf]),
    st.text(alphabet="abcxyz", max_size=3),
    st.tuples(st.integers(0, 5), st.text(alphabet="ab", max_size=1)),
    st.integers(0, 12).map(Key),
)
"""Ints, floats with NaN and ±0.0, strs, tuples (the Python fallback) and user keys."""

OPS = st.lists(
    st.one_of(
        st.tuples(st.just("set"), KEYS, st.integers(0, 9)),
        st.tuples(st.just("set"), st.integers(0, 2000), st.integers(0, 9)),
        st.tuples(st.just("del"), KEYS),
        st.tuples(st.just("get"), KEYS),
        st.tuples(st.just("clear")),
        st.tuples(st.just("iter")),
        st.tuples(st.just("next"), st.integers(0, 3), st.integers(1, 20)),
        st.tuples(st.just("drop"), st.integers(0, 3)),
        st.tuples(st.just("arm"), st.integers(0, 6)),
        st.tuples(st.just("armrand"), st.integers(0, 2)),
        st.tuples(st.just("fill"), st.integers(1, 200)),
    ),
    max_size=60,
)
"""Scripts of every operation :class:`tests.support.differential.Side` runs."""
