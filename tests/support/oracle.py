"""The oracle tests' helpers: a Go toolchain or a skip (a failure in CI), the number
of random operations, and what "state-exact" requires of a replay."""

from __future__ import annotations

import os
from typing import Any

import pytest

from gomap.oracle.toolchain import GoToolchainMissing, find_go


def require_go(version: str, *, required_by: tuple[str, ...] = ()) -> Any:
    """Go ``version``'s toolchain (what ``find_go`` returns). When it is missing the
    test is skipped, unless GOMAP_REQUIRE_ORACLE=1 (set by .ci/run) or one of the
    ``required_by`` variables is ``1``: there a missing toolchain is a failure."""
    try:
        return find_go(version)
    except GoToolchainMissing as e:
        if "1" in [os.environ.get(v) for v in ("GOMAP_REQUIRE_ORACLE", *required_by)]:
            pytest.fail(str(e))
        pytest.skip(str(e))


def oracle_ops() -> int:
    """Random operations per key type (GOMAP_ORACLE_OPS, default 200,000)."""
    return int(os.environ.get("GOMAP_ORACLE_OPS", "200000"))


def random_scripts(key_type: str, chunk: int = 100_000) -> list[list[list[object]]]:
    """``oracle_ops()`` random operations for ``key_type``, as seeded scripts of at
    most ``chunk`` operations each (so no single map grows without bound)."""
    from gomap.oracle import workloads

    n = oracle_ops()
    sizes = [min(chunk, n - start) for start in range(0, n, chunk)]
    return [workloads.random_script(key_type, size, seed=1000 + i)
            for i, size in enumerate(sizes)]


def assert_exact(r: Any) -> None:
    """A state replay (classic or Swiss ``Result``) without divergence that compared
    storage units (bucket chains or groups) and made full checks."""
    assert r.divergence is None, str(r.divergence)
    assert r.compared > 0 and r.full_checks > 0


def assert_random_scripts_exact(replay: Any, key_type: str) -> None:
    """``replay`` (``replay_classic`` / ``replay_swiss``) state-exact on all of
    :func:`random_scripts` for ``key_type`` (``int64`` elems), every op replayed."""
    replayed = 0
    for script in random_scripts(key_type):
        r = replay(script, key_type, "int64")
        assert_exact(r)
        replayed += r.ops - 1  # less the final ["dump"] the driver appends
    assert replayed == oracle_ops()


def assert_memory_exact(r: Any) -> None:
    """A heap replay (``MemResult``) equal to the runtime's figures for every shape."""
    from gomap.oracle.memory_driver import SHAPES

    assert r.divergence is None, str(r.divergence)
    assert r.unknown_hashes == 0
    assert len(r.maps) == len(SHAPES)
    assert r.live_checks > len(SHAPES) * 100
    for m in r.maps:
        assert m.allocated_bytes == m.runtime_allocated_bytes > 0
        assert m.allocations == m.runtime_allocations
        assert m.live_bytes == m.runtime_live_bytes > 0
        assert m.peak_live_bytes == m.runtime_peak_live_bytes
