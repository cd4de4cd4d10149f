"""Processes contending for leases on a real redis-server, one of them SIGKILLed while
it holds leases, the server restarted mid-run; the shared append log they write is then
checked. Used by tests/lifecycle/test_redis.py (one trial) and runnable for many::

    python -m tests.support.lease_contention --trials 10      # prints one JSON line per trial

The protected resource is the append log itself: every write goes through a fence
(the highest token accepted per resource, kept in the log directory) under one
``flock``, and is logged as ``write`` or ``refused`` with its token. Lease events are
logged too: ``acquire`` (with the time the reply came and the local ``valid_until``),
``renew`` (new ``valid_until``), ``release`` (logged *before* the release is sent),
``lost``. Worker w3 sometimes stalls past its TTL and then writes without checking its
lease (``who`` ends in ``-paused``): only the fence stops that write. Times are
``time.monotonic()``, one clock for every process on the host.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import itertools
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

RESOURCES = [f"res{i:02d}" for i in range(20)]
HOT = RESOURCES[:4]  # the victim works only on these; the others half the time


@contextlib.contextmanager
def _locked(d: Path) -> Iterator[None]:
    with open(d / "lock", "a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def _append(d: Path, rec: dict[str, Any]) -> None:
    with open(d / "log.jsonl", "a") as f:
        f.write(json.dumps(rec) + "\n")


def log(d: Path, rec: dict[str, Any]) -> None:
    with _locked(d):
        _append(d, rec)


def protected_write(d: Path, rid: str, token: int, who: str) -> bool:
    """The fenced write: refused if a higher token for ``rid`` was accepted before."""
    with _locked(d):
        fence = d / f"fence-{rid}"
        top = int(fence.read_text()) if fence.exists() else 0
        ok = token >= top
        if ok:  # atomically: a SIGKILL between truncate and write must not lose the fence
            tmp = d / f"fence-{rid}.{os.getpid()}"
            tmp.write_text(str(token))
            os.replace(tmp, fence)
        _append(d, {"op": "write" if ok else "refused", "rid": rid, "token": token,
                    "who": who, "t": time.monotonic()})
        return ok


def worker(url: str, d: Path, name: str, duration: float, ttl: float, seed: int) -> None:
    from gomap.lifecycle import LeaseLostError, LeaseStoreError, RedisLeaseStore, Registry

    rng = random.Random(seed)
    store = RedisLeaseStore(url, socket_timeout=0.5)
    reg = Registry(store=store, owner=name, events="sync")
    (d / f"ready-{name}").touch()
    while not (d / "go").exists():
        time.sleep(0.005)
    until = time.monotonic() + duration
    while time.monotonic() < until:
        held = []
        pool = HOT if name == "w0" or rng.random() < 0.5 else RESOURCES
        for rid in rng.sample(pool, rng.randint(1, 3)):
            try:
                h = reg.acquire(rid, ttl)
            except LeaseStoreError:
                time.sleep(0.05)
                continue
            if h is not None:
                log(d, {"op": "acquire", "rid": rid, "token": h.lease.token, "who": name,
                        "t": time.monotonic(), "valid_until": h.lease.valid_until,
                        "previous": h.lease.previous})
                held.append(h)
        if name == "w3" and held and rng.random() < 0.2:
            # a stall past the TTL (a GC pause, a stopped VM), then a write that does not
            # check the lease first: only the fence can stop it
            time.sleep(ttl * 1.5)
            h = held[0]
            protected_write(d, h.lease.resource_id, h.lease.token, name + "-paused")
        for _ in range(rng.randint(1, 4)):
            for h in list(held):
                if h.lease.valid:
                    protected_write(d, h.lease.resource_id, h.lease.token, name)
            time.sleep(rng.uniform(0.02, ttl / 4))
            for h in list(held):
                try:
                    h.renew()
                    log(d, {"op": "renew", "rid": h.lease.resource_id, "token": h.lease.token,
                            "who": name, "t": time.monotonic(),
                            "valid_until": h.lease.valid_until})
                except (LeaseLostError, Exception) as exc:
                    log(d, {"op": "lost", "rid": h.lease.resource_id, "token": h.lease.token,
                            "who": name, "t": time.monotonic(), "why": repr(exc)})
                    held.remove(h)
        for h in held:
            log(d, {"op": "release", "rid": h.lease.resource_id, "token": h.lease.token,
                    "who": name, "t": time.monotonic()})
            with contextlib.suppress(Exception):
                h.release()
        time.sleep(rng.uniform(0, 0.05))
    reg.close()


def read_log(d: Path) -> list[dict[str, Any]]:
    with open(d / "log.jsonl") as f:
        return [json.loads(line) for line in f]


def check(recs: list[dict[str, Any]], victim: str, killed_at: float,
          restart: tuple[float, float] | None) -> dict[str, Any]:
    """Check the log; returns the figures; raises AssertionError on a violation."""
    # 1. per resource, tokens of acquires (in log order) strictly increase, across the
    #    restart too
    last_acq: dict[str, int] = {}
    for r in recs:
        if r["op"] == "acquire":
            assert r["token"] > last_acq.get(r["rid"], 0), f"token went down: {r}"
            last_acq[r["rid"]] = r["token"]
    # 2. per resource, the tokens of accepted writes (in log order) never go down
    last_w: dict[str, int] = {}
    writes = refused = 0
    for r in recs:
        if r["op"] == "write":
            assert r["token"] >= last_w.get(r["rid"], 0), f"accepted a stale write: {r}"
            last_w[r["rid"]] = r["token"]
            writes += 1
        elif r["op"] == "refused":
            refused += 1
            assert r["token"] < last_w[r["rid"]]
    # 3. validity intervals per token: [reply to acquire, min(last valid_until, release)]
    iv: dict[tuple[str, int], list[Any]] = {}
    for r in recs:
        k = (r["rid"], r["token"])
        if r["op"] == "acquire":
            iv[k] = [r["t"], r["valid_until"], r["who"]]
        elif r["op"] == "renew" and k in iv:
            iv[k][1] = max(iv[k][1], r["valid_until"])
        elif r["op"] == "release" and k in iv:
            iv[k][1] = min(iv[k][1], r["t"])
    overlaps = overlaps_at_restart = 0
    by_rid: dict[str, list[Any]] = {}
    for (rid, tok), (a, b, who) in iv.items():
        by_rid.setdefault(rid, []).append((a, b, tok, who))
    for xs in by_rid.values():
        xs.sort()
        for (a1, b1, _t1, _w1), (a2, _b2, _t2, _w2) in itertools.pairwise(xs):
            if a2 < b1:
                if restart is not None and a1 < restart[1] and b1 > restart[0]:
                    overlaps_at_restart += 1  # the restart lost the lease: see LIFECYCLE.md
                else:
                    overlaps += 1
    assert overlaps == 0, f"{overlaps} pairs of valid leases overlapped outside the restart"
    # 4. the victim held leases when killed; others took them over after its TTL lapsed
    held_at_kill = {k for k, (a, b, who) in iv.items() if who == victim and a <= killed_at < b
                    and not any(r["op"] in ("release", "lost") and (r["rid"], r["token"]) == k
                                and r["t"] <= killed_at for r in recs)}
    takeovers = [r for r in recs if r["op"] == "acquire" and r["previous"]
                 and r["previous"][0] == victim
                 and (r["rid"], r["previous"][1]) in held_at_kill]
    for r in takeovers:
        assert r["t"] >= iv[(r["rid"], r["previous"][1])][1], "taken over before it lapsed"
    return {"writes": writes, "refused": refused, "acquires": len(iv),
            "tokens_checked": writes + refused + len(iv), "victim_held": len(held_at_kill),
            "taken_over": len(takeovers), "overlaps_at_restart": overlaps_at_restart,
            "resources_written": len(last_w)}


def run_trial(server: Any, d: Path, seed: int, *, duration: float = 7.0, ttl: float = 0.8,
              kill_at: float = 2.0, restart_at: float | None = 4.5,
              procs: int = 4) -> dict[str, Any]:
    """Run ``procs`` workers on ``server`` (a tests.support.redis_server.RedisServer), SIGKILL
    worker 0 once it holds a lease after ``kill_at`` s, restart the server at
    ``restart_at`` s, and check the log."""
    import gomap

    env = dict(os.environ)
    src = str(Path(gomap.__file__).resolve().parent.parent)
    root = str(Path(__file__).resolve().parents[2])  # the repository
    env["PYTHONPATH"] = os.pathsep.join([src, root, env.get("PYTHONPATH", "")])
    ps = [subprocess.Popen([sys.executable, "-m", "tests.support.lease_contention", "worker",
                            server.url, str(d), f"w{i}", repr(duration), repr(ttl),
                            str(seed * 100 + i)], env=env, cwd=root)
          for i in range(procs)]
    start_by = time.monotonic() + 60
    while len(list(d.glob("ready-*"))) < procs:  # imports are slow on a loaded machine
        assert time.monotonic() < start_by and all(p.poll() is None for p in ps), \
            "the workers did not start"
        time.sleep(0.01)
    (d / "go").touch()
    t0 = time.monotonic()
    until = t0 + duration
    killed_at = None
    restart: tuple[float, float] | None = None
    try:
        while killed_at is None and time.monotonic() < until:
            time.sleep(0.01)
            if time.monotonic() - t0 < kill_at or not (d / "log.jsonl").exists():
                continue
            open_ = set()
            for r in read_log(d):
                k = (r["rid"], r["token"])
                if r["who"] == "w0" and r["op"] == "acquire":
                    open_.add(k)
                elif r["who"] == "w0" and r["op"] in ("release", "lost"):
                    open_.discard(k)
            if open_:
                ps[0].send_signal(signal.SIGKILL)
                ps[0].wait()
                killed_at = time.monotonic()
        assert killed_at is not None, "the victim never held a lease"
        if restart_at is not None:
            time.sleep(max(0.0, t0 + restart_at - time.monotonic()))
            # restart only once a lease of the victim was taken over (the restart wipes
            # the record of who held what), waiting at most until 1 s before the end
            while time.monotonic() < until - 1.0 and not any(
                    r["op"] == "acquire" and r["previous"] and r["previous"][0] == "w0"
                    for r in read_log(d)):
                time.sleep(0.02)
            a = time.monotonic()
            server.restart()
            restart = (a, time.monotonic() + ttl)  # leases granted before it may overlap
        for p in ps[1:]:
            assert p.wait(duration + 30) == 0, "a worker failed"
    finally:
        for p in ps:
            if p.poll() is None:
                p.kill()
                p.wait()
    out = check(read_log(d), "w0", killed_at, restart)
    out["seed"] = seed
    out["killed_after"] = round(killed_at - t0, 3)
    out["restarted_after"] = round(restart[0] - t0, 3) if restart else None
    return out


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "worker":
        url, d, name, duration, ttl, seed = argv[1:]
        worker(url, Path(d), name, float(duration), float(ttl), int(seed))
        return 0
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--trials", type=int, default=5)
    ap.add_argument("--no-restart", action="store_true")
    args = ap.parse_args(argv)
    from tests.support.redis_server import RedisServer

    for seed in range(1, args.trials + 1):
        server = RedisServer()
        server.start()
        try:
            with tempfile.TemporaryDirectory() as td:
                res = run_trial(server, Path(td), seed,
                                restart_at=None if args.no_restart else 4.5)
        finally:
            server.stop()
        print(json.dumps(res), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
