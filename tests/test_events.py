"""The event schema: every event an engine emits is declared, with exactly its
declared fields and types; every declared event is emitted by some named workload;
subscribers come and go independently."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from gomap import GoMap
from gomap._go_lines import GO_LINES
from gomap.engines import ENGINES, engine_names, get_engine
from gomap.events import (
    DOC_BEGIN,
    DOC_END,
    EVENTS,
    EventSchemaError,
    check_event,
    events_of,
    find_go_lines,
    go_releases,
    growth_labels,
    local_events,
    markdown,
)
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
        assert spec.go_function and spec.doc and spec.title, name
        assert spec.go_file.endswith(".go") and spec.go_file.startswith(("runtime/", "internal/"))
        assert len(spec.field_names) == len(spec.fields), f"{name}: a field declared twice"
        for field, _ in spec.fields:
            assert field == "B" or field == field.lower(), f"{name}.{field}: not snake_case"
        # the line of the function in the pinned release is recorded
        pinned = get_engine(engine).go_version
        for site in spec.sites:
            assert pinned in site.lines, (engine, name, site)


def test_the_line_table_covers_every_pinned_release_of_each_engine() -> None:
    from gomap.versions import RELEASES, releases_of

    for engine in engine_names():
        want = {p for m in releases_of(engine) for p in RELEASES[m]}
        assert set(go_releases(engine)) == want, engine


def _go_source(release: str, file: str) -> str | None:
    from gomap.oracle.toolchain import find_go

    path = Path(find_go(release).goroot) / "src" / file
    return path.read_text() if path.exists() else None


def test_each_recorded_line_is_where_that_release_declares_the_function() -> None:
    """Every (release, file, line) of the table is the ``func`` line of the event's Go
    function in that release's sources, and the table is what the generator finds
    there now (``python scripts/gen_events.py``)."""
    from tests.support.oracle import require_go

    releases = {r for e in engine_names() for r in go_releases(e)}
    for r in sorted(releases):
        require_go(r)
    checked = 0
    for spec in EVENTS.values():
        for site in spec.sites:
            recv, _, name = site.func.rpartition(".")
            for release, (file, line) in GO_LINES[(site.file, site.func)].items():
                text = _go_source(release, file)
                assert text is not None, (release, file)
                decl = text.splitlines()[line - 1]
                assert decl.startswith("func ") and f" {name}(" in decl, (release, site, decl)
                if recv:
                    assert f" *{recv}) {name}(" in decl, (release, site, decl)
                checked += 1
    assert checked > 100
    assert find_go_lines(_go_source) == GO_LINES, (
        "stale: run python scripts/gen_events.py")


def test_the_docs_event_table_is_the_generated_one() -> None:
    text = (Path(__file__).resolve().parent.parent / "docs" / "ARCHITECTURE.md").read_text()
    start, end = text.find(DOC_BEGIN), text.find(DOC_END)
    assert 0 <= start < end, "docs/ARCHITECTURE.md lost its generated events table"
    assert text[start:end + len(DOC_END)] + "\n" == markdown(), (
        "stale: run python scripts/gen_events.py")


def test_the_classifications_are_read_off_the_table() -> None:
    from gomap.oracle.swiss_driver import _TABLE_SET_EVENTS
    from gomap.trace.narration import event_kinds
    from gomap.trace.tracer import _CHAIN_EVENTS, _TABLE_EVENTS

    assert {"emptyOne", "emptyRest", "seed", "newoverflow"} == _CHAIN_EVENTS
    assert {"tombstone", "seed"} == _TABLE_EVENTS
    assert {"smallToTable", "tableGrow", "split", "directoryGrow"} == _TABLE_SET_EVENTS
    assert get_engine("classic").growth_labels == {"hashGrow": "grow"}
    for engine in engine_names():
        assert get_engine(engine).growth_labels == growth_labels(engine)
        assert local_events(engine) == {n for n, s in events_of(engine).items()
                                        if not s.structural}
        assert event_kinds(engine) == {n: s.kind for n, s in events_of(engine).items()
                                       if s.kind}


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


def test_every_emit_site_of_the_python_engines_is_guarded_and_declared() -> None:
    """Emit only when someone listens: each ``x._emit("name", {...})`` of an engine
    package is the body of ``if x.subscribers:``, and names a declared event."""
    import ast

    import gomap

    root = Path(gomap.__file__).parent
    sites = 0
    for engine in engine_names():
        declared = set(events_of(engine))
        for path in sorted((root / engine).glob("*.py")):
            tree = ast.parse(path.read_text())
            guarded: set[int] = set()
            for node in ast.walk(tree):
                if (isinstance(node, ast.If) and isinstance(node.test, ast.Attribute)
                        and node.test.attr == "subscribers"):
                    guarded.update(id(s.value) for s in node.body if isinstance(s, ast.Expr))
            for node in ast.walk(tree):
                if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                        and node.func.attr == "_emit"):
                    where = f"{path.name}:{node.lineno}"
                    assert id(node) in guarded, f"{where}: _emit outside `if ….subscribers:`"
                    name = node.args[0]
                    assert isinstance(name, ast.Constant) and name.value in declared, where
                    sites += 1
    assert sites >= 30
