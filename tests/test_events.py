"""The event schema: every event an engine emits is declared, with exactly its
declared fields and types; every declared event is emitted by some named workload;
subscribers come and go independently."""

from __future__ import annotations

from typing import Any

import pytest

from gomap import GoMap
from gomap.engines import ENGINES, engine_names, get_engine
from gomap.events import EVENTS, EventSchemaError, check_event, events_of
from gomap.layout.maplayout import map_layout
from gomap.ops import Replayer, from_script


def _emitted(impl: str, key_type: str, elem: str = "int64") -> dict[str, int]:
    """Run every named oracle shape of ``impl``, checking each event against the
    schema; return how often each event was seen."""
    spec = get_engine(impl)
    seen: dict[str, int] = {}

    def check(event: str, details: dict[str, Any]) -> None:
        check_event(impl, event, details)
        seen[event] = seen.get(event, 0) + 1

    # the oracle's key names are Go's type names for these three
    layout_opts = spec.layout_options(map_layout(key_type, elem))
    from gomap.oracle.workloads import CLONE_SHAPES, engine_shapes

    for name, shape in {**engine_shapes(impl), **CLONE_SHAPES}.items():
        if name == "big_b":
            continue
        r = Replayer(new=lambda hint: spec.new(hint, subscribers=[check], **layout_opts))
        for op in shape(key_type, 1):
            r.apply(from_script(op))
    return seen


@pytest.mark.parametrize("impl", engine_names())
def test_every_emitted_event_is_declared_and_every_declared_event_is_emitted(impl: str) -> None:
    seen: dict[str, int] = {}
    for key_type in ("int64", "string", "float64"):
        for ev, n in _emitted(impl, key_type).items():
            seen[ev] = seen.get(ev, 0) + n
    declared = set(events_of(impl))
    assert set(seen) == declared, (
        f"declared but never emitted: {sorted(declared - set(seen))}; "
        f"emitted: {sorted(seen)}")


def test_every_event_names_its_go_function_and_file() -> None:
    for (engine, name), spec in EVENTS.items():
        assert engine in ENGINES
        assert spec.go_function and spec.doc, name
        assert spec.go_file.endswith(".go") and spec.go_file.startswith(("runtime/", "internal/"))
        assert len(spec.field_names) == len(spec.fields), f"{name}: a field declared twice"
        for field, _ in spec.fields:
            assert field == "B" or field == field.lower(), f"{name}.{field}: not snake_case"


def test_check_event_rejects_undeclared_events_and_wrong_fields() -> None:
    check_event("classic", "hashGrow", {"B": 3, "same_size": False, "count": 52})
    with pytest.raises(EventSchemaError, match="undeclared"):
        check_event("classic", "rehash", {})
    with pytest.raises(EventSchemaError, match="fields"):
        check_event("classic", "hashGrow", {"B": 3, "sameSize": False, "count": 52})
    with pytest.raises(EventSchemaError, match="is not bool"):
        check_event("classic", "hashGrow", {"B": 3, "same_size": 0, "count": 52})
    with pytest.raises(EventSchemaError, match="is not int"):
        check_event("classic", "hashGrow", {"B": True, "same_size": False, "count": 52})


@pytest.mark.parametrize("impl", engine_names())
def test_subscribers_are_independent(impl: str) -> None:
    a: list[str] = []
    b: list[str] = []
    m = GoMap(impl=impl, seed=1, observer=lambda e, d: a.append(e))
    assert a[0] == "seed"  # makemap's events reach a subscriber given at creation
    start = len(a)
    fb = m.subscribe(lambda e, d: b.append(e))
    for i in range(100):
        m[i] = i
    m.unsubscribe(fb)
    end = len(a)
    for i in range(100, 200):
        m[i] = i
    assert b and len(a) > end
    assert a[start:end] == b
    with pytest.raises(ValueError):
        m.unsubscribe(fb)


@pytest.mark.parametrize("impl", engine_names())
def test_accounting_and_user_subscribers_see_the_same_stream(impl: str) -> None:
    plain: list[tuple[str, dict[str, Any]]] = []
    accounted: list[tuple[str, dict[str, Any]]] = []
    m1 = GoMap(impl=impl, seed=5, observer=lambda e, d: plain.append((e, dict(d))))
    m2 = GoMap(impl=impl, seed=5, track_memory=True,
               observer=lambda e, d: accounted.append((e, dict(d))))
    for i in range(2000):
        m1[i] = m2[i] = i
        if i % 3 == 0:
            m1.delete(i // 2)
            m2.delete(i // 2)
    assert plain == accounted
    assert m2.memory().live_bytes > 0


BACKENDS = ["python", "native"]


def _backends(impl: str) -> list[str]:
    from gomap.native import AVAILABLE, NATIVE_IMPLS

    return BACKENDS if AVAILABLE and impl in NATIVE_IMPLS else ["python"]


@pytest.mark.parametrize("impl", engine_names())
def test_a_subscriber_that_names_its_events_gets_those_and_no_other(impl: str) -> None:
    streams: dict[str, tuple[list[Any], list[Any]]] = {}
    for backend in _backends(impl):
        everything: list[Any] = []
        some: list[Any] = []
        m = GoMap(impl=impl, seed=9, backend=backend)
        m.subscribe(lambda e, d, out=everything: out.append((e, dict(d))))
        wanted = {"seed", "clear", *get_engine(impl).growth_labels}
        m.subscribe(lambda e, d, out=some: out.append((e, dict(d))), events=wanted)
        for i in range(3000):
            m[i] = i
            if i % 3 == 0:
                del m[i // 2]
        m.clear()
        assert some == [(e, d) for e, d in everything if e in wanted]
        assert {e for e, _ in some} == wanted  # each of them happened
        streams[backend] = (everything, some)
    assert len({repr(v) for v in streams.values()}) == 1  # the backends agree


@pytest.mark.parametrize("impl", engine_names())
def test_naming_an_undeclared_event_is_an_error_and_filtered_subscribers_unsubscribe(
        impl: str) -> None:
    for backend in _backends(impl):
        m = GoMap(impl=impl, backend=backend)
        with pytest.raises(ValueError, match=f"the {impl} engine has no event 'hashgrow'"):
            m.subscribe(print, events={"hashgrow"})
        with pytest.raises(TypeError, match="not one string"):
            m.subscribe(print, events="clear")
        seen: list[str] = []

        def fn(e: str, d: dict[str, Any], seen: list[str] = seen) -> None:
            seen.append(e)

        m.subscribe(fn, events={"clear"})
        m[1] = 1
        m.clear()
        m.unsubscribe(fn)
        m[1] = 1
        m.clear()
        assert seen == ["clear"]
        with pytest.raises(ValueError, match="not subscribed"):
            m.unsubscribe(fn)
