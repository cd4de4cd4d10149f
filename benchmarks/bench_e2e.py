"""`gomap simulate` measured as the user runs it: whole processes, ratios in one run.

    python benchmarks/bench_e2e.py [--impl classic|swiss|both] [--ops 500000]
                                   [--keys int64,string] [--workloads fill,churn,mix]
                                   [--pattern-ops 1000000] [--repeat 3] [--gzip]
                                   [--no-go] [--json FILE]

**Ops files.** For each workload (fill, churn, mix) and key type (int64, string) an
ops file of ``--ops`` operations is written once (``set 123`` / ``set "k3x9..."``
lines, from the built-in pattern generators). Then, interleaved ``--repeat`` times,
the whole process ``gomap simulate --impl I --key K --ops FILE --quiet --json J``
runs against ``benchmarks/go/opsfile`` — a Go program built with the oracle toolchain
of the engine's Go release, which reads the same file line by line and replays each
operation on a real ``map[K]int64`` as it is read. Figures: the best CPU time (user +
system, from ``wait4``) of each process, and the ratio gomap / Go. The report's
``entries`` must equal the Go map's ``len`` (checked).

**Patterns.** ``gomap simulate --pattern P`` as a whole process against the C replay
loop's own time on the same operations (generated beforehand, replayed by
:func:`gomap.sim.simulate` in this process: accounting, events, timeline).

**Start-up.** ``gomap simulate --pattern fill:n=1``: the fixed cost of a process
(interpreter, imports), included in every gomap figure above.

**Bytecode.** gomap runs as an installed package does: its modules' bytecode compiled
once (``compileall``) and read from ``__pycache__``, whatever
``PYTHONDONTWRITEBYTECODE`` says in this shell. ``--cold-bytecode`` compiles every
module from source in every process instead (as a shell with
``PYTHONDONTWRITEBYTECODE=1`` and no cache does): about 60-80 ms more per process.
"""

from __future__ import annotations

import argparse
import atexit
import gc
import gzip
import json
import os
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
from gomap.sim.ops import KeyDomain, go_quote
from gomap.sim.simulator import simulate
from gomap.sim.workloads import parse_pattern

WORKLOADS = {
    "fill": "fill:n={n},keys={keys}",
    "churn": "churn:size={s},cycles=4,keys={keys}",
    "mix": "mix:n={n},space={s},set=0.5,get=0.3,del=0.2,keys={keys}",
}
KEY_SOURCES = {"int64": "random", "string": "string:16"}
GO_SRC = Path(__file__).parent / "go" / "opsfile"


def pattern(workload: str, n: int, key: str) -> str:
    s = max(8, n // 9)  # churn: size * 9 ops
    return WORKLOADS[workload].format(n=n, s=s, keys=KEY_SOURCES[key])


def run_timed(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, float, str]:
    """(CPU seconds, wall seconds, stdout) of one whole child process."""
    cpu, wall, out, _ = run_measured(cmd, env)
    return cpu, wall, out


def peak_rss(cmd: list[str]) -> int:
    """Peak RSS in bytes of ``cmd``, measured by ``/usr/bin/time`` (a child forked from
    this process would start with this process's own peak)."""
    with tempfile.NamedTemporaryFile("r") as out:
        subprocess.run(["/usr/bin/time", "-f", "%M", "-o", out.name, *cmd], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return int(out.read().split()[-1]) * 1024


def run_measured(cmd: list[str], env: dict[str, str] | None = None
                 ) -> tuple[float, float, str, int]:
    """(CPU seconds, wall seconds, stdout, peak RSS in bytes: see :func:`peak_rss`) of
    one child process."""
    t0 = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        p = subprocess.Popen(cmd, stdout=out, stderr=err, env=env)
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t0
        p.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if p.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)}: exit {p.returncode}: "
                               f"{err.read().decode(errors='replace')[-2000:]}")
        return ru.ru_utime + ru.ru_stime, wall, out.read().decode(), ru.ru_maxrss * 1024


def build_go(version: str, workdir: Path) -> Path:
    from gomap.oracle.toolchain import cache_dir, find_go

    tc = find_go(version)
    out = workdir / f"opsfile-{version}"
    subprocess.run([str(tc.go), "build", "-o", str(out), "."], cwd=GO_SRC,
                   env=tc.env(cache_dir()), check=True, capture_output=True)
    return out


def write_ops(path: Path, ops: list[Op], key: str, compress: bool) -> None:
    codes = {SET: "set", GET: "get", DEL: "del"}
    lines = []
    for code, arg in ops:
        if code == MAKE:
            if arg:
                lines.append(f"make {arg}")
        elif code in codes:
            lines.append(f"{codes[code]} {go_quote(arg) if key == 'string' else arg}")
        elif code == CLEAR:
            lines.append("clear")
        elif code == RANGE:
            lines.append("iter")
    data = ("\n".join(lines) + "\n").encode()
    if compress:
        data = gzip.compress(data, compresslevel=1)
    path.write_bytes(data)


def gomap_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "gomap", "simulate", "--quiet", *args]


GOMAP_ENV: dict[str, str] | None = None
"""The environment of the gomap processes (see "Bytecode")."""


def bytecode_env(cold: bool) -> dict[str, str]:
    """The gomap processes' environment: the package's bytecode compiled beforehand
    and read from its cache (an installed package's start-up), or, ``cold``, never
    written (every module compiled from source in every process)."""
    import compileall

    import gomap

    env = dict(os.environ)
    if cold:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        return env
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    compileall.compile_dir(str(Path(gomap.__file__).parent), quiet=1)
    return env


def loop_time(impl: str, key: str, ops: list[Op], repeat: int) -> float:
    """Best CPU time of :func:`simulate` (native: the C loop) on ``ops``: the replay
    (accounting, events, timeline), without the report's rebuilt-map account."""
    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        t0 = time.process_time()
        simulate(impl, key, "int64", ops, total=len(ops) - 1, rebuild=False)
        best = min(best, time.process_time() - t0)
    return best


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--impl", choices=[*engine_names(), "both"], default="both")
    ap.add_argument("--ops", type=int, default=500_000, help="operations per ops file")
    ap.add_argument("--keys", default="int64,string")
    ap.add_argument("--workloads", default="fill,churn,mix")
    ap.add_argument("--pattern-ops", type=int, default=1_000_000,
                    help="operations per --pattern run (0: skip the pattern runs)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--gzip", action="store_true", help="also time gzip-compressed files")
    ap.add_argument("--no-go", action="store_true")
    ap.add_argument("--no-files", action="store_true", help="only the --pattern runs")
    ap.add_argument("--rss-keys", type=int, default=0, metavar="N",
                    help="peak RSS holding N live int64 keys: gomap vs Go (0: skip)")
    ap.add_argument("--cold-bytecode", action="store_true",
                    help="compile gomap from source in every process (see Bytecode)")
    ap.add_argument("--json", metavar="FILE")
    args = ap.parse_args(argv)
    global GOMAP_ENV
    GOMAP_ENV = bytecode_env(args.cold_bytecode)
    impls = engine_names() if args.impl == "both" else [args.impl]
    keys = [k.strip() for k in args.keys.split(",") if k.strip()]
    workloads = [w.strip() for w in args.workloads.split(",") if w.strip()]
    tmp = Path(tempfile.mkdtemp(prefix="gomap-e2e-"))
    atexit.register(shutil.rmtree, tmp, ignore_errors=True)  # ops files, Go builds
    rows: list[dict[str, Any]] = []

    t_start, _, _ = min(run_timed(gomap_cmd("--pattern", "fill:n=1"), GOMAP_ENV)
                        for _ in range(args.repeat))
    print(f"start-up (gomap simulate --pattern fill:n=1): {t_start * 1e3:.0f} ms CPU")

    files: dict[tuple[str, str], tuple[Path, int]] = {}
    for key in [] if args.no_files else keys:
        dom = KeyDomain(parse_go_type(key))
        for w in workloads:
            ops = list(parse_pattern(pattern(w, args.ops, key)).ops(dom))
            f = tmp / f"{w}-{key}.ops"
            write_ops(f, ops, key, False)
            files[(w, key)] = (f, len(ops) - 1)
            if args.gzip:
                g = tmp / f"{w}-{key}.ops.gz"
                write_ops(g, ops, key, True)
                files[(w + ".gz", key)] = (g, len(ops) - 1)
    go_bins = {} if args.no_go or args.no_files else {
        impl: build_go(get_engine(impl).go_version, tmp) for impl in impls}

    print(f"\n--ops FILE, whole processes, best CPU of {args.repeat} (interleaved)")
    print(f"{'impl':8} {'workload':9} {'key':7} {'ops':>9} {'gomap s':>8} {'go s':>7} "
          f"{'gomap ns/op':>11} {'go ns/op':>9} {'ratio':>7}")
    for impl in impls:
        for (w, key), (f, nops) in files.items():
            best_g = best_go = float("inf")
            rep = tmp / "rep.json"
            go_out = ""
            for _ in range(args.repeat):
                t, _, _ = run_timed(gomap_cmd("--impl", impl, "--key", key, "--ops", str(f),
                                              "--json", str(rep)), GOMAP_ENV)
                best_g = min(best_g, t)
                if impl in go_bins and not w.endswith(".gz"):
                    t, _, go_out = run_timed([str(go_bins[impl]), "-key", key, str(f)])
                    best_go = min(best_go, t)
            entries = json.loads(rep.read_text())["entries"]
            if go_out and int(go_out.split()[1]) != entries:
                print(f"{impl} {w} {key}: gomap has {entries} entries, Go {go_out.split()[1]}",
                      file=sys.stderr)
                return 1
            go_s = None if best_go == float("inf") else best_go
            ratio = None if go_s is None else best_g / go_s
            rows.append({"kind": "ops", "impl": impl, "workload": w, "key": key, "ops": nops,
                         "gomap_s": best_g, "go_s": go_s, "ratio": ratio})
            print(f"{impl:8} {w:9} {key:7} {nops:>9,} {best_g:>8.2f} "
                  f"{'-' if go_s is None else f'{go_s:.2f}':>7} {best_g / nops * 1e9:>11.0f} "
                  f"{'-' if go_s is None else f'{go_s / nops * 1e9:.0f}':>9} "
                  f"{'-' if ratio is None else f'{ratio:.2f}x':>7}")
            sys.stdout.flush()

    if args.pattern_ops:
        n = args.pattern_ops
        print(f"\n--pattern, whole process vs the C loop on the same ops "
              f"(best CPU of {args.repeat})")
        print(f"{'impl':8} {'pattern':36} {'ops':>10} {'process s':>9} {'loop s':>7} "
              f"{'ratio':>7}")
        for impl in impls:
            for w in workloads:
                spec = pattern(w, n, "int64")
                ops = list(parse_pattern(spec).ops(KeyDomain(parse_go_type("int64"))))
                t_loop = loop_time(impl, "int64", ops, args.repeat)
                del ops
                gc.collect()
                t_proc = min(run_timed(gomap_cmd("--impl", impl, "--pattern", spec),
                                       GOMAP_ENV)[0]
                             for _ in range(args.repeat))
                nops = parse_pattern(spec).total
                rows.append({"kind": "pattern", "impl": impl, "pattern": spec, "ops": nops,
                             "process_s": t_proc, "loop_s": t_loop, "ratio": t_proc / t_loop})
                print(f"{impl:8} {spec:36} {nops:>10,} {t_proc:>9.2f} {t_loop:>7.2f} "
                      f"{t_proc / t_loop:>6.2f}x")
                sys.stdout.flush()
    if args.rss_keys:
        n = args.rss_keys
        spec = f"fill:n={n},keys=random"
        f = tmp / "rss.ops"
        with open(f, "w") as fh:
            for code, k in parse_pattern(spec).ops(KeyDomain(parse_go_type("int64"))):
                if code == SET:
                    fh.write(f"set {k}\n")
        print(f"\npeak RSS holding {n:,} live int64 keys (map[int64]int64; MiB)")
        rep = tmp / "rss.json"
        for impl in impls:
            rss_file = peak_rss(gomap_cmd("--impl", impl, "--ops", str(f)))
            rss_pat = peak_rss(gomap_cmd("--impl", impl, "--pattern", spec, "--json", str(rep)))
            heap = json.loads(rep.read_text())["peak_live_bytes"]  # the Go map's, modelled
            rss_go = None
            if impl in go_bins or not args.no_go:
                gb = go_bins.get(impl) or build_go(get_engine(impl).go_version, tmp)
                rss_go = peak_rss([str(gb), "-key", "int64", str(f)])
            rows.append({"kind": "rss", "impl": impl, "keys": n, "gomap_ops_file": rss_file,
                         "gomap_pattern": rss_pat, "go": rss_go, "go_map_peak_live": heap})
            mib = 1 << 20
            go_s = "-" if rss_go is None else f"{rss_go / mib:.0f}"
            ratio = "-" if rss_go is None else f"{rss_file / rss_go:.2f}x / {rss_pat / rss_go:.2f}x"
            print(f"{impl:8} gomap --ops {rss_file / mib:.0f}, gomap --pattern "
                  f"{rss_pat / mib:.0f}, Go {go_s} (its map's peak live heap "
                  f"{heap / mib:.0f}); gomap / Go {ratio}")
        f.unlink()
    if args.json:
        with open(args.json, "w") as fh:
            json.dump({"python": sys.version.split()[0], "startup_s": t_start, "rows": rows,
                       "bytecode": "cold" if args.cold_bytecode else "cached"},
                      fh, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
