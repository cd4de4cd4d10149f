"""The viz page in a real headless Chromium, loaded from file://: the DOM's counters
and the drawn state equal the engine's snapshot at the same step, every control
works, and a hostile key runs no script."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from gomap.layout.types import parse_key_type
from gomap.sim.ops import KeyDomain
from gomap.sim.workloads import parse_pattern
from gomap.trace.tracer import Tracer
from gomap.trace.viz import KeyTable, build_page, record_steps
from tests.support import REPO
from tests.support.browser import launch
from tests.support.trace import expected_state, normalise_page_state, snapshot_counters

DOCS_IMG = REPO / "docs" / "img"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with launch() as b:
        yield b


def _factory(pattern: str, key: str = "int64") -> Any:
    w = parse_pattern(pattern)
    dom = KeyDomain(parse_key_type(key))
    return lambda: w.ops(dom)


def _page(tmp_path: Path, impls: list[str], pattern: str, key: str = "int64",
          value: str = "int64") -> Path:
    html, _ = build_page(impls, key, value, _factory(pattern, key), pattern)
    out = tmp_path / "page.html"
    out.write_text(html, encoding="utf-8")
    return out


def _open(browser: Any, path: Path, width: int = 1400) -> tuple[Any, list[str]]:
    page = browser.new_page(viewport={"width": width, "height": 1000})
    problems: list[str] = []
    page.on("pageerror", lambda e: problems.append(f"pageerror: {e}"))
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}")
            if m.type in ("error", "warning") else None)
    page.on("dialog", lambda d: (problems.append(f"dialog: {d.message}"), d.dismiss()))
    page.on("request", lambda r: problems.append(f"request: {r.url}")
            if not r.url.startswith("file://") else None)
    page.goto(path.as_uri())
    assert page.evaluate("typeof window.gomapViz") == "object"
    return page, problems


def _snapshots(impl: str, pattern: str, at: set[int]) -> dict[int, tuple[Any, dict[str, int]]]:
    """The engine's snapshot and counters at the chosen steps (same run as the page)."""
    out: dict[int, tuple[Any, dict[str, int]]] = {}
    n = [0]

    def check(tr: Tracer) -> None:
        if n[0] in at:
            assert tr.eng is not None
            snap = tr.eng.snapshot()
            out[n[0]] = (snap, snapshot_counters(snap, tr.eng.memory().live_bytes))
        n[0] += 1

    record_steps(impl, "int64", "int64", _factory(pattern)(), KeyTable(), check=check)
    return out


PATTERN = "mix:n=1500,space=400,set=0.6,get=0.1,del=0.3,iter=0.002,clear=0.001"


def test_dom_counters_and_drawn_state_equal_the_snapshot_at_each_step(
        browser: Any, tmp_path: Path) -> None:
    path = _page(tmp_path, ["classic", "swiss"], PATTERN)
    page, problems = _open(browser, path)
    steps = page.evaluate("window.gomapViz.steps")
    assert steps == 1501
    at = {0, 1, 9, 10, 60, 333, 777, 1200, 1500}
    for impl in ("classic", "swiss"):
        snaps = _snapshots(impl, PATTERN, at)
        for i in sorted(at, reverse=True) + sorted(at):  # backwards (undo) and forwards
            assert page.evaluate(f"window.gomapViz.go({i})") == i
            snap, want = snaps[i]
            dom = {k: int(page.text_content(f"#c-{impl}-{k}")) for k in want}
            assert dom == want, (impl, i)
            state = page.evaluate(f"window.gomapViz.state('{impl}')")
            assert normalise_page_state(state) == expected_state(snap), (impl, i)
    assert problems == []


def test_each_control_moves_the_step(browser: Any, tmp_path: Path) -> None:
    path = _page(tmp_path, ["classic", "swiss"], "fill:n=3000,keys=seq")
    page, problems = _open(browser, path)

    def step() -> int:
        return int(page.evaluate("window.gomapViz.cur()"))

    page.click("#btn-next")
    assert step() == 1
    page.click("#btn-next")
    page.click("#btn-prev")
    assert step() == 1
    page.click("#btn-last")
    assert step() == 3000
    page.click("#btn-first")
    assert step() == 0
    page.fill("#jump-op", "1234")
    page.click("#btn-jump")
    assert step() == 1234
    assert page.text_content("#op-title").startswith("op 1234 of 3000: set")
    page.eval_on_selector("#slider",
                          "s => { s.value = '77'; s.dispatchEvent(new Event('input')); }")
    assert step() == 77
    # next event of a kind: lands on a step whose narration lists such an event
    page.select_option("#kind", "split")
    page.click("#btn-next-kind")
    s = step()
    assert s > 77
    assert page.locator("#engines-narration li[data-event='split']").count() >= 1
    page.select_option("#kind", "grow")
    before = step()
    page.click("#btn-next-kind")
    assert step() > before
    assert page.locator("#engines-narration li[data-event]").count() >= 1
    # play at the highest speed, then pause
    page.select_option("#speed", "1000")
    page.click("#btn-play")
    start = step()
    for _ in range(200):  # (wait_for_function would need eval, which the page's CSP forbids)
        if step() > start + 20:
            break
        page.wait_for_timeout(25)
    assert step() > start + 20
    page.click("#btn-play")
    stopped = step()
    page.wait_for_timeout(200)
    assert step() == stopped
    # keyboard shortcuts
    page.click("h1")
    page.keyboard.press("Home")
    assert step() == 0
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    assert step() == 2
    page.keyboard.press("ArrowLeft")
    assert step() == 1
    page.keyboard.press("g")
    assert page.locator("#engines-narration li[data-event]").count() >= 1
    page.keyboard.press("End")
    assert step() == 3000
    assert problems == []


def test_a_hostile_key_is_shown_as_text_and_runs_nothing(browser: Any, tmp_path: Path) -> None:
    hostile = "</script><img src=x onerror=alert(1)>"
    other = "<b onmouseover=alert(2)>x</b>&amp;"
    ops = tmp_path / "hostile.ops"
    ops.write_text(f'set "{hostile}"\nset "{other}"\nget "{hostile}"\ndel "{hostile}"\n'
                   + "".join(f'set "k{i}"\n' for i in range(20)), encoding="utf-8")
    from gomap.cli import main

    out = tmp_path / "hostile.html"
    assert main(["viz", "--key", "string", "--ops", str(ops), "-o", str(out)]) == 0
    page, problems = _open(browser, out)
    bad = "document.querySelectorAll('img, iframe, object, [onerror], [onmouseover]').length"
    imgs0 = page.evaluate(bad)
    scripts0 = page.evaluate("document.scripts.length")
    for i in range(page.evaluate("window.gomapViz.steps")):
        page.evaluate(f"window.gomapViz.go({i})")
        if i == 1:
            assert page.text_content("#op-title .key") == '"' + hostile + '"'
            # the key also shows, as text, in the tooltip of its slot (small group: 30 px
            # cells in one row at y = 4 + 14)
            small = page.evaluate("window.gomapViz.state('swiss').small")
            slot = small["keys"].index('"' + hostile + '"')
            box = page.locator("#engine-swiss canvas.map").bounding_box()
            page.mouse.move(box["x"] + slot * 30 + 5, box["y"] + 18 + 8)
            assert page.text_content("#tooltip") == (
                f"small group slot {slot}: H2 {small['ctrl'][slot]:#04x}\nkey \"{hostile}\"")
        if i == 2:
            assert page.text_content("#op-title .key") == '"' + other + '"'
        assert page.evaluate(bad) == 0
    assert imgs0 == 0
    assert page.evaluate("document.scripts.length") == scripts0 == 2
    assert problems == []


def _screenshot(page: Any, name: str, tmp_path: Path) -> Path:
    target = DOCS_IMG if os.environ.get("GOMAP_WRITE_DOC_IMAGES") == "1" else tmp_path
    target.mkdir(parents=True, exist_ok=True)
    p = target / name
    page.screenshot(path=str(p), full_page=False)
    return p


def test_screenshots_of_a_classic_growth_and_a_swiss_split(browser: Any, tmp_path: Path) -> None:
    path = _page(tmp_path, ["classic"], "fill:n=120,keys=seq")
    page, problems = _open(browser, path, width=1100)
    # The 105th insert starts growing 16 → 32 buckets; a few inserts later it is half way.
    page.evaluate("window.gomapViz.go(109)")
    assert page.evaluate("window.gomapViz.counters('classic').growing") == 1
    assert page.evaluate("window.gomapViz.state('classic').oldbuckets.length") == 16
    shot = _screenshot(page, "viz-classic-growth.png", tmp_path)
    assert shot.stat().st_size > 10_000
    path = _page(tmp_path, ["swiss"], "fill:n=1000,keys=seq")
    page, problems2 = _open(browser, path, width=1100)
    page.select_option("#kind", "split")
    page.click("#btn-next-kind")
    assert page.locator("#engines-narration li[data-event='split']").count() == 1
    assert page.evaluate("window.gomapViz.state('swiss').directory.length") == 2
    shot = _screenshot(page, "viz-swiss-split.png", tmp_path)
    assert shot.stat().st_size > 10_000
    assert problems == problems2 == []
