"""The tracer's overhead: ``gomap trace`` against ``gomap simulate`` on the same
workload, measured in the same run, and its memory on a million operations.

    python benchmarks/bench_trace.py [--impl classic|swiss|both] [--ops 1000000]
                                     [--repeat 2] [--json FILE]

For each engine the workload (``mix`` over 50,000 keys: 50% set, 30% get, 20% del)
runs (a) through :func:`gomap.sim.simulate` (no "rebuild" account) and (b) through
the tracer, written as JSONL and as Chrome trace JSON to a temporary file. Times
are CPU seconds of this process, best of ``--repeat`` interleaved runs; the ratio
is (b) / (a); the issue's target is 2. Memory: each variant once more in a child
process, its peak RSS (``ru_maxrss``): a trace that streams stays near the
simulator's, whatever its length.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from typing import Any

from gomap.engines import engine_names
from gomap.layout.types import parse_key_type
from gomap.sim.ops import KeyDomain
from gomap.sim.simulator import simulate
from gomap.sim.workloads import parse_pattern
from gomap.trace.export import header, write_trace
from gomap.trace.tracer import Tracer


def pattern(n: int) -> str:
    return f"mix:n={n},space=50000,set=0.5,get=0.3,del=0.2"


def run(variant: str, impl: str, n: int) -> float:
    w = parse_pattern(pattern(n))
    ops = w.ops(KeyDomain(parse_key_type("int64")))
    t0 = time.process_time()
    if variant == "simulate":
        simulate(impl, "int64", "int64", ops, total=w.total, rebuild=False)
    else:
        with tempfile.TemporaryDirectory() as d, open(os.path.join(d, "t"), "wb") as out:
            write_trace(Tracer(impl).run(ops), out, variant,
                        header(impl, "int64", "int64", w.spec(), 0))
            out.flush()
            size = out.tell()
        run.last_size = size  # type: ignore[attr-defined]
    return time.process_time() - t0


def child_rss(variant: str, impl: str, n: int) -> int:
    """Peak RSS (KiB) of a child process running one variant."""
    code = ("import resource, sys; sys.path.insert(0, 'benchmarks'); "
            "from bench_trace import run; "
            f"run({variant!r}, {impl!r}, {n}); "
            "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                         text=True)
    return int(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--impl", choices=[*engine_names(), "both"], default="both")
    ap.add_argument("--ops", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--no-rss", action="store_true", help="skip the child-process RSS runs")
    ap.add_argument("--json", metavar="FILE")
    a = ap.parse_args()
    impls = engine_names() if a.impl == "both" else [a.impl]
    results: dict[str, Any] = {"ops": a.ops, "workload": pattern(a.ops), "engines": {}}
    for impl in impls:
        best = {"simulate": float("inf"), "jsonl": float("inf"), "chrome": float("inf")}
        sizes: dict[str, int] = {}
        for _ in range(a.repeat):
            for v in best:
                best[v] = min(best[v], run(v, impl, a.ops))
                if v != "simulate":
                    sizes[v] = run.last_size  # type: ignore[attr-defined]
        r: dict[str, Any] = {f"{v}_s": round(t, 2) for v, t in best.items()}
        r["jsonl_ratio"] = round(best["jsonl"] / best["simulate"], 2)
        r["chrome_ratio"] = round(best["chrome"] / best["simulate"], 2)
        r["jsonl_bytes"] = sizes["jsonl"]
        r["chrome_bytes"] = sizes["chrome"]
        if not a.no_rss:
            for v in best:
                r[f"{v}_rss_kib"] = child_rss(v, impl, a.ops)
        results["engines"][impl] = r
        print(f"{impl}: {a.ops:,} ops  simulate {best['simulate']:.2f} s  "
              f"trace jsonl {best['jsonl']:.2f} s ({r['jsonl_ratio']}x, "
              f"{sizes['jsonl'] / 1e6:.0f} MB)  chrome {best['chrome']:.2f} s "
              f"({r['chrome_ratio']}x, {sizes['chrome'] / 1e6:.0f} MB)"
              + ("" if a.no_rss else
                 f"  peak RSS simulate {r['simulate_rss_kib'] / 1024:.0f} MiB, jsonl "
                 f"{r['jsonl_rss_kib'] / 1024:.0f} MiB, chrome "
                 f"{r['chrome_rss_kib'] / 1024:.0f} MiB"), flush=True)
    results["maxrss_self_kib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if a.json:
        with open(a.json, "w") as f:
            json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()
