"""What auditing a delete costs, how fast each sink drains, and what overload drops.

    python benchmarks/bench_audit.py [--n N] [--repeat R] [--records M] [--json FILE]

1. **Cost per delete**, on ``dict``, native ``GoMap`` (swiss) and ``SyncMap``: N deletes
   through ``audited(...)`` with ``frames=0`` and ``frames=1``, timed up to
   ``auditor.flush()`` returning (the writer's work included), into a ``JsonlSink``
   with ``fsync="never"`` (like the ``FileHandler`` it is compared with) and with
   ``fsync="batch"``. The baseline is the same delete followed by the
   ``logging.info("deleted %r from %s", key, name)`` a user would otherwise write, to a
   ``logging.FileHandler``. Reported: ns added per delete over the bare delete, and
   the ratio (audit's added ns) / (logging's added ns), goal <= 0.5 with ``frames=1``.
   Best of R runs, the variants interleaved within each run; process CPU time (all
   threads, the writer's included: what the process pays) and wall time.
2. **Sustained records/s per sink** with 1, 2 and 4 threads emitting (``overflow=
   "block"``), up to ``flush()``: JSONL (never / batch fsync), SQLite, logging to a
   file, Redis Streams (when ``redis-server`` is on PATH: one is started on a loopback
   port), and a no-op callable.
3. **Overload**: capacity 256, a slow sink, 4 threads emitting; for each policy the
   counts ``dropped_newest + dropped_oldest`` must equal the records missing from the
   sink exactly (checked, not just printed).

Figures on a shared machine are noisy: read the ratios, which are measured in one run.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from typing import Any

from gomap import GoMap
from gomap.audit import (
    Auditor,
    CallableSink,
    JsonlSink,
    LoggingSink,
    RedisStreamSink,
    Sink,
    SqliteSink,
    audited,
)
from gomap.audit.query import read_jsonl
from gomap.companions import SyncMap

MAPS: dict[str, Callable[[], Any]] = {
    "dict": dict,
    "GoMap(native swiss)": lambda: GoMap(impl="swiss", backend="native", seed=1),
    "SyncMap": SyncMap,
}


def _fill(factory: Callable[[], Any], n: int) -> Any:
    m = factory()
    for i in range(n):
        m[i] = i
    return m


Times = tuple[float, float]
"""(process CPU seconds, wall seconds): CPU time counts every thread of the process
(the writer's work included) and is far less disturbed by a loaded machine."""


def _clock() -> Times:
    return time.process_time(), time.perf_counter()


def _since(t0: Times) -> Times:
    c, w = _clock()
    return c - t0[0], w - t0[1]


def _time_plain(factory: Callable[[], Any], n: int) -> Times:
    m = _fill(factory, n)
    t0 = _clock()
    for i in range(n):
        del m[i]
    return _since(t0)


def _time_logging(factory: Callable[[], Any], n: int, tmp: str) -> Times:
    log = logging.getLogger("bench.audit.baseline")
    log.propagate = False
    log.setLevel(logging.INFO)
    path = os.path.join(tmp, "baseline.log")
    h = logging.FileHandler(path)
    h.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    log.addHandler(h)
    m = _fill(factory, n)
    try:
        t0 = _clock()
        for i in range(n):
            del m[i]
            log.info("deleted %r from %s", i, "users")
        h.flush()
        return _since(t0)
    finally:
        log.removeHandler(h)
        h.close()
        os.unlink(path)


def _time_audited(factory: Callable[[], Any], n: int, tmp: str, frames: int,
                  fsync: str) -> Times:
    path = os.path.join(tmp, f"a{frames}{fsync}.jsonl")
    a = Auditor([JsonlSink(path, fsync=fsync)], frames=frames, capacity=1 << 17)
    m = audited(_fill(factory, n), a, name="users")
    t0 = _clock()
    for i in range(n):
        del m[i]
    a.flush()
    dt = _since(t0)
    a.close()
    os.unlink(path)
    return dt


def cost_per_delete(n: int, repeat: int) -> list[dict[str, Any]]:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, factory in MAPS.items():
            best: dict[str, list[float]] = {}
            variants: dict[str, Callable[[], Times]] = {
                "plain": lambda f=factory: _time_plain(f, n),
                "logging": lambda f=factory: _time_logging(f, n, tmp),
                "frames=0": lambda f=factory: _time_audited(f, n, tmp, 0, "never"),
                "frames=1": lambda f=factory: _time_audited(f, n, tmp, 1, "never"),
                "frames=1 fsync=batch": lambda f=factory: _time_audited(f, n, tmp, 1, "batch"),
            }
            for _ in range(repeat):
                for k, fn in variants.items():
                    got = fn()
                    b = best.setdefault(k, [float("inf"), float("inf")])
                    b[0], b[1] = min(b[0], got[0]), min(b[1], got[1])
            row: dict[str, Any] = {"map": name}
            for clock, i in (("cpu", 0), ("wall", 1)):
                plain = best["plain"][i]
                log_add = (best["logging"][i] - plain) / n * 1e9
                row[f"{clock} plain_ns"] = plain / n * 1e9
                row[f"{clock} logging_added_ns"] = log_add
                for k in ("frames=0", "frames=1", "frames=1 fsync=batch"):
                    add = (best[k][i] - plain) / n * 1e9
                    row[f"{clock} {k} added_ns"] = add
                    row[f"{clock} {k} ratio"] = add / log_add
            rows.append(row)
    return rows


class _RedisProc:
    def __init__(self) -> None:
        exe = shutil.which("redis-server")
        self.proc: subprocess.Popen[bytes] | None = None
        self.url = ""
        if exe is None:
            return
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        self.dir = tempfile.mkdtemp(prefix="bench-redis-")
        self.proc = subprocess.Popen([exe, "--port", str(port), "--bind", "127.0.0.1",
                                      "--save", "", "--appendonly", "no", "--dir", self.dir],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.url = f"redis://127.0.0.1:{port}/0"
        import redis

        for _ in range(200):
            try:
                redis.Redis.from_url(self.url).ping()
                return
            except redis.exceptions.ConnectionError:
                time.sleep(0.05)

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait()
            shutil.rmtree(self.dir, ignore_errors=True)


def _sinks(tmp: str, redis_url: str) -> dict[str, Callable[[str], Sink]]:
    def logging_sink(tag: str) -> Sink:
        lg = logging.getLogger(f"bench.audit.sink.{tag}")
        lg.propagate = False
        lg.handlers[:] = [logging.FileHandler(os.path.join(tmp, f"{tag}.log"))]
        lg.setLevel(logging.INFO)
        return LoggingSink(lg)

    out: dict[str, Callable[[str], Sink]] = {
        "jsonl fsync=never": lambda t: JsonlSink(os.path.join(tmp, f"{t}.jsonl"),
                                                 fsync="never"),
        "jsonl fsync=batch": lambda t: JsonlSink(os.path.join(tmp, f"{t}b.jsonl")),
        "sqlite": lambda t: SqliteSink(os.path.join(tmp, f"{t}.db")),
        "logging (file)": logging_sink,
        "callable (no-op)": lambda t: CallableSink(lambda batch: None),
    }
    if redis_url:
        out["redis stream"] = lambda t: RedisStreamSink(redis_url, f"bench:{t}",
                                                        maxlen=100_000)
    return out


def records_per_second(m: int, repeat: int) -> list[dict[str, Any]]:
    rows = []
    rp = _RedisProc()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for name, make in _sinks(tmp, rp.url).items():
                row: dict[str, Any] = {"sink": name}
                for threads in (1, 2, 4):
                    best = 0.0
                    for r in range(repeat):
                        a = Auditor([make(f"s{threads}{r}{len(rows)}")], frames=1,
                                    capacity=8192)
                        per = m // threads
                        barrier = threading.Barrier(threads + 1)

                        def work(a: Auditor = a, per: int = per,
                                 barrier: threading.Barrier = barrier) -> None:
                            barrier.wait()
                            for i in range(per):
                                a.emit("delete", i, map="bench", found=True)

                        ts = [threading.Thread(target=work) for _ in range(threads)]
                        for t in ts:
                            t.start()
                        barrier.wait()
                        t0 = time.perf_counter()
                        for t in ts:
                            t.join()
                        a.flush()
                        dt = time.perf_counter() - t0
                        s = a.stats()
                        a.close()
                        assert s.written == per * threads, s
                        best = max(best, per * threads / dt)
                    row[f"{threads} thread(s)"] = best
                rows.append(row)
    finally:
        rp.stop()
    return rows


def overload(total: int) -> list[dict[str, Any]]:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for policy in ("drop_newest", "drop_oldest", "block"):
            path = os.path.join(tmp, f"{policy}.jsonl")
            slow = JsonlSink(path, fsync="batch")
            a = Auditor([slow], capacity=256, batch=64, overflow=policy, frames=0,
                        flush_interval=0.001)
            per = total // 4

            def work(a: Auditor = a, per: int = per) -> None:
                for i in range(per):
                    a.emit("delete", i, map="overload", found=True)

            ts = [threading.Thread(target=work) for _ in range(4)]
            t0 = time.perf_counter()
            for t in ts:
                t.start()
            for t in ts:
                t.join()
            emit_s = time.perf_counter() - t0
            a.close()
            s = a.stats()
            s.check()
            got = {r["seq"] for r in read_jsonl(path).records}
            missing = s.emitted - len(got)
            exact = (missing == s.dropped_newest + s.dropped_oldest and s.failed == 0
                     and len(got) == s.written)
            assert exact, f"{policy}: {missing} missing != {s}"
            rows.append({"policy": policy, "emitted": s.emitted, "in sink": len(got),
                         "missing": missing, "dropped_newest": s.dropped_newest,
                         "dropped_oldest": s.dropped_oldest, "failed": s.failed,
                         "exact": exact, "emit_s": emit_s})
    return rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=20_000, help="deletes per cost run")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--records", type=int, default=40_000, help="records per sink run")
    ap.add_argument("--overload", type=int, default=40_000, help="records emitted at overload")
    ap.add_argument("--parts", default="cost,sinks,overload",
                    help="which parts to run (comma-separated: cost, sinks, overload)")
    ap.add_argument("--json", metavar="FILE")
    args = ap.parse_args()
    parts = set(args.parts.split(","))
    if not parts <= {"cost", "sinks", "overload"}:
        ap.error(f"--parts: unknown part(s) {sorted(parts - {'cost', 'sinks', 'overload'})}")
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs; load "
          f"{os.getloadavg()[0]:.1f} (a shared machine: read the ratios)")
    out: dict[str, Any] = {}
    cost = cost_per_delete(args.n, args.repeat) if "cost" in parts else []
    out["cost"] = cost
    for clock in ("cpu", "wall"):
        print(f"\n1. cost per delete, {clock} time (N={args.n}, best of {args.repeat}; ns "
              "added over the bare delete; ratio = audit's added ns / logging.info's)")
        print(f"{'map':20} {'bare':>6} {'logging':>8} {'frames=0':>16} {'frames=1':>16} "
              f"{'frames=1 fsync':>16}")
        for r in cost:
            cells = " ".join(
                f"{r[f'{clock} {k} added_ns']:7.0f} ({r[f'{clock} {k} ratio']:.2f}x)"
                for k in ("frames=0", "frames=1", "frames=1 fsync=batch"))
            print(f"{r['map']:20} {r[f'{clock} plain_ns']:6.0f} "
                  f"{r[f'{clock} logging_added_ns']:8.0f} {cells}")
    sinks = records_per_second(args.records, max(1, args.repeat - 1)) if "sinks" in parts else []
    out["sinks"] = sinks
    print(f"\n2. sustained records/s into each sink ({args.records} records, up to flush)")
    print(f"{'sink':20} {'1 thread':>12} {'2 threads':>12} {'4 threads':>12}")
    for r in sinks:
        print(f"{r['sink']:20} " + " ".join(f"{r[f'{t} thread(s)']:12,.0f}" for t in (1, 2, 4)))
    ov = overload(args.overload) if "overload" in parts else []
    out["overload"] = ov
    print(f"\n3. overload: capacity 256, JSONL fsync=batch, 4 threads, {args.overload} records")
    for r in ov:
        print(f"{r['policy']:12} emitted {r['emitted']:>7} in sink {r['in sink']:>7} "
              f"missing {r['missing']:>7} = dropped_newest {r['dropped_newest']:>7} + "
              f"dropped_oldest {r['dropped_oldest']:>7}  exact: {r['exact']}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(out, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
