"""Go key domains (gomap.gokeys) through GoMap: interface keys compare by dynamic type
and value, zero-size and blank-only key types hold one key, typed keys are checked
against the Go type."""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gomap import GoMap

IMPLS = ["classic", "swiss"]


# --- key domains -------------------------------------------------------------------------
@pytest.mark.parametrize("impl", IMPLS)
def test_interface_keys_compare_by_dynamic_type_and_value(impl: str) -> None:
    m = GoMap(impl=impl, key_type="any", value_type="int64", seed=1)
    m[1] = 1
    m[1.0] = 2
    m[True] = 3
    m["1"] = 4
    m.check_invariants()
    assert len(m) == 4
    assert (m[1], m[1.0], m[True], m["1"]) == (1, 2, 3, 4)
    assert sorted(map(repr, m)) == ["'1'", "1", "1.0", "True"]
    del m[1.0]
    assert 1.0 not in m and m[1] == 1 and len(m) == 3


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize("kt,vals", [("struct{}", [(), ()]), ("[0]int", [(), ()]),
                                     ("struct{_ int}", [(1,), (2,), (None,)]),
                                     ("struct{_ int; _ string}", [(1, "a"), (2, "b")])])
def test_zero_size_and_blank_only_key_types_have_exactly_one_key(impl: str, kt: str,
                                                                  vals: list[Any]) -> None:
    m = GoMap(impl=impl, key_type=kt, value_type="int64", seed=1)
    for i, v in enumerate(vals):
        m[v] = i
        m.check_invariants()
    assert len(m) == 1
    assert m[vals[0]] == len(vals) - 1


@pytest.mark.parametrize("kt,key,exc,words", [
    ("int8", 128, ValueError, "int8"),
    ("int8", -129, ValueError, "int8"),
    ("uint64", -1, ValueError, "uint64"),
    ("uint64", 1 << 64, ValueError, "uint64"),
    ("int64", 1.0, TypeError, "int64"),
    ("int64", True, TypeError, "int64"),
    ("int64", "1", TypeError, "int64"),
    ("float64", "1.5", TypeError, "float64"),
    ("float64", 10 ** 400, ValueError, "float64"),
    ("float32", 1e39, ValueError, "float32"),
    ("string", 1, TypeError, "string"),
    ("string", b"x", TypeError, "string"),
    ("bool", 1, TypeError, "bool"),
    ("[3]int64", (1, 2), ValueError, "[3]int64"),
    ("[3]int64", 7, TypeError, "[3]int64"),
    ("[2]int8", (1, 300), ValueError, "int8"),
    ("struct{a int32; b string}", (1, 2), TypeError, "string"),
    ("struct{a int32; b string}", (1,), ValueError, "struct"),
    ("any", [1], TypeError, "unhashable"),
])
def test_typed_keys_are_checked_against_the_go_type(kt: str, key: Any, exc: type,
                                                    words: str) -> None:
    m = GoMap(key_type=kt, value_type="int64")
    with pytest.raises(exc, match=re.escape(words)):
        m[key] = 1
    assert len(m) == 0
    assert key not in m if not isinstance(key, list) else True
    m.check_invariants()


def test_float32_keys_that_round_to_one_float32_are_one_key() -> None:
    m = GoMap(key_type="float32", value_type="int64", seed=1)
    m[0.1] = 1
    m[0.1 + 1e-12] = 2
    assert len(m) == 1
    assert m[0.1] == 2


def test_typed_integer_keys_accept_every_value_in_range() -> None:
    m = GoMap(key_type="int8", value_type="int64", seed=2)
    for k in range(-128, 128):
        m[k] = k
    m.check_invariants()
    assert len(m) == 256 and sorted(m) == list(range(-128, 128))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.integers(-3, 3), st.floats(-3, 3, allow_nan=False),
                          st.booleans(), st.sampled_from(["1", "0", "a"])), max_size=40))
def test_interface_key_map_agrees_with_a_type_tagged_dict(keys: list[Any]) -> None:
    m = GoMap(key_type="any", value_type="int64", seed=3)
    ref: dict[tuple[Any, Any], int] = {}
    for i, k in enumerate(keys):
        m[k] = i
        ref[(type(k), k)] = i
        m.check_invariants()
    assert len(m) == len(ref)
    assert {(type(k), k): v for k, v in m.items()} == ref
