"""The Go type checker that lays out named types: ``oracle/go/typeinfo``.

:mod:`gomap.layout.named` reads named types (``time.Time``, ``pkg.T`` of ``--types``)
through the :class:`gomap.layout.named.TypeChecker` interface; this is its
implementation: the ``typeinfo`` program, built and cached like the oracle's
harnesses with the Swiss engine's pinned Go release, run offline.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from gomap.oracle.harness import build_harness
from gomap.oracle.toolchain import GO_VERSIONS, GoToolchainMissing, cache_dir, find_go


class TypeInfo:
    """Runs ``typeinfo`` (building it once) with the pinned Go toolchain."""

    missing: type[Exception] = GoToolchainMissing

    def version(self) -> str:
        """The Go release typeinfo is built with (the Swiss engine's pinned one)."""
        return GO_VERSIONS["swiss"]

    def cache_dir(self) -> Path:
        """Where gomap caches what the toolchain computes."""
        return cache_dir()

    def run(self, args: list[str]) -> subprocess.CompletedProcess[str]:
        """Run typeinfo with ``args``; raises :attr:`missing` without the toolchain."""
        version = self.version()
        tool = find_go(version, needed_by="named Go types (time.Time, --types)",
                       install_hint=f"python -m gomap.oracle.toolchain install {version}")
        binary = build_harness("typeinfo", go_version=version)
        return subprocess.run([str(binary), *args], capture_output=True, text=True,
                              env=tool.env(cache_dir()), timeout=300)
