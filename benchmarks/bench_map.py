"""ns/op of GoMap against dict, measured in the same run.

    python benchmarks/bench_map.py [--impl classic|swiss|both] [--sizes 10000,1000000]
                                   [--backend python|native|both] [--repeat 3] [--json FILE]

For each size n, with n distinct random int keys: ``set`` (insert all n into a new
map), ``get`` (look each up), ``iterate`` (range over all pairs), ``delete``
(delete all n). The figure reported is the best of ``--repeat`` rounds, as ns per
operation (CPU time of this process, so that other work on a shared machine does
not count), and the ratio to ``dict`` doing the same thing in the same process, in
the same rounds (dict, then GoMap, round after round).
``--backend``: the engines' backend (``native``: the C engines of
:mod:`gomap.native`, where built; an engine without one is skipped).

``iterate`` rows also give ``dict`` iterating the same objects in an order unrelated
to where they live in memory (a dict filled from a shuffled copy of the keys): a Go
map's iteration order is hash order, so that is the memory access pattern GoMap's
iteration has, where the plain ``dict`` figure walks the objects in the order they were
allocated (``dict_scattered_ns_per_op``, ``ratio_scattered``).
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import sys
import time
from collections.abc import Callable
from typing import Any

from gomap import GoMap
from gomap.engines import engine_names


def _best(fn: Callable[[], Any], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        t0 = time.process_time()
        fn()
        best = min(best, time.process_time() - t0)
    return best


def _iterate_all(m: Any) -> Callable[[], None]:
    def run() -> None:
        for _k, _v in m.items():
            pass
    return run


def bench(factory: Callable[[], Any], keys: list[int], repeat: int) -> dict[str, float]:
    n = len(keys)
    out: dict[str, float] = {}

    def do_set() -> Any:
        m = factory()
        for k in keys:
            m[k] = k
        return m

    out["set"] = _best(do_set, repeat) / n * 1e9
    m = do_set()
    get = m.get

    def do_get() -> None:
        for k in keys:
            get(k)

    out["get"] = _best(do_get, repeat) / n * 1e9

    out["iterate"] = _best(_iterate_all(m), repeat) / n * 1e9

    def do_delete() -> None:
        mm = do_set()
        t0 = time.process_time()
        if isinstance(mm, dict):
            for k in keys:
                del mm[k]
        else:
            d = mm.delete
            for k in keys:
                d(k)
        return time.process_time() - t0  # type: ignore[return-value]

    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        best = min(best, do_delete())  # type: ignore[arg-type]
    out["delete"] = best / n * 1e9
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--impl", choices=[*engine_names(), "both"], default="both")
    p.add_argument("--sizes", default="10000,1000000")
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--backend", choices=["python", "native", "both"], default="both")
    p.add_argument("--json", help="write the figures to this file")
    args = p.parse_args(argv)
    impls = engine_names() if args.impl == "both" else [args.impl]
    from gomap.native import AVAILABLE, NATIVE_IMPLS

    backends = ["python", "native"] if args.backend == "both" else [args.backend]
    rng = random.Random(1)
    results: list[dict[str, Any]] = []
    print(f"{'map':>8} {'backend':>8} {'n':>8} {'op':>8} {'ns/op':>10} {'dict ns/op':>11} "
          f"{'ratio':>7}")
    for n in (int(s) for s in args.sizes.split(",")):
        keys = rng.sample(range(1 << 62), n)
        shuffled = keys[:]
        random.Random(2).shuffle(shuffled)
        for impl in impls:
            for backend in backends:
                if backend == "native" and (impl not in NATIVE_IMPLS or not AVAILABLE):
                    continue
                # dict and GoMap in turn, round after round (each keeps its best), so
                # that both see the same machine when other work comes and goes
                base: dict[str, float] = {}
                figs: dict[str, float] = {}
                base_scattered = float("inf")
                for _ in range(args.repeat):
                    for target, factory in (
                            (base, dict),
                            (figs, lambda impl=impl, b=backend: GoMap(impl=impl, seed=1,
                                                                      backend=b))):
                        for op, ns in bench(factory, keys, 1).items():
                            target[op] = min(target.get(op, ns), ns)
                    # the same objects, out of allocation order
                    base_scattered = min(base_scattered, _best(
                        _iterate_all({k: k for k in shuffled}), 1) / n * 1e9)
                for op, ns in figs.items():
                    ratio = ns / base[op]
                    row = {"impl": impl, "backend": backend, "n": n, "op": op,
                           "ns_per_op": round(ns, 1), "dict_ns_per_op": round(base[op], 1),
                           "ratio": round(ratio, 2)}
                    extra = ""
                    if op == "iterate":
                        row["dict_scattered_ns_per_op"] = round(base_scattered, 1)
                        row["ratio_scattered"] = round(ns / base_scattered, 2)
                        extra = (f"   (dict over the same objects out of allocation order: "
                                 f"{base_scattered:.1f} ns/op, {ns / base_scattered:.2f}x)")
                    results.append(row)
                    print(f"{impl:>8} {backend:>8} {n:>8} {op:>8} {ns:>10.1f} {base[op]:>11.1f} "
                          f"{ratio:>6.1f}x{extra}")
                sys.stdout.flush()
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"python": sys.version.split()[0], "results": results}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
