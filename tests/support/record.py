"""Helpers of the `gomap record` tests: build the test programs once, parse their logs."""

from __future__ import annotations

import hashlib
import os
import subprocess
from collections import defaultdict
from pathlib import Path

import pytest

from gomap.sim.ops import parse_go_literal
from gomap.versions import GO_RELEASES

GO_DIR = Path(__file__).parents[1] / "record" / "go"
BUILDS = {  # name: (Go release, GOEXPERIMENT, the engine it builds maps with)
    **{minor: (r.newest, "", r.designs[0]) for minor, r in GO_RELEASES.items()},
    "1.24-noswissmap": (GO_RELEASES["1.24"].newest, "noswissmap", "classic"),
}


def bpf_unavailable() -> str | None:
    """Why uprobe recording cannot run here (None: it can)."""
    import platform

    if platform.machine() != "x86_64":
        return f"gomap record reads the amd64 ABI; this machine is {platform.machine()}"
    if os.geteuid() != 0:
        return "gomap record needs root (tracefs uprobe events)"
    from gomap.record.tracefs import TraceFSError, find_tracefs

    try:
        find_tracefs()
    except TraceFSError as e:
        return str(e)
    return None


def require_bpf() -> None:
    """Skip without root/uprobes, unless GOMAP_REQUIRE_BPF=1 (CI), where it fails."""
    why = bpf_unavailable()
    if why is None:
        return
    if os.environ.get("GOMAP_REQUIRE_BPF") == "1":
        pytest.fail(f"{why} (GOMAP_REQUIRE_BPF=1)")
    pytest.skip(why)


def build(name: str, source: str = "mapprog.go", strip: bool = False) -> Path:
    """A test program built with a release's toolchain, cached by source and release
    (skips, or fails under GOMAP_REQUIRE_BPF=1 / GOMAP_REQUIRE_ORACLE=1, without it)."""
    from gomap.oracle.toolchain import cache_dir
    from tests.support.oracle import require_go

    release, experiment, _ = BUILDS[name]
    go = require_go(release, required_by=("GOMAP_REQUIRE_BPF",))
    path = GO_DIR / source  # a path relative to tests/record/go (or absolute)
    src = path.read_bytes()
    tag = hashlib.sha256(src + name.encode() + bytes(strip)).hexdigest()[:16]
    out = cache_dir() / "record-tests"
    out.mkdir(parents=True, exist_ok=True)
    exe = out / f"{Path(source).stem}-{name}{'-stripped' if strip else ''}-{tag}"
    if exe.exists():
        return exe
    env = {**os.environ, "GO111MODULE": "off", "GOTOOLCHAIN": "local", "CGO_ENABLED": "0"}
    env.pop("GOEXPERIMENT", None)
    if experiment:
        env["GOEXPERIMENT"] = experiment
    flags = ["-ldflags=-s -w"] if strip else []
    tmp = exe.with_suffix(".tmp")
    subprocess.run([str(go.go), "build", *flags, "-o", str(tmp), str(path)], env=env,
                   check=True, capture_output=True, cwd=path.parent)
    tmp.replace(exe)
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
