"""The registry in real time: the worker thread expires handles, and under races between
the worker, release() and force_release() from other threads every handle ends once,
its callback runs at most once, never after a release, and no two callbacks overlap."""

from __future__ import annotations

import contextlib
import random
import threading
import time

from gomap.lifecycle import Registry, State


def test_worker_expires_on_time_without_tick() -> None:
    done = threading.Event()
    with Registry() as r:
        h = r.register("x", ttl=0.05, on_expire=lambda h: done.set())
        assert done.wait(5), "the worker did not expire the handle"
        deadline = time.monotonic() + 5
        while h.state is not State.RELEASED and time.monotonic() < deadline:
            time.sleep(0.001)
        assert h.state is State.RELEASED and h.cause == "expired"


def test_a_new_earlier_deadline_wakes_the_worker() -> None:
    done = threading.Event()
    with Registry() as r:
        r.register("late", ttl=60)
        time.sleep(0.02)  # the worker now sleeps until t+60
        r.register("soon", ttl=0.02, on_expire=lambda h: done.set())
        assert done.wait(5), "the worker kept sleeping past an earlier deadline"


def test_races_end_each_handle_once_and_callbacks_never_overlap() -> None:
    n = 3000
    busy = threading.Lock()
    overlaps = 0
    calls: dict[int, list[str]] = {}
    released: set[int] = set()
    rel_lock = threading.Lock()
    late: list[int] = []

    def note(hid: int, what: str) -> None:
        nonlocal overlaps
        if not busy.acquire(blocking=False):
            overlaps += 1
            busy.acquire()
        try:
            with rel_lock:
                if hid in released:
                    late.append(hid)
            calls.setdefault(hid, []).append(what)
            time.sleep(0)  # let another thread try to run a callback now
        finally:
            busy.release()

    r = Registry()
    rng = random.Random(7)
    hs = [r.register(i, ttl=rng.uniform(0.01, 0.3), on_expire=lambda h: note(h.id, "e"),
                     on_force_release=lambda h, why: note(h.id, "f")) for i in range(n)]

    def worker(seed: int) -> None:
        rr = random.Random(seed)
        for h in rr.sample(hs, len(hs)):
            x = rr.random()
            if x < 0.3:
                with rel_lock:  # decide and record under the same lock as note()
                    if h.release():
                        released.add(h.id)
            elif x < 0.6:
                r.force_release(h, "race")
            elif x < 0.7:
                with contextlib.suppress(Exception):
                    h.renew()

    threads = [threading.Thread(target=worker, args=(s,)) for s in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    end = time.monotonic() + 20
    while r.metrics()["active"] + r.metrics()["pending"] and time.monotonic() < end:
        time.sleep(0.01)
    r.close()
    assert overlaps == 0, "two callbacks ran at the same time"
    assert late == [], "a callback ran after release()"
    assert all(len(v) == 1 for v in calls.values()), "a callback ran twice"
    m = r.metrics()
    assert m["active"] == 0 and m["pending"] == 0
    by = m["ended_by_cause"]
    assert by["explicit"] == len(released)
    assert by["expired"] + by["force"] == len(calls)
    assert sum(by.values()) == n == m["released"] + m["force_released"]
    for h in hs:
        want = {"explicit": [], "expired": ["e"], "force": ["f"]}[h.cause]  # type: ignore[index]
        assert calls.get(h.id, []) == want
