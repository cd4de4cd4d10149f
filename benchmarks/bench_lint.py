"""How fast `gomap lint` reads a large code base: Go's own standard library.

    python benchmarks/bench_lint.py [--src DIR] [--json FILE]

By default it checks ``GOROOT/src`` of the Go toolchain the analyzer is built with
(its pinned release, ``pinned_release("lint")``: about two million lines). It reports
wall time and process CPU time of the whole ``gomap lint`` run (analyzer and Python
side; the analyzer is built beforehand and not timed), lines per second of wall and of
CPU time, and the number of findings per check. The CPU figure is the one to compare
between runs on a shared machine; wall time depends on what else runs.
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from collections import Counter
from typing import Any

from gomap.lint import CHECKS, lint
from gomap.lint.runner import analyzer_binary
from gomap.oracle.toolchain import GO_VERSIONS, find_go


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def _self_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--src", help="the tree to check (default: GOROOT/src of the lint pin)")
    ap.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    args = ap.parse_args()
    src = args.src or str(find_go(GO_VERSIONS["lint"]).goroot / "src")
    analyzer_binary()  # build (or find) the analyzer first: not part of the figure
    cpu0, child0, t0 = _self_cpu(), _children_cpu(), time.perf_counter()
    res = lint([src])
    wall = time.perf_counter() - t0
    cpu = (_self_cpu() - cpu0) + (_children_cpu() - child0)
    per_check = Counter(f.check for f in res.findings)
    out: dict[str, Any] = {
        "src": src, "files": res.files, "lines": res.lines, "packages": res.packages,
        "wall_s": round(wall, 2), "cpu_s": round(cpu, 2),
        "lines_per_s_wall": round(res.lines / wall), "lines_per_s_cpu": round(res.lines / cpu),
        "findings": len(res.findings), "per_check": {c: per_check.get(c, 0) for c in CHECKS},
        "stats": res.stats,
    }
    print(f"{src}: {res.files:,} files, {res.lines:,} lines, {res.packages:,} packages")
    print(f"wall {wall:.1f} s ({out['lines_per_s_wall']:,} lines/s), "
          f"CPU {cpu:.1f} s ({out['lines_per_s_cpu']:,} lines/s)")
    print("findings: " + ", ".join(f"{c} {n}" for c, n in out["per_check"].items()))
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(out, fh, indent=2)


if __name__ == "__main__":
    main()
