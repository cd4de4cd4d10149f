"""GoMap checks values against the value type as it checks keys, and stores them as Go
stores them (a float32 value rounded)."""

from __future__ import annotations

from typing import Any

import pytest


# --- GoMap checks values like keys ---------------------------------------------------------
@pytest.mark.parametrize("value_type, good, bad, error", [
    ("int64", [0, -(1 << 63), (1 << 63) - 1], ["notanint", 1.5, True, None], TypeError),
    ("int64", [], [1 << 63], ValueError),
    ("uint8", [255], [256, -1], ValueError),
    ("string", ["", "x"], [1, b"x", None], TypeError),
    ("bool", [True], [1, "true"], TypeError),
    ("float64", [1.5, 2], ["1.5"], TypeError),
    ("[]byte", [b"x", bytearray(b"y"), [1, 2], None], ["x", 5], TypeError),
    ("[]byte", [], [[256]], ValueError),
    ("map[string]int", [{}, None], [[("a", 1)]], TypeError),
    ("[2]int32", [(1, 2), [3, 4]], [(1,)], ValueError),
    ("struct{a int64; b []string}", [(1, ["x"]), (2, None)], [(1, 2), "s"], TypeError),
    ("*int", [object(), None], [], TypeError),
    ("any", [1, "x", [1], None], [], TypeError),
])
@pytest.mark.parametrize("key_type", ["string", None])
def test_values_are_checked_against_the_value_type(
        value_type: str, good: list[Any], bad: list[Any], error: type, key_type: str | None
        ) -> None:
    from gomap import GoMap

    m = GoMap(key_type=key_type, value_type=value_type, seed=1)
    for i, v in enumerate(good):
        m[str(i)] = v
    assert len(m) == len(good)
    for v in bad:
        with pytest.raises(error, match=r"^value .*(Go type|overflows)"):
            m["bad"] = v
        with pytest.raises(error):
            m.update({"bad": v})
        assert "bad" not in m


def test_a_float32_value_is_stored_rounded_as_go_stores_it() -> None:
    from gomap import GoMap

    m = GoMap(key_type="int", value_type="float32")
    m[1] = 0.1
    assert m[1] != 0.1 and abs(m[1] - 0.1) < 1e-8
