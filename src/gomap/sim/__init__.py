"""The simulator behind ``gomap simulate`` / ``gomap compare`` (docs/SIMULATE.md):
workloads and the ops-file format (:mod:`gomap.sim.ops`, :mod:`gomap.sim.workloads`),
:func:`gomap.sim.simulator.simulate`, rich/JSON reports and matplotlib plots."""

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gomap.sim.ops import KeyDomain, OpsFileError, parse_ops_lines, read_ops_file
    from gomap.sim.simulator import SimReport, simulate
    from gomap.sim.workloads import WorkloadError, parse_pattern

__all__ = [
    "KeyDomain",
    "OpsFileError",
    "SimReport",
    "WorkloadError",
    "parse_ops_lines",
    "parse_pattern",
    "read_ops_file",
    "simulate",
]

_HOME = {"KeyDomain": "ops", "OpsFileError": "ops", "parse_ops_lines": "ops",
         "read_ops_file": "ops", "SimReport": "simulator", "simulate": "simulator",
         "WorkloadError": "workloads", "parse_pattern": "workloads"}


if not TYPE_CHECKING:  # (hidden from mypy, which then still checks other names)

    def __getattr__(name: str) -> Any:
        """The names above, imported from their module on first use: a run of an ops
        file never loads the workload patterns (start-up)."""
        home = _HOME.get(name)
        if home is None:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        import importlib

        value = getattr(importlib.import_module(f"gomap.sim.{home}"), name)
        globals()[name] = value
        return value
