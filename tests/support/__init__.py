"""What the tests share; no test module imports another test module
(tests/test_layout_of_tests.py holds that).

- :mod:`.differential`: one engine's native backend against its Python reference;
  :mod:`.strategies`: the Hypothesis strategies it runs on;
- :mod:`.contract`: the map contract every map configuration runs;
- :mod:`.oracle`: a Go toolchain or a skip (or a failure under GOMAP_REQUIRE_ORACLE=1),
  the oracle's op counts and its exactness checks;
- :mod:`.cli`: the ``gomap`` command in a fresh interpreter;
- :mod:`.hashers`: hashers that put keys where a test wants them, a predictable rand;
- :mod:`.browser`, :mod:`.redis_server`, :mod:`.record`, :mod:`.audit`,
  :mod:`.lifecycle`, :mod:`.lease_contention`, :mod:`.trace`: the fixtures and
  references of those subsystems' tests.
"""

from __future__ import annotations

from pathlib import Path

from gomap.engines import engine_names

REPO = Path(__file__).resolve().parents[2]
"""The repository (README.md, docs/, benchmarks/)."""

DATA = REPO / "tests" / "data"
"""Data files more than one test folder reads (schemas, Go packages)."""

IMPLS = engine_names()
"""Every engine in the registry (an engine that fails to import fails the run)."""
