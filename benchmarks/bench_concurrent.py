"""The concurrency companions' benchmark matrix: read/write/delete mixes x threads x maps.

    python benchmarks/bench_concurrent.py [--ops N] [--repeat R] [--json FILE] [--plot FILE.png]

Mixes (read / write / delete, in %): 90/9/1, 50/40/10, 10/80/10. Threads: 1, 2, 4, 8.
Maps: SyncMap 1.23, SyncMap 1.24, ShardedMap(8), ShardedMap(64), COWMap, LockedMap and
the baseline ``dict + threading.Lock``. Each cell prefills 1,024 int keys, then the
threads run ``--ops`` operations in total (split evenly, each thread its own
precomputed random op list over the same 1,024 keys), released together by a
barrier; the cell's figure is total ops / wall time, the best of ``--repeat``
runs (the maps take turns within each repeat, so a noisy neighbour on a shared
machine hurts them alike; best-of, like ``timeit``, because noise only slows).
The CPU time of the process is recorded too (``ops_per_cpu_s``). Every figure is
also printed as a ratio to dict + Lock with the same mix and thread count,
measured in the same run.

The interpreter's GIL state is asserted and printed first. If a free-threaded
interpreter (``python3.13t``/``python3.14t``) is on PATH and can import gomap, the
matrix is run there too.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from gomap.companions import ShardedMap
from gomap.companions.registry import COMPANIONS

GIL_ENABLED: bool = sys._is_gil_enabled() if hasattr(sys, "_is_gil_enabled") else True
assert isinstance(GIL_ENABLED, bool), "could not tell whether the GIL is on"

MIXES = [(90, 9, 1), (50, 40, 10), (10, 80, 10)]
THREADS = [1, 2, 4, 8]
KEYS = 1024


class DictLock:
    """The baseline: a dict and one ``threading.Lock`` around every operation."""

    def __init__(self) -> None:
        self.d: dict[Any, Any] = {}
        self.mu = threading.Lock()

    def load(self, k: Any) -> tuple[Any, bool]:
        with self.mu:
            if k in self.d:
                return self.d[k], True
            return None, False

    def store(self, k: Any, v: Any) -> None:
        with self.mu:
            self.d[k] = v

    def delete(self, k: Any) -> None:
        with self.mu:
            self.d.pop(k, None)


KINDS: dict[str, Callable[[], Any]] = {
    **{spec.label: spec.new for spec in COMPANIONS.values()},  # gomap.companions.registry
    "ShardedMap(64)": lambda: ShardedMap(shards=64),
    "dict + Lock": DictLock,
}
BASELINE = "dict + Lock"


def make_ops(mix: tuple[int, int, int], n: int, seed: int) -> list[tuple[int, int]]:
    rng = random.Random(seed)
    codes = rng.choices((0, 1, 2), weights=mix, k=n)
    return [(c, rng.randrange(KEYS)) for c in codes]


def run_cell(make: Callable[[], Any], mix: tuple[int, int, int], threads: int,
             total_ops: int, seed: int) -> tuple[float, float]:
    """(ops per wall second, ops per CPU second) of one run."""
    m = make()
    for k in range(KEYS):
        m.store(k, k)
    per = total_ops // threads
    programs = [make_ops(mix, per, seed * 100 + t) for t in range(threads)]
    barrier = threading.Barrier(threads + 1)

    def worker(ops: list[tuple[int, int]]) -> None:
        load, store, delete = m.load, m.store, m.delete
        barrier.wait()
        for i, (code, k) in enumerate(ops):
            if code == 0:
                load(k)
            elif code == 1:
                store(k, i)
            else:
                delete(k)

    ts = [threading.Thread(target=worker, args=(p,)) for p in programs]
    for t in ts:
        t.start()
    barrier.wait()
    t0, c0 = time.perf_counter(), time.process_time()
    for t in ts:
        t.join()
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
    return per * threads / elapsed, per * threads / max(cpu, 1e-9)


def run_matrix(total_ops: int, repeat: int) -> dict[str, Any]:
    cells: list[dict[str, Any]] = []
    for mix in MIXES:
        for threads in THREADS:
            runs: dict[str, list[tuple[float, float]]] = {name: [] for name in KINDS}
            for r in range(repeat):
                for name, make in KINDS.items():
                    runs[name].append(run_cell(make, mix, threads, total_ops, seed=r + 1))
            row = {name: max(w for w, _ in rs) for name, rs in runs.items()}
            base = row[BASELINE]
            for name, ops in row.items():
                cells.append({"mix": "/".join(map(str, mix)), "threads": threads, "map": name,
                              "ops_per_s": round(ops), "ratio_to_dict_lock": ops / base,
                              "ops_per_cpu_s": round(max(c for _, c in runs[name]))})
            print(f"  mix {'/'.join(map(str, mix)):8} threads {threads}: " + ", ".join(
                f"{n} {row[n] / 1e3:.0f}k ({row[n] / base:.2f}x)" for n in KINDS), flush=True)
    return {"python": sys.version.split()[0], "gil_enabled": GIL_ENABLED,
            "ops_per_cell": total_ops, "repeat": repeat, "keys": KEYS, "cells": cells}


def print_table(result: dict[str, Any]) -> None:
    print(f"\nops/s (x dict + Lock), Python {result['python']}, GIL "
          f"{'on' if result['gil_enabled'] else 'off'}")
    header = f"{'mix':9} {'thr':>3} " + " ".join(f"{n:>17}" for n in KINDS)
    print(header)
    by = {(c["mix"], c["threads"], c["map"]): c for c in result["cells"]}
    for mix in MIXES:
        ms = "/".join(map(str, mix))
        for threads in THREADS:
            cols = []
            for n in KINDS:
                c = by[(ms, threads, n)]
                cols.append(f"{c['ops_per_s'] / 1e3:8.0f}k ({c['ratio_to_dict_lock']:.2f}x)")
            print(f"{ms:9} {threads:>3} " + " ".join(f"{x:>17}" for x in cols))


def plot(result: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(MIXES), figsize=(15, 4.6), sharey=True)
    for ax, mix in zip(axes, MIXES, strict=True):
        ms = "/".join(map(str, mix))
        for n in KINDS:
            ys = [c["ops_per_s"] / 1e3 for c in result["cells"]
                  if c["mix"] == ms and c["map"] == n]
            ax.plot(THREADS, ys, marker="o", label=n,
                    linestyle="--" if n == BASELINE else "-")
        ax.set_title(f"read/write/delete {ms}")
        ax.set_xlabel("threads")
        ax.set_xticks(THREADS)
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("thousand ops/s (all threads)")
    axes[-1].legend(fontsize=8)
    gil = "on" if result["gil_enabled"] else "off"
    fig.suptitle(f"gomap concurrency companions, Python {result['python']} (GIL {gil})")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    print(f"plot written to {path}")


def free_threaded_python() -> str | None:
    """A free-threaded interpreter on PATH that can import gomap, or None."""
    for name in ("python3.14t", "python3.13t"):
        exe = shutil.which(name)
        if exe is None:
            continue
        probe = subprocess.run([exe, "-c", "import sys, gomap.companions; "
                                "print(sys._is_gil_enabled())"],
                               capture_output=True, text=True)
        if probe.returncode == 0 and probe.stdout.strip() == "False":
            return exe
    return None


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--ops", type=int, default=20_000, help="operations per cell (all threads)")
    p.add_argument("--repeat", type=int, default=5, help="runs per cell (best)")
    p.add_argument("--json", type=Path, help="write the results as JSON")
    p.add_argument("--plot", type=Path, help="plot the matrix (PNG)")
    p.add_argument("--no-free-threaded", action="store_true",
                   help="do not look for a free-threaded interpreter")
    args = p.parse_args(argv)
    if args.ops < max(THREADS) or args.repeat < 1:
        p.error("--ops must be >= 8 and --repeat >= 1")
    print(f"Python {sys.version.split()[0]}: GIL {'enabled' if GIL_ENABLED else 'DISABLED'}"
          f" (sys._is_gil_enabled {'present' if hasattr(sys, '_is_gil_enabled') else 'absent'})")
    result = run_matrix(args.ops, args.repeat)
    print_table(result)
    results = [result]
    if GIL_ENABLED and not args.no_free_threaded:
        exe = free_threaded_python()
        if exe is None:
            print("\nno free-threaded interpreter (python3.13t / python3.14t) found: "
                  "GIL-on figures only")
        else:
            print(f"\nrunning again on the free-threaded {exe}")
            out = subprocess.run([exe, __file__, "--ops", str(args.ops), "--repeat",
                                  str(args.repeat), "--no-free-threaded", "--json", "/dev/stdout"],
                                 capture_output=True, text=True, check=True)
            results.append(json.loads(out.stdout[out.stdout.index("{"):]))
    if args.json:
        text = json.dumps(results if len(results) > 1 else result, indent=1)
        if str(args.json) == "/dev/stdout":
            print(text)
        else:
            args.json.write_text(text)
    if args.plot:
        plot(result, args.plot)
    return 0


if __name__ == "__main__":
    sys.exit(main())
