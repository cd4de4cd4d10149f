"""Helpers of the `gomap record` tests: build the test programs once, parse their logs."""

from __future__ import annotations

import os
import subprocess
from collections import defaultdict
from pathlib import Path

from gomap.sim.ops import parse_go_literal

GO_DIR = Path(__file__).parent / "record_go"
CACHE = Path(os.environ.get("GOMAP_CACHE", Path.home() / ".cache" / "gomap"))
BUILDS = {  # name: (toolchain dir, GOEXPERIMENT, engine)
    "1.22": ("go-1.22.10", "", "classic"),
    "1.23": ("go-1.23.9", "", "classic"),
    "1.24": ("go-1.24.11", "", "swiss"),
    "1.24-noswissmap": ("go-1.24.11", "noswissmap", "classic"),
    "1.27": ("go-1.27.3", "", "swiss"),
}


def toolchain(name: str) -> Path | None:
    """The go binary of a build in BUILDS, or None when it is not installed."""
    d = BUILDS[name][0]
    found = sorted(CACHE.glob(d.rsplit(".", 1)[0] + ".*")) if not (CACHE / d).exists() else \
        [CACHE / d]
    for c in [CACHE / d, *found]:
        go = c / "go" / "bin" / "go"
        if go.exists():
            return go
    return None


def build(name: str, out: Path, source: str = "mapprog.go", strip: bool = False) -> Path:
    """Build a test program with a release's toolchain (cached in ``out``)."""
    go = toolchain(name)
    if go is None:
        raise FileNotFoundError(f"no Go toolchain for {name} under {CACHE}")
    exe = out / f"{Path(source).stem}-{name}{'-stripped' if strip else ''}"
    if exe.exists():
        return exe
    env = {**os.environ, "GOFLAGS": "-mod=mod", "GO111MODULE": "off", "GOTOOLCHAIN": "local",
           "CGO_ENABLED": "0"}
    if BUILDS[name][1]:
        env["GOEXPERIMENT"] = BUILDS[name][1]
    flags = ["-ldflags=-s -w"] if strip else []
    subprocess.run([str(go), "build", *flags, "-o", str(exe), str(GO_DIR / source)], env=env,
                   check=True, capture_output=True, cwd=GO_DIR)
    return exe


def log_streams(path: Path) -> tuple[dict[str, list[tuple[str, object]]], dict[str, int]]:
    """The program's own log: per map name its ops (op, key value), and its final lens."""
    streams: dict[str, list[tuple[str, object]]] = defaultdict(list)
    lens: dict[str, int] = {}
    for line in path.read_text().splitlines():
        parts = line.split(" ", 2)
        if parts[0] == "len":
            lens[parts[1]] = int(parts[2])
            continue
        name, op = parts[0], parts[1]
        key = parts[2] if len(parts) > 2 else None
        streams[name].append((op, _val(op, key)))
    return dict(streams), lens


def ops_stream(path: Path) -> tuple[dict[str, str], list[tuple[str, object]]]:
    """An ops file's header (``#@ name: value``) and its ops (op, key value)."""
    header: dict[str, str] = {}
    ops: list[tuple[str, object]] = []
    for line in path.read_text().splitlines():
        if line.startswith("#@"):
            k, _, v = line[2:].partition(":")
            header[k.strip()] = v.strip()
            continue
        if not line or line.startswith("#"):
            continue
        op, _, key = line.partition(" ")
        ops.append((op, _val(op, key or None)))
    return header, ops


def _val(op: str, key: str | None) -> object:
    if key is None:
        return None
    if op == "make":
        return int(key)
    return parse_go_literal(key).value
