"""A benchmark of this tree against the same benchmark of an earlier commit, in one
run: the ratio new / previous for every row.

    python benchmarks/vs_previous.py REF bench_map.py [--rounds 3] [-- BENCH ARGS...]

The earlier tree is exported with ``git archive REF`` into a temporary folder (and
its C extension built there, as this tree's must be); each
round runs the earlier tree's benchmark and then this tree's, each in a fresh
interpreter on its own source (``PYTHONPATH``), and each row keeps its best (lowest)
time over the rounds, so both versions see the same machine. Rows are matched by
their identifying fields (``impl``, ``n``, ``op``, ``workload``); the figures
compared are ``ns_per_op`` (bench_map.py) and ``simulate_ns_per_op``
(bench_simulate.py).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
KEYS = ("impl", "n", "op", "workload")
FIGURES = ("ns_per_op", "simulate_ns_per_op")


def export(ref: str, dest: Path) -> None:
    archive = dest / "tree.tar"
    with archive.open("wb") as f:
        subprocess.run(["git", "-C", str(ROOT), "archive", ref], stdout=f, check=True)
    with tarfile.open(archive) as t:
        t.extractall(dest / "tree", filter="data")
    # The C extension is not in git: build the earlier tree's own (else it would run
    # on the Python engines and every ratio would flatter the new tree).
    if (dest / "tree" / "setup.py").is_file():
        subprocess.run([sys.executable, "setup.py", "-q", "build_ext", "--inplace"],
                       cwd=dest / "tree", check=True, capture_output=True)


def run(tree: Path, bench: str, args: list[str], out: Path) -> list[dict[str, Any]]:
    env = dict(os.environ, PYTHONPATH=str(tree / "src"))
    out.unlink(missing_ok=True)
    # bench_simulate.py exits 1 when a ratio is over its own bound: still a result
    p = subprocess.run([sys.executable, str(tree / "benchmarks" / bench), *args, "--json",
                        str(out)], env=env, stdout=subprocess.DEVNULL)
    if p.returncode not in (0, 1) or not out.is_file():
        raise SystemExit(f"{tree / 'benchmarks' / bench} failed (exit {p.returncode})")
    data = json.loads(out.read_text())
    return list(data.get("results") or data.get("rows") or [])


def keyed(rows: list[dict[str, Any]]) -> dict[tuple[Any, ...], float]:
    out = {}
    for r in rows:
        fig = next(f for f in FIGURES if f in r)
        out[tuple((k, r[k]) for k in KEYS if k in r)] = float(r[fig])
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("ref", help="the earlier commit (e.g. HEAD~3, a tag, a hash)")
    ap.add_argument("bench", help="bench_map.py or bench_simulate.py")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--json", metavar="FILE", help="write the ratios as JSON")
    args = sys.argv[1:] if argv is None else argv
    extra: list[str] = []
    if "--" in args:  # what follows "--" goes to the benchmark
        cut = args.index("--")
        args, extra = args[:cut], args[cut + 1:]
    a = ap.parse_args(args)
    best: dict[str, dict[tuple[Any, ...], float]] = {"old": {}, "new": {}}
    with tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp)
        export(a.ref, t)
        trees = {"old": t / "tree", "new": ROOT}
        for _ in range(a.rounds):
            for which, tree in trees.items():
                for k, v in keyed(run(tree, a.bench, extra, t / f"{which}.json")).items():
                    best[which][k] = min(v, best[which].get(k, float("inf")))
    rows = []
    print(f"{'row':44} {'previous':>10} {'now':>10} {'ratio':>6}")
    for k, old in best["old"].items():
        new = best["new"].get(k)
        if new is None:
            continue
        label = " ".join(str(v) for _, v in k)
        rows.append({"row": dict(k), "previous": old, "now": new, "ratio": new / old})
        print(f"{label:44} {old:>10.1f} {new:>10.1f} {new / old:>6.3f}")
    worst = max((r["ratio"] for r in rows), default=float("nan"))
    geo = 1.0
    for r in rows:
        geo *= r["ratio"]
    geo **= 1 / max(1, len(rows))
    print(f"worst ratio {worst:.3f}, geometric mean {geo:.3f} ({a.bench} vs {a.ref}, "
          f"best of {a.rounds} rounds)")
    if a.json:
        Path(a.json).write_text(json.dumps({"ref": a.ref, "bench": a.bench, "rows": rows,
                                            "worst": worst, "geomean": geo}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
