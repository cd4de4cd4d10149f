"""The native backend's figures, each ratio measured in the same run.

    python benchmarks/bench_native.py [--impl classic|swiss|both] [--ops 200000] [--repeat 3]
                                      [--no-go] [--json FILE]

For each workload (fill, churn, mix; ``map[int64]int64``) the operations are
generated once, then replayed by :func:`gomap.sim.simulate` (accounted engine,
event recording, timeline) on the Python backend and on the native backend, and by
a real Go map (``benchmarks/go/replay``, built with the oracle's toolchain of the
engine's Go release) replaying the very same operations. Figures: best of
``--repeat`` runs, ns per operation of process CPU time (for Go: of the replay
loop, parsing excluded; the Go GC's background work counts too). Ratios:
python / native (the speed-up) and native / Go. Both backends must produce the same
report (checked, not assumed).
"""

from __future__ import annotations

import argparse
import atexit
import gc
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from gomap.engines import engine_names, get_engine
from gomap.layout.types import parse_go_type
from gomap.ops import CLEAR, DEL, GET, MAKE, RANGE, SET, Op
from gomap.sim.ops import KeyDomain
from gomap.sim.simulator import simulate
from gomap.sim.workloads import parse_pattern

WORKLOADS = {
    "fill": "fill:n={n}",
    "churn": "churn:size={s},cycles=4",
    "mix": "mix:n={n},space={s},set=0.5,get=0.3,del=0.2",
}
GO_SRC = Path(__file__).parent / "go" / "replay"


def sim_once(impl: str, backend: str, ops: list[Op]) -> tuple[float, dict[str, Any]]:
    import os

    old = os.environ.get("GOMAP_BACKEND")
    os.environ["GOMAP_BACKEND"] = backend
    try:
        gc.collect()
        t0 = time.process_time()
        rep = simulate(impl, "int64", "int64", ops, total=len(ops) - 1, rebuild=False)
        dt = time.process_time() - t0
    finally:
        if old is None:
            del os.environ["GOMAP_BACKEND"]
        else:
            os.environ["GOMAP_BACKEND"] = old
    d = rep.as_dict()
    d.pop("seconds", None)
    d.pop("backend", None)
    return dt, d


def build_go(version: str, workdir: Path) -> Path:
    from gomap.oracle.toolchain import cache_dir, find_go

    tc = find_go(version)
    out = workdir / f"replay-{version}"
    subprocess.run([str(tc.go), "build", "-o", str(out), "."], cwd=GO_SRC,
                   env=tc.env(cache_dir()), check=True, capture_output=True)
    return out


def go_lines(ops: list[Op]) -> str:
    codes = {SET: "s", GET: "g", DEL: "d"}
    out = []
    for op in ops:
        code = op[0]
        if code == MAKE:
            out.append(f"m {op[1]}")
        elif code in codes:
            out.append(f"{codes[code]} {op[1]}")
        elif code == CLEAR:
            out.append("c")
        elif code == RANGE:
            out.append("r")
        else:
            raise ValueError(f"the Go replayer has no op {op!r}")
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--impl", choices=[*engine_names(), "both"], default="both")
    ap.add_argument("--ops", type=int, default=200_000, help="operations per workload")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-go", action="store_true", help="skip the real Go map")
    ap.add_argument("--json", metavar="FILE")
    args = ap.parse_args(argv)
    domain = KeyDomain(parse_go_type("int64"))
    tmp = Path(tempfile.mkdtemp(prefix="gomap-bench-"))
    atexit.register(shutil.rmtree, tmp, ignore_errors=True)  # ops files, Go builds
    impls = engine_names() if args.impl == "both" else [args.impl]
    rows = []
    print(f"{'impl':8} {'workload':8} {'ops':>9} {'python':>9} {'native':>9} {'go':>7} "
          f"{'py/nat':>7} {'nat/go':>7}   (ns/op)")
    for impl in impls:
        go_bin = None if args.no_go else build_go(get_engine(impl).go_version, tmp)
        for name, pat in WORKLOADS.items():
            n = args.ops
            ops = list(parse_pattern(pat.format(n=n, s=max(8, n // 9))).ops(domain))
            nops = len(ops) - 1
            tp = tn = float("inf")
            rp = rn = None
            for _ in range(args.repeat):  # interleaved: both see the same machine
                t, rp = sim_once(impl, "python", ops)
                tp = min(tp, t)
                t, rn = sim_once(impl, "native", ops)
                tn = min(tn, t)
            if rp != rn:
                print(f"{impl} {name}: the backends' reports differ", file=sys.stderr)
                return 1
            py_ns, nat_ns = tp / nops * 1e9, tn / nops * 1e9
            go_ns = None
            if go_bin is not None:
                res = subprocess.run([str(go_bin), "-repeat", str(args.repeat)],
                                     input=go_lines(ops), capture_output=True, text=True,
                                     check=True)
                go_ns = float(res.stdout.strip())
            rows.append({"impl": impl, "workload": name, "ops": nops,
                         "python_ns_per_op": py_ns, "native_ns_per_op": nat_ns,
                         "go_ns_per_op": go_ns, "speedup": py_ns / nat_ns,
                         "native_over_go": None if go_ns is None else nat_ns / go_ns})
            go_s = "-" if go_ns is None else f"{go_ns:.0f}"
            ratio_go = "-" if go_ns is None else f"{nat_ns / go_ns:.1f}x"
            print(f"{impl:8} {name:8} {nops:>9,} {py_ns:>9.0f} {nat_ns:>9.0f} {go_s:>7} "
                  f"{py_ns / nat_ns:>6.1f}x {ratio_go:>7}")
            sys.stdout.flush()
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"python": sys.version.split()[0], "rows": rows}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
