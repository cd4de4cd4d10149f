"""Instructions executed (valgrind's callgrind), this tree against an earlier commit:
a measure of "no slower" that a busy machine cannot blur.

    python benchmarks/bench_instructions.py REF [--n 4000]

For each engine, workloads run in a fresh interpreter under
``valgrind --tool=callgrind``: ``map`` (GoMap: set n keys, get each, range, delete
each — bench_map.py's four operations) and ``sim-fill`` / ``sim-churn`` /
``sim-mix`` (``gomap.sim.simulate``, bench_simulate.py's workloads at size n, int64
keys; the ops are generated inside the measured part, the same in both trees). The
interpreter's start-up and imports are measured on their own and subtracted. The
earlier tree comes from ``git archive REF``. Prints instructions per operation and
the ratio now / previous.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from vs_previous import ROOT, export

from gomap.engines import engine_names

SETUP = """
import random
from gomap import GoMap
from gomap.sim.simulator import simulate
from gomap.sim.workloads import parse_pattern
from gomap.sim.ops import KeyDomain
from gomap.layout.types import parse_go_type
keys = random.Random(1).sample(range(1 << 62), {n})
dom = KeyDomain(parse_go_type("int64"))
patterns = {{"fill": "fill:n={n}", "churn": "churn:size={s},cycles=2",
            "mix": "mix:n={n},space={s},set=0.5,get=0.3,del=0.2"}}
"""
WORK = {
    "map": """
m = GoMap(impl={impl!r}, seed=1)
for k in keys: m[k] = k
for k in keys: m.get(k)
for kv in m.items(): pass
for k in keys: m.delete(k)
""",
}
for _w in ("fill", "churn", "mix"):  # bench_simulate.py's three workloads
    WORK[f"sim-{_w}"] = (f"ops = list(parse_pattern(patterns[{_w!r}]).ops(dom))\n"
                         "simulate({impl!r}, 'int64', 'int64', ops, total=len(ops) - 1, "
                         "rebuild=False)\n")


def instructions(tree: Path, code: str) -> int:
    env = dict(os.environ, PYTHONPATH=str(tree / "src"))
    with tempfile.TemporaryDirectory() as tmp:
        p = subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={tmp}/out",
                            sys.executable, "-c", code], env=env, capture_output=True, text=True)
    m = re.search(r"Collected : (\d+)", p.stderr)
    if p.returncode != 0 or m is None:
        raise SystemExit(f"callgrind failed:\n{p.stderr[-2000:]}")
    return int(m.group(1))


def _count_ops(pattern: str) -> int:
    from gomap.layout.types import parse_go_type
    from gomap.sim.ops import KeyDomain
    from gomap.sim.workloads import parse_pattern

    w = parse_pattern(pattern)
    return sum(1 for _ in w.ops(KeyDomain(parse_go_type("int64")))) - 1


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("ref")
    ap.add_argument("--n", type=int, default=4000)
    ap.add_argument("--impl", action="append", help="engine (repeatable; default both)")
    a = ap.parse_args(argv)
    setup = SETUP.format(n=a.n, s=a.n)
    with tempfile.TemporaryDirectory() as tmp:
        export(a.ref, Path(tmp))
        trees = {"previous": Path(tmp) / "tree", "now": ROOT}
        base = {k: instructions(t, setup) for k, t in trees.items()}
        nops_of = {w: _count_ops(p.format(n=a.n, s=a.n)) for w, p in
                   {"fill": "fill:n={n}", "churn": "churn:size={s},cycles=2",
                    "mix": "mix:n={n},space={s},set=0.5,get=0.3,del=0.2"}.items()}
        print(f"{'engine':8} {'workload':9} {'previous/op':>12} {'now/op':>10} {'ratio':>6}")
        for impl in a.impl or engine_names():
            for name, work in WORK.items():
                code = setup + work.format(impl=impl)
                got = {k: instructions(t, code) - base[k] for k, t in trees.items()}
                # map: n each of set, get, range step, delete
                nops = 4 * a.n if name == "map" else nops_of[name[4:]]
                old, new = got["previous"] / nops, got["now"] / nops
                print(f"{impl:8} {name:9} {old:>12,.0f} {new:>10,.0f} {new / old:>6.3f}",
                      flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
