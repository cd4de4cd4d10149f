"""The C engines hold no Go release of their own: a native map reports the release the
registry pins for its engine, or the one it was made for (``go=``)."""

from __future__ import annotations

import pytest

from gomap.engines import get_engine
from gomap.versions import go_behaviour

native = pytest.importorskip("gomap.native")
if not native.AVAILABLE:  # pragma: no cover - the extension is not built
    pytest.skip("the C extension is not built", allow_module_level=True)

MAPS = {"classic": native.NativeHMap, "swiss": native.NativeSwissMap}


@pytest.mark.parametrize("engine", sorted(MAPS))
def test_a_map_reports_the_pinned_release_by_default(engine: str) -> None:
    m = MAPS[engine]()
    m.assign(1, 2)
    assert m.snapshot()["go"] == get_engine(engine).go_version
    assert m.go_release == get_engine(engine).go_version


@pytest.mark.parametrize("engine", sorted(MAPS))
def test_a_map_reports_the_release_it_was_made_for(engine: str) -> None:
    pinned = get_engine(engine).go_version
    minor = ".".join(pinned.split(".")[:2])
    asked = f"{minor}.0" if pinned != f"{minor}.0" else f"{minor}.1"
    m = MAPS[engine](go=asked)
    m.assign(1, 2)
    assert m.snapshot()["go"] == asked
    assert m.clone().snapshot()["go"] == asked


def test_a_go_behaviour_gives_its_release() -> None:
    behaviour = go_behaviour(get_engine("swiss").go_version, "swiss")
    m = native.NativeSwissMap(go=behaviour)
    assert m.snapshot()["go"] == behaviour.release
    assert m.go.release == behaviour.release


def test_go_must_be_a_release() -> None:
    with pytest.raises((TypeError, AttributeError)):
        native.NativeSwissMap(go=3)


@pytest.mark.parametrize("engine", sorted(MAPS))
def test_one_thread_is_one_thread_in_every_file(engine: str) -> None:
    """Every C file of an engine sees the same thread tag: a map one thread makes,
    fills, iterates and empties is not shared (its writes open no window); a second
    thread's read makes it shared."""
    import threading

    m = MAPS[engine]()
    for i in range(100):
        m.assign(i, i)
    it = m.iterator()
    while it.next() is not None:
        pass
    for i in range(100):
        m.delete(i)
    m.clear()
    assert m._shared is False
    t = threading.Thread(target=m.lookup, args=(1,))
    t.start()
    t.join()
    assert m._shared is True
