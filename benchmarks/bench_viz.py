"""The viz page's size and speed: bytes per op, and the time headless Chromium takes
to open the page from file:// and to step to the end.

    python benchmarks/bench_viz.py [--ops 10000,100000] [--impl both] [--json FILE]

Workload: ``default`` (fill ``n`` random int64 keys, then delete 90% in random
order) scaled so the page has the given number of ops. "open" is page load until
the first step is drawn; "to end" is ``gomapViz.go(last)`` (apply every step's
deltas, then draw the last); "back to start" undoes them all. Chromium is Debian's,
driven by Playwright (``GOMAP_CHROMIUM`` overrides the path).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from typing import Any

from gomap.engines import engine_names

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from gomap.layout.types import parse_key_type
from gomap.sim.ops import KeyDomain
from gomap.sim.workloads import parse_pattern
from gomap.trace.viz import build_page


def main() -> None:
    from tests.support.browser import CHROMIUM_ARGS, chromium_path

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--ops", default="10000,100000")
    ap.add_argument("--impl", choices=[*engine_names(), "both"], default="both")
    ap.add_argument("--json", metavar="FILE")
    a = ap.parse_args()
    impls = engine_names() if a.impl == "both" else [a.impl]
    from playwright.sync_api import sync_playwright

    out: list[dict[str, Any]] = []
    with sync_playwright() as p, tempfile.TemporaryDirectory() as d:
        browser = p.chromium.launch(executable_path=chromium_path(), headless=True,
                                    args=CHROMIUM_ARGS)
        for n in (int(x) for x in a.ops.split(",")):
            spec = f"default:n={round(n / 1.9)}"
            w = parse_pattern(spec)
            dom = KeyDomain(parse_key_type("int64"))
            t0 = time.perf_counter()
            html, info = build_page(impls, "int64", "int64", lambda w=w, dom=dom: w.ops(dom), spec)
            build = time.perf_counter() - t0
            path = os.path.join(d, f"p{n}.html")
            with open(path, "w", encoding="utf-8") as f:
                f.write(html)
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            t0 = time.perf_counter()
            page.goto("file://" + path)
            page.evaluate("window.gomapViz.cur()")
            opened = time.perf_counter() - t0
            last = page.evaluate("window.gomapViz.steps") - 1
            t0 = time.perf_counter()
            page.evaluate(f"window.gomapViz.go({last})")
            to_end = time.perf_counter() - t0
            t0 = time.perf_counter()
            page.evaluate("window.gomapViz.go(0)")
            back = time.perf_counter() - t0
            page.close()
            r = {"ops": info["ops"], "workload": spec, "impls": impls,
                 "bytes": len(html.encode()), "bytes_per_op": round(info["bytes_per_op"], 1),
                 "build_s": round(build, 2), "open_s": round(opened, 2),
                 "to_end_s": round(to_end, 2), "back_s": round(back, 2)}
            out.append(r)
            print(f"{r['ops']:,} ops ({'+'.join(impls)}): {r['bytes'] / 1e6:.1f} MB, "
                  f"{r['bytes_per_op']} B/op; built in {r['build_s']} s; headless Chromium "
                  f"opens it in {r['open_s']} s, steps to the end in {r['to_end_s']} s, "
                  f"back to the start in {r['back_s']} s", flush=True)
        browser.close()
    if a.json:
        with open(a.json, "w") as f:
            json.dump(out, f, indent=2)


if __name__ == "__main__":
    main()
