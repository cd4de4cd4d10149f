"""The seeds' misuse demo: a racing workload makes a plain GoMap raise Go's fatal
errors; every companion completes it with exactly the right contents."""

from __future__ import annotations

import pytest

from gomap import MapFatalError
from gomap.companions.misuse import MAPS, racing_workload

GOMAPS = [k for k in MAPS if k.startswith("GoMap")]
COMPANIONS = [k for k in MAPS if not k.startswith("GoMap")]


@pytest.mark.parametrize("name", GOMAPS)
def test_plain_gomap_raises_go_fatal_errors_under_the_race(name: str) -> None:
    caught = None
    for _ in range(5):  # a race is probabilistic; five rounds of 4 x 2000 writes
        _, err = racing_workload(MAPS[name](), n=4000)
        if err is not None:
            caught = err
            break
    assert caught is not None, "the race went undetected"
    assert isinstance(caught, MapFatalError), repr(caught)
    assert str(caught) in ("concurrent map writes", "concurrent map read and map write",
                           "concurrent map iteration and map write")


@pytest.mark.parametrize("name", COMPANIONS)
def test_each_companion_completes_with_the_right_result(name: str) -> None:
    m = MAPS[name]()
    expected, err = racing_workload(m)
    assert err is None, repr(err)
    assert dict(m.items()) == expected
    assert len(m) == len(expected)
    m.check_invariants()  # type: ignore[attr-defined]
