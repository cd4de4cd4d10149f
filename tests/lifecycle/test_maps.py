"""A handle tied to a map entry: deleting the key (any delete path of a GoMap, a
companion, or any mapping, through audited().on_delete) releases the handle; a handle
that ends otherwise deletes its key. And every lifecycle event fed to the audit pipeline
with source "lifecycle"."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from gomap import GoMap
from gomap.audit import Auditor, JsonlSink, audited
from gomap.companions import LockedMap, ShardedMap, SyncMap
from gomap.lifecycle import Registry, State
from tests.support.lifecycle import SimClock

MAPS: dict[str, Callable[[], Any]] = {
    "dict": dict, "GoMap-classic": lambda: GoMap(impl="classic"),
    "GoMap-swiss": lambda: GoMap(impl="swiss"), "SyncMap": SyncMap,
    "ShardedMap": ShardedMap, "LockedMap": LockedMap,
}

DELETES: dict[str, Callable[[Any, Any], None]] = {
    "del": lambda m, k: m.__delitem__(k),
    "pop": lambda m, k: m.pop(k),
    "clear": lambda m, k: m.clear(),
}


@pytest.fixture(params=sorted(MAPS))
def mapping(request: pytest.FixtureRequest) -> Any:
    return MAPS[request.param]()


@pytest.mark.parametrize("how", sorted(DELETES))
def test_deleting_the_key_releases_the_handle(mapping: Any, how: str) -> None:
    clock = SimClock()
    r = Registry(clock=clock)
    m = r.tie(mapping, name="conns")
    reclaimed: list[str] = []
    expired: list[int] = []
    h = r.put(m, "a", "conn-a", ttl=10, reclaim=reclaimed.append,
              on_expire=lambda h: expired.append(h.id))
    other = r.put(m, "b", "conn-b", ttl=10)
    assert mapping["a"] == "conn-a" and h.key == "a"
    DELETES[how](m, "a")
    assert (h.state, h.cause) == (State.RELEASED, "deleted")
    assert reclaimed == ["conn-a"]
    clock.t = 20
    r.tick()
    assert expired == []  # never after the release
    if how != "clear":
        assert other.cause == "expired" and "b" not in mapping


@pytest.mark.parametrize("how", ["delete", "load_and_delete", "compare_and_delete"])
def test_companion_delete_methods_release_the_handle(how: str) -> None:
    r = Registry(clock=SimClock())
    m = r.tie(SyncMap())
    h = r.put(m, "k", "v", ttl=5)
    args = ("k", "v") if how == "compare_and_delete" else ("k",)
    getattr(m, how)(*args)
    assert (h.state, h.cause) == (State.RELEASED, "deleted")


def test_a_failing_release_never_raises_into_the_delete() -> None:
    r = Registry(clock=SimClock())
    m = r.tie({})
    h = r.put(m, "k", "v", ttl=5)
    r.release = None  # type: ignore[assignment,method-assign]  # any failure in the hook
    del m["k"]  # the delete completes; the hook's failure is counted, not raised
    assert "k" not in m and r.metrics()["tie_errors"] == 1 and h.active


def test_popitem_releases_the_handle_of_that_key() -> None:
    r = Registry(clock=SimClock())
    m = r.tie(GoMap())
    hs = {k: r.put(m, k, k.upper(), ttl=5) for k in "abc"}
    k, _ = m.popitem()
    assert hs[k].cause == "deleted"
    assert sum(h.state is State.ACTIVE for h in hs.values()) == 2


@pytest.mark.parametrize("end", ["expire", "release", "force"])
def test_ending_the_handle_deletes_the_key(mapping: Any, end: str) -> None:
    clock = SimClock()
    r = Registry(clock=clock)
    m = r.tie(mapping)
    h = r.put(m, "k", "v", ttl=5)
    r.put(m, "other", "w", ttl=50)
    if end == "expire":
        clock.t = 5
        r.tick()
    elif end == "release":
        h.release()
    else:
        r.force_release(h, "admin")
    assert "k" not in mapping and mapping["other"] == "w"
    assert h.cause == {"expire": "expired", "release": "explicit", "force": "force"}[end]


def test_put_over_a_tied_key_replaces_its_handle() -> None:
    r = Registry(clock=SimClock())
    m = r.tie({})
    old = r.put(m, "k", 1, ttl=5)
    new = r.put(m, "k", 2, ttl=5)
    assert (old.state, old.cause) == (State.RELEASED, "replaced")
    assert m["k"] == 2 and new.active
    new.release()
    assert "k" not in m


def test_untied_keys_and_late_handle_end_leave_the_new_value() -> None:
    r = Registry(clock=SimClock())
    m = r.tie({})
    m["plain"] = 1
    del m["plain"]  # no handle: nothing to release
    h = r.put(m, "k", 1, ttl=5)
    del m["k"]
    m["k"] = 2  # a new value under the same key, not tied
    assert not h.release()
    assert m["k"] == 2


def test_tie_an_audited_mapping_as_it_is(tmp_path: Path) -> None:
    p = tmp_path / "audit.jsonl"
    with Auditor([JsonlSink(p)], frames=0) as auditor:
        am = audited(GoMap(), auditor, name="sessions")
        r = Registry(clock=SimClock())
        m = r.tie(am, name="sessions")
        assert m is am
        h = r.put(m, "s1", "session", ttl=5)
        del m["s1"]
        assert h.cause == "deleted"
    recs = [json.loads(line) for line in p.read_text().splitlines()]
    assert [(x["op"], x["key"]) for x in recs if x["map"] == "sessions"][-1][1] == "'s1'"


def test_bind_needs_a_tied_map() -> None:
    r = Registry(clock=SimClock())
    with pytest.raises(ValueError, match=r"registry.tie\(mapping\) first"):
        r.bind(r.register("x", ttl=1), {}, "k")


def test_every_event_feeds_the_audit_pipeline(tmp_path: Path) -> None:
    p = tmp_path / "audit.jsonl"
    clock = SimClock()
    with Auditor([JsonlSink(p)], frames=0) as auditor:
        r = Registry(clock=clock)
        r.feed_audit(auditor)
        m = r.tie({}, name="conns")
        a = r.put(m, "a", "conn", ttl=5, kind="conn", level=2)
        b = r.register("b", ttl=5)
        clock.t = 1
        a.renew()
        r.force_release(b, "drain")
        del m["a"]
    recs = [json.loads(line) for line in p.read_text().splitlines()]
    mine = [x for x in recs if x["source"] == "lifecycle"]
    assert [x["op"] for x in mine] == ["created", "created", "renewed", "force_released",
                                       "released"]
    assert [x["seq"] for x in recs] == list(range(recs[0]["seq"], recs[0]["seq"] + len(recs)))
    rel = mine[-1]
    assert rel["map"] == "conns" and rel["cause"] == "deleted" and rel["handle"] == a.id
    assert rel["kind"] == "conn" and rel["level"] == 2 and rel["event"] == "released"
    assert rel["caller"] == [] and rel["found"] is True
    assert mine[3]["reason"] == "drain" and mine[3]["map"] == "lifecycle"
    for x in mine:
        assert {"v", "seq", "ts", "mono", "thread", "pid"} <= set(x)
