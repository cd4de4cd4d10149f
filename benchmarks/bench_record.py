"""The slowdown of a map-heavy Go program under ``gomap record``, as ratios to the
untraced run measured in the same session, with the event rate.

    sudo python benchmarks/bench_record.py [--n 200000] [--repeat 3] [--go RELEASE]
                                           [--json FILE]

``benchmarks/record_go/heavy.go`` (two goroutines; per iteration one assign, one
lookup and, every other iteration, one delete, on an int64-keyed and a string-keyed
map) is built once, then run untraced, under ``record --ops deletes`` and under
``record --ops all``, interleaved, ``--repeat`` times each. The figure is the
program's wall time from its start to its exit (a thread waits on it; the untraced run
is timed the same way), not the recorder's own decoding after the exit. Ratios are of
medians. Needs root and tracefs uprobe events.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from gomap.versions import pinned_release

HERE = Path(__file__).parent


def build(go_version: str, out: Path) -> Path:
    from gomap.oracle.toolchain import find_go

    go = find_go(go_version)
    exe = out / f"heavy-{go_version}"
    env = {**os.environ, "GO111MODULE": "off", "GOTOOLCHAIN": "local", "CGO_ENABLED": "0"}
    subprocess.run([str(go.go), "build", "-o", str(exe), str(HERE / "record_go" / "heavy.go")],
                   env=env, check=True, cwd=HERE / "record_go")
    return exe


def untraced(exe: Path, n: int) -> float:
    t0 = time.monotonic()
    subprocess.run([str(exe), str(n)], check=True, capture_output=True)
    return time.monotonic() - t0


def traced(exe: Path, n: int, ops: str) -> tuple[float, int, int]:
    from gomap.record.session import record

    res = record(cmd=[str(exe), str(n)], ops=ops, stdin=subprocess.DEVNULL, buffer_mb=64)
    assert res.target_seconds is not None
    return res.target_seconds, res.recorder.stats.events, res.recorder.stats.lost


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=200_000, help="iterations per goroutine")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--go", default=pinned_release("swiss"),
                    help="Go release to build the program with (default: the Swiss engine's)")
    ap.add_argument("--json", metavar="FILE")
    args = ap.parse_args(argv)
    if os.geteuid() != 0:
        print("bench_record: needs root (tracefs uprobe events)", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as d:
        exe = build(args.go, Path(d))
        times: dict[str, list[float]] = {"untraced": [], "deletes": [], "all": []}
        events: dict[str, list[int]] = {"deletes": [], "all": []}
        lost: dict[str, int] = {"deletes": 0, "all": 0}
        untraced(exe, args.n)  # warm the page cache
        for _ in range(args.repeat):
            times["untraced"].append(untraced(exe, args.n))
            for mode in ("deletes", "all"):
                t, ev, lo = traced(exe, args.n, mode)
                times[mode].append(t)
                events[mode].append(ev)
                lost[mode] += lo
    base = statistics.median(times["untraced"])
    rows: list[dict[str, Any]] = [{"mode": "untraced", "median_s": base, "ratio": 1.0,
                                   "events": 0, "events_per_s": 0.0, "lost": 0}]
    for mode in ("deletes", "all"):
        med = statistics.median(times[mode])
        ev = int(statistics.median(events[mode]))
        rows.append({"mode": f"--ops {mode}", "median_s": med, "ratio": med / base,
                     "events": ev, "events_per_s": ev / med, "lost": lost[mode]})
    print(f"heavy.go, Go {args.go}, n={args.n:,} per goroutine, {args.repeat} runs each "
          f"(interleaved; medians)")
    print(f"{'mode':<14}{'seconds':>10}{'ratio':>8}{'events':>12}{'events/s':>12}{'lost':>7}")
    for r in rows:
        print(f"{r['mode']:<14}{r['median_s']:>10.3f}{r['ratio']:>8.2f}{r['events']:>12,}"
              f"{r['events_per_s']:>12,.0f}{r['lost']:>7}")
    if args.json:
        Path(args.json).write_text(json.dumps({"go": args.go, "n": args.n,
                                               "repeat": args.repeat, "rows": rows,
                                               "runs": times}, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
