"""The C engines' event tables are generated from gomap.events (gen_events.py at build
time): the compiled ids, names and bits equal the Python table, engine by engine."""

from __future__ import annotations

import pytest

from gomap.events import EVENT_BITS, EVENTS, events_of

native = pytest.importorskip("gomap.native")
if not native.AVAILABLE:  # pragma: no cover - the extension is not built
    pytest.skip("the C extension is not built", allow_module_level=True)

ENGINES = sorted({spec.engine for spec in EVENTS.values()})


@pytest.mark.parametrize("engine", ENGINES)
def test_c_event_ids_follow_the_declaration_order(engine: str) -> None:
    table = native._native.EVENT_TABLE[engine]
    assert [name for name, _ in table] == list(events_of(engine))


@pytest.mark.parametrize("engine", ENGINES)
def test_c_event_bits_are_event_bits(engine: str) -> None:
    for name, bit in native._native.EVENT_TABLE[engine]:
        assert bit == EVENT_BITS[name], name


def test_every_engine_has_a_c_table() -> None:
    assert sorted(native._native.EVENT_TABLE) == ENGINES


def test_the_generated_header_is_the_generator_output() -> None:
    from importlib import util
    from pathlib import Path

    gen = Path(native.__file__).with_name("gen_events.py")
    spec = util.spec_from_file_location("_gen_events_under_test", gen)
    assert spec is not None and spec.loader is not None
    mod = util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    text = mod.render(mod.load_events())
    for name in EVENT_BITS:
        assert f"EV_{name}," in text
    header = Path(native.__file__).with_name("events_gen.h")
    if header.exists():  # a build from this tree: the header is up to date
        assert header.read_text() == text
