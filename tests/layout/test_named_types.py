"""Your own Go types: standard library and user packages laid out by the Go toolchain
(gomap.layout.named), GoMap and the CLI taking named key and value types, and the
accounting of a named struct byte for byte against the runtime."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from tests.support import DATA
from tests.support.cli import gomap
from tests.support.oracle import require_go

# --- your own Go types ---------------------------------------------------------------------
SESSIONS = DATA / "gotypes" / "sessions"


def _need_go() -> None:
    from gomap.layout.named import tool_version

    require_go(tool_version())  # the toolchain that reads named types


@pytest.mark.parametrize("name, size, align, ptr_bytes", [
    ("time.Time", 24, 8, 24),       # wall uint64, ext int64, loc *Location
    ("time.Duration", 8, 8, 0),
    ("netip.Addr", 24, 8, 24),      # addr uint128, z unique.Handle[addrDetail]
    ("sync.Mutex", 8, 4, 0),
    ("[2]time.Time", 48, 8, 48),
])
def test_standard_library_types_are_laid_out_by_the_toolchain(
        name: str, size: int, align: int, ptr_bytes: int) -> None:
    _need_go()
    from gomap.layout.types import parse_go_type

    t = parse_go_type(name)
    assert (t.size, t.align, t.ptr_bytes) == (size, align, ptr_bytes)


def test_a_users_package_is_loaded_with_the_go_type_checker(
        monkeypatch: pytest.MonkeyPatch) -> None:
    _need_go()
    from gomap.layout import named
    from gomap.layout.types import parse_go_type

    assert set(named.load_types(SESSIONS)) == {"sessions.Session", "sessions.UserID",
                                               "sessions.Pair"}
    s = parse_go_type("sessions.Session")
    # ID int32 +4 padding, Name string, Next *Session, Flag bool +7 padding, Seen time.Time
    assert (s.size, s.align, s.ptr_bytes) == (64, 8, 64)
    assert [(f.name, f.offset) for f in s.fields] == [("ID", 0), ("Name", 8), ("Next", 24),
                                                      ("Flag", 32), ("Seen", 40)]
    assert parse_go_type("Pair").size == 16 and parse_go_type("UserID").expr == "int64"

    def no_toolchain(args: list[str]) -> list[dict[str, Any]]:
        raise AssertionError("the cached figures were not used")

    monkeypatch.setattr(named, "_run", no_toolchain)
    monkeypatch.setattr(named, "_REGISTRY", {})
    assert "sessions.Session" in named.load_types(SESSIONS)  # from the cache


def test_gomap_takes_named_key_and_value_types() -> None:
    _need_go()
    from gomap import GoMap
    from gomap.layout import load_types

    load_types(SESSIONS)
    m = GoMap(key_type="sessions.Pair", value_type="time.Time", seed=1)
    m[(1, 2)] = (1, 2, None)
    with pytest.raises(ValueError, match="overflows int8"):
        m[(300, 2)] = (1, 2, None)
    with pytest.raises(TypeError, match=r"time\.Time"):
        m[(1, 3)] = "2024-01-01"
    assert len(m) == 1 and m.memory().live_bytes > 0


def test_cli_types_names_your_own_types() -> None:
    _need_go()
    p = gomap("simulate", "--types", str(SESSIONS), "--key", "sessions.UserID",
              "--value", "*Session", "--pattern", "fill:n=100", "--json", "-")
    assert p.returncode == 0, p.stderr.decode()
    d = json.loads(p.stdout)
    assert d["layout"]["key"]["size"] == 8 and d["layout"]["value"]["size"] == 8


def test_an_unknown_named_type_says_what_works(tmp_path: Path) -> None:
    p = gomap("simulate", "--key", "Session", "--pattern", "fill:n=10")
    err = p.stderr.decode()
    assert p.returncode == 2 and "--types DIR" in err and "underlying type works" in err
    env = {"GOMAP_CACHE": str(tmp_path)}
    env.update({k: "" for k in os.environ if k.startswith("GOMAP_GO_")})
    p = gomap("simulate", "--key", "time.Time", "--pattern", "fill:n=10", env=env)
    err = p.stderr.decode()
    assert p.returncode == 2 and "Traceback" not in err
    assert "missing" in err and "underlying type works" in err


@pytest.mark.oracle
@pytest.mark.parametrize("impl", ["classic", "swiss"])
def test_the_accounting_of_a_named_struct_matches_the_runtime(impl: str) -> None:
    """map[string]sessions.Session: a named struct with pointers and padding, laid out
    from the Go type checker, against the real runtime (memclassic / memswiss run the
    same Session type) byte for byte."""
    from gomap.layout import load_types
    from gomap.oracle.memory_driver import replay_matrix_pair
    from gomap.oracle.toolchain import GO_VERSIONS

    _need_go()
    require_go(GO_VERSIONS[f"mem{impl}"])
    load_types(SESSIONS)
    r = replay_matrix_pair(impl, "string", "sessions.Session", shapes=("fill", "churn"))
    assert r.divergence is None, str(r.divergence)
    assert r.unknown_hashes == 0 and len(r.maps) == 2
    for m in r.maps:
        assert m.allocated_bytes == m.runtime_allocated_bytes > 0
        assert m.live_bytes == m.runtime_live_bytes > 0
