"""Building and running the Go harnesses that read a real Go map's internals.

Each engine has a harness program under ``gomap/oracle/go/<impl>/`` (``classic``
built with Go 1.23, ``swiss`` with Go 1.27 by default; ``go=`` builds it with any
supported release instead, the classic harnesses of Go 1.24 and 1.25 under
``GOEXPERIMENT=noswissmap``; the harness's ``go.mod`` is given that release's
``go`` line, and per-release layout mirrors are picked by build tags). A harness
reads an operation script,
one JSON array per line, applies it to a real Go map and prints one JSON object
per operation describing the runtime's state (see docs/ORACLE.md).

Binaries are cached under ``~/.cache/gomap/bin`` keyed by a digest of the harness
sources and the toolchain version, so they are built once.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from gomap.oracle.toolchain import GO_VERSIONS, cache_dir, find_go
from gomap.versions import GoBehaviour, go_behaviour

GO_DIR = Path(__file__).parent / "go"


class HarnessError(RuntimeError):
    """The Go harness failed to build or run; the message carries Go's own output."""


def harness_sources(impl: str, source: Path | None = None) -> Path:
    """The folder of ``impl``'s Go sources: ``source`` when given, else the oracle's
    own ``gomap/oracle/go/<impl>``."""
    src = GO_DIR / impl if source is None else Path(source)
    if not (src / "main.go").is_file():
        raise HarnessError(f"no Go harness for impl {impl!r} in {src}")
    return src


def _source_files(src: Path) -> list[Path]:
    """The harness's own .go files and go.mod, plus the .go files of the sibling
    folders named in its ``shared.txt`` (one per line): code two harnesses share
    lives once, in package main, and is copied into each build."""
    files = [f for f in sorted(src.iterdir()) if f.suffix == ".go" or f.name == "go.mod"]
    shared = src / "shared.txt"
    if shared.is_file():
        for name in shared.read_text().split():
            files += sorted((src.parent / name).glob("*.go"))
    return files


_MAP_DESIGN = {"classic": "classic", "memclassic": "classic", "swiss": "swiss",
               "memswiss": "swiss"}
"""The map design each map harness reads (the others, e.g. ``syncmap*`` or ``lint``,
have none: no design check and no default ``GOEXPERIMENT``)."""


def build_harness(impl: str, *, install_go: bool = False,
                  go: str | GoBehaviour | None = None, go_version: str | None = None,
                  goexperiment: str | None = None,
                  on_build: Callable[[str], None] | None = None,
                  source: Path | None = None) -> Path:
    """Build (or reuse) the harness binary for ``impl``; return its path.

    ``go`` (or ``go_version``) builds with another Go release than
    ``GO_VERSIONS[impl]``; for a map harness the release must have that map design,
    and the classic map of Go 1.24/1.25 is built with ``GOEXPERIMENT=noswissmap``.
    ``goexperiment`` sets ``GOEXPERIMENT`` explicitly. ``on_build(version)`` is
    called before an actual build (not when the cached binary is reused).
    ``source`` is the folder of Go sources to build (a ``main`` package and its
    ``go.mod``); by default the oracle's ``gomap/oracle/go/<impl>``. Other
    programs built the same way, such as ``gomap lint``'s analyzer in
    ``gomap/lint/go``, pass their own folder; ``impl`` then names the binary and
    picks the Go release from ``GO_VERSIONS``."""
    src = harness_sources(impl, source)
    design = _MAP_DESIGN.get(impl)
    release = go_behaviour(go if go is not None else (go_version or GO_VERSIONS[impl]), design)
    if goexperiment is not None:
        experiment = goexperiment
    else:
        experiment = release.goexperiment(design) if design else ""
    tool = find_go(release.release, install=install_go)
    files = _source_files(src)
    digest = hashlib.sha256(f"{tool.version}\0{experiment}".encode())
    for f in files:
        digest.update(f.name.encode() + b"\0" + f.read_bytes())
    out = cache_dir() / "bin" / f"harness-{impl}-{digest.hexdigest()[:16]}"
    if out.is_file():
        return out
    if on_build is not None:
        on_build(tool.version)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(f".tmp{os.getpid()}")
    env = tool.env(cache_dir())
    env["GOEXPERIMENT"] = experiment
    with tempfile.TemporaryDirectory(dir=out.parent) as build:
        for f in files:
            if f.name == "go.mod":
                # The harness needs no newer language than its release offers.
                mod = re.sub(r"(?m)^go \S+$", f"go {release.minor}", f.read_text())
                (Path(build) / f.name).write_text(mod)
            else:
                shutil.copyfile(f, Path(build) / f.name)
        proc = subprocess.run(
            [str(tool.go), "build", "-o", str(tmp), "."],
            cwd=build, env=env, capture_output=True, text=True,
        )
    if proc.returncode != 0:
        raise HarnessError(f"building the {impl} harness with {release.label} failed:\n"
                           f"{proc.stderr}{proc.stdout}")
    tmp.replace(out)
    return out


def run_harness(
    impl: str,
    script: Iterable[list[Any]],
    args: Iterable[str] = (),
    *,
    install_go: bool = False,
    go: str | GoBehaviour | None = None,
) -> Iterator[dict[str, Any]]:
    """Run ``script`` (a sequence of JSON-able op lists) through the real runtime
    of Go ``go`` (default: the pinned release of ``impl``).

    Yields the harness's output records, one per operation, in order. The script is
    written to a temporary file first so a long run never deadlocks on pipes.
    """
    lines = (json.dumps(op, separators=(",", ":")) for op in script)
    yield from run_harness_lines(impl, lines, args, install_go=install_go, go=go)


def run_harness_lines(
    impl: str,
    lines: Iterable[str],
    args: Iterable[str] = (),
    *,
    install_go: bool = False,
    go: str | GoBehaviour | None = None,
    env: Mapping[str, str] | None = None,
) -> Iterator[dict[str, Any]]:
    """Like :func:`run_harness`, for a harness whose script is plain text lines.
    ``env``: variables to set for the harness process (on top of ours)."""
    binary = build_harness(impl, install_go=install_go, go=go)
    yield from _run(impl, binary, lines, list(args), env)


def run_binary(impl: str, binary: Path, lines: Iterable[str], args: Iterable[str] = ()
               ) -> Iterator[dict[str, Any]]:
    """Like :func:`run_harness_lines`, for a binary already built by :func:`build_harness`."""
    yield from _run(impl, binary, lines, list(args))


def _run(impl: str, binary: Path, lines: Iterable[str], args: list[str],
         env: Mapping[str, str] | None = None) -> Iterator[dict[str, Any]]:
    work = cache_dir() / "runs"
    work.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryFile("w+", dir=work) as fin, tempfile.TemporaryFile(
        "w+", dir=work
    ) as ferr:
        for line in lines:
            fin.write(line)
            fin.write("\n")
        fin.flush()
        fin.seek(0)
        proc = subprocess.Popen(
            [str(binary), *args], stdin=fin, stdout=subprocess.PIPE, stderr=ferr, text=True,
            bufsize=1 << 20, env=None if env is None else {**os.environ, **env},
        )
        assert proc.stdout is not None
        try:
            for line in proc.stdout:
                yield json.loads(line)
        finally:
            proc.stdout.close()
            rc = proc.wait()
        if rc != 0:
            ferr.seek(0)
            raise HarnessError(f"the {impl} harness exited with {rc}:\n{ferr.read()[-4000:]}")
