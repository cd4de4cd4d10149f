"""Shared helpers for the oracle tests: skip (or fail, in CI) without Go."""

from __future__ import annotations

import os

import pytest

from gomap.oracle.toolchain import GoToolchainMissing, find_go


def require_go(version: str) -> None:
    """Skip the test when Go ``version`` is missing, unless GOMAP_REQUIRE_ORACLE=1
    (set by .ci/run), where a missing toolchain is a failure."""
    try:
        find_go(version)
    except GoToolchainMissing as e:
        if os.environ.get("GOMAP_REQUIRE_ORACLE") == "1":
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
