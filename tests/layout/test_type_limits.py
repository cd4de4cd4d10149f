"""Go's type limits: what ``go build`` rejects is rejected with Go's reason, in the
library and by the CLI (exit 2)."""

from __future__ import annotations

import pytest

from gomap.layout.maplayout import map_layout
from gomap.layout.types import GoTypeError, parse_go_type


# --- Go's type limits ----------------------------------------------------------------------
@pytest.mark.parametrize("expr,msg", [
    ("struct{a int; a string}", "a redeclared"),
    ("[1152921504606846976]int64", "larger than address space"),
    ("[9223372036854775808]byte", "invalid array length"),
    ("struct{a [562949953421312]byte; b [562949953421312]byte}", "too large"),
    ("map[[2147483648]byte]int", "map key type too large"),
    ("map[int][140737488355328]byte", "map element type too large"),
    ("chan [65536]byte", "channel element type too large"),
])
def test_types_go_build_rejects_are_rejected_with_gos_reason(expr: str, msg: str) -> None:
    with pytest.raises(GoTypeError, match=msg):
        parse_go_type(expr)


def test_blank_fields_may_repeat_and_big_map_slots_are_checked_at_the_map() -> None:
    assert parse_go_type("struct{_ int; _ string}").size == 24
    with pytest.raises(GoTypeError, match="map key type too large"):
        map_layout("[2147483648]byte", "int64")
    with pytest.raises(GoTypeError, match="map element type too large"):
        map_layout("int64", "[2147483648]byte")


def test_the_cli_rejects_go_type_errors_with_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    from gomap.cli import main

    assert main(["simulate", "--key", "struct{a int; a int}", "--pattern", "fill:n=1"]) == 2
    assert "a redeclared" in capsys.readouterr().err
