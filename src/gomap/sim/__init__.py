"""The simulator behind ``gomap simulate`` / ``gomap compare`` (docs/SIMULATE.md):
workloads and the ops-file format (:mod:`gomap.sim.ops`, :mod:`gomap.sim.workloads`),
:func:`gomap.sim.simulator.simulate`, rich/JSON reports and matplotlib plots."""

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
