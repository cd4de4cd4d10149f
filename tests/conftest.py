"""Shared fixtures: the engines every contract test runs against."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

from gomap.engines import engine_names

settings.register_profile(
    "ci", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "dev", max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))


IMPLS = engine_names()
"""Every engine in the registry (an engine that fails to import fails the run)."""


@pytest.fixture(params=IMPLS)
def impl(request: pytest.FixtureRequest) -> str:
    return str(request.param)
