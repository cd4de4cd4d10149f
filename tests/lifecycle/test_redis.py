"""4 processes contend for 20 resources on a real redis-server: one is SIGKILLed while
holding leases and the others take them over once its TTL lapses; the server is
restarted mid-run. The shared append log must show, per resource, acquire tokens that
strictly increase (across the restart too), accepted writes whose tokens never go down,
and no two valid leases at once outside the restart window (tests/lease_contention.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.support.lease_contention import run_trial
from tests.support.redis_server import redis_server  # noqa: F401  (fixture)


def test_kill_takeover_and_restart(redis_server: Any, tmp_path: Path) -> None:  # noqa: F811
    out = run_trial(redis_server, tmp_path, seed=1)
    assert out["victim_held"] >= 1 and out["taken_over"] >= 1
    assert out["writes"] > 100 and out["resources_written"] >= 10
