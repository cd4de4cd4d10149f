"""Headless Chromium for the page tests: Debian's ``chromium`` driven by Playwright
(it cannot download a browser here, so it is launched by path).

``GOMAP_CHROMIUM`` overrides the path; ``GOMAP_REQUIRE_BROWSER=1`` (set by
``.ci/run``) turns a missing browser or Playwright into a failure instead of a skip.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def chromium_path() -> str | None:
    """The Chromium executable, or None."""
    p = os.environ.get("GOMAP_CHROMIUM")
    if p:
        return p
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return "/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None


def _missing(why: str) -> None:
    if os.environ.get("GOMAP_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{why} (GOMAP_REQUIRE_BROWSER=1): apt-get install -y chromium && "
                    f"pip install playwright")
    pytest.skip(why)


@contextmanager
def launch() -> Iterator[Any]:
    """A headless Chromium browser (skips or fails when unavailable)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("playwright is not installed")
    path = chromium_path()
    if path is None:
        _missing("no chromium executable")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
