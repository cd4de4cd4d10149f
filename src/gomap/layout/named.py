"""Named Go types — ``time.Time``, ``netip.Addr``, ``sync.Mutex``, your own ``pkg.T`` —
laid out by the Go toolchain itself.

gomap's parser (:mod:`gomap.layout.types`) reads type literals. A named type is read by
a small Go program, ``oracle/go/typeinfo`` (built and cached like the oracle's
harnesses, with the pinned Go release of the Swiss engine; the oracle runs it behind
the :class:`TypeChecker` interface, so layout imports no other part of gomap), which
loads the package with Go's own type checker (``go/types`` with
``types.SizesFor("gc", "amd64")``) and writes the type's underlying type as a literal.
gomap lays that literal out and checks its size and alignment against the type
checker's; the figures are cached (by Go release, and for a package by a digest of
its files).

* Standard-library types resolve by themselves when first named: ``--key time.Time``,
  ``GoMap(key_type="netip.Addr")``.
* Your own types: :func:`load_types` (``--types DIR|FILE.go`` on the command line)
  registers every named type of a package under ``pkg.T`` (and ``T`` when no other
  loaded type has that name).
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib
import json
import os
import subprocess
from pathlib import Path
from typing import Any, Protocol

from gomap.layout.types import GoType, GoTypeError

_REGISTRY: dict[str, dict[str, Any]] = {}
"""name → the typeinfo row (``expr``, ``size``, ``align``) of every loaded named type."""
_AMBIGUOUS: set[str] = set()
_STD_MISSES: dict[str, str] = {}
"""Standard-library names that could not be read, with the reason (asked once)."""


class NamedTypeError(GoTypeError):
    """A named type that could not be read: the message says why and what works."""


class TypeChecker(Protocol):
    """What reads named types: Go's type checker, run as the ``typeinfo`` program
    (``-std NAME`` or ``-pkg DIR``; one JSON row per type on stdout). The oracle
    implements it (:class:`gomap.oracle.typeinfo.TypeInfo`), since it is the part of
    gomap that builds and runs Go programs; this module only reads the answers."""

    missing: type[Exception]
    """Raised by :meth:`run` when the Go toolchain is missing."""

    def version(self) -> str:
        """The Go release the type checker is built with (cache files name it)."""
        ...

    def cache_dir(self) -> Path:
        """Where the figures are cached."""
        ...

    def run(self, args: list[str]) -> subprocess.CompletedProcess[str]:
        """Run the type checker with ``args``."""
        ...


TYPE_CHECKER = "gomap.oracle.typeinfo:TypeInfo"
"""The default :class:`TypeChecker` (``module:class``), imported on first use of a
named type; :func:`use_type_checker` replaces it."""

_checker: TypeChecker | None = None


def use_type_checker(checker: TypeChecker | None) -> None:
    """Read named types with ``checker`` from now on (None: the default again)."""
    global _checker
    _checker = checker


def type_checker() -> TypeChecker:
    """The :class:`TypeChecker` in use."""
    global _checker
    if _checker is None:
        module, name = TYPE_CHECKER.split(":")
        _checker = getattr(importlib.import_module(module), name)()
    return _checker


def tool_version() -> str:
    """The Go release the type checker is built with (the Swiss engine's pinned one)."""
    return type_checker().version()


def _run(args: list[str]) -> list[dict[str, Any]]:
    """Run the type checker; its rows. Raises its ``missing`` error (no Go toolchain)
    or NamedTypeError (the package does not load)."""
    p = type_checker().run(args)
    if p.returncode != 0:
        raise NamedTypeError(f"the Go type checker could not load it: "
                             f"{(p.stderr or p.stdout).strip()[:2000]}")
    return [json.loads(line) for line in p.stdout.splitlines() if line.strip()]


def _cache_file(kind: str, key: str) -> Path:
    return type_checker().cache_dir() / "typeinfo" / f"{kind}-{tool_version()}-{key}.json"


def _cached(kind: str, key: str, compute: Any) -> list[dict[str, Any]]:
    path = _cache_file(kind, key)
    if path.is_file():
        try:
            rows: list[dict[str, Any]] = json.loads(path.read_text())
            return rows
        except (OSError, ValueError):
            pass
    rows = compute()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".tmp{os.getpid()}")
        tmp.write_text(json.dumps(rows))
        tmp.replace(path)
    except OSError:
        pass
    return rows


def _register(row: dict[str, Any], short: bool) -> None:
    name = row["name"]
    _REGISTRY[name] = row
    if short:
        bare = name.rsplit(".", 1)[-1]
        if bare in _REGISTRY and _REGISTRY[bare]["name"] != name:
            _AMBIGUOUS.add(bare)
        _REGISTRY.setdefault(bare, row)


def load_types(path: str | os.PathLike[str]) -> list[str]:
    """Load the named types of the Go package in ``path`` (a directory, or one
    ``.go`` file) with the Go type checker; register each as ``pkg.T`` (and ``T``).
    Returns the names registered. Imports of the standard library work; a package
    that imports a module outside it cannot be loaded (give the types' own package)."""
    p = Path(path)
    if not p.exists():
        raise NamedTypeError(f"--types {path}: no such file or directory")
    files = sorted(p.glob("*.go")) if p.is_dir() else [p]
    files = [f for f in files if not f.name.endswith("_test.go")]
    if not files:
        raise NamedTypeError(f"--types {path}: no Go files")
    digest = hashlib.sha256()
    for f in files:
        digest.update(f.name.encode() + b"\0" + f.read_bytes())
    try:
        rows = _cached("pkg", digest.hexdigest()[:20],
                       lambda: _run(["-pkg", str(p.resolve())]))
    except NamedTypeError as e:
        raise NamedTypeError(f"--types {path}: {e}") from None
    names = []
    for row in rows:
        if "error" in row:
            continue
        _register(row, short=True)
        names.append(row["name"])
    return names


def _std(name: str) -> dict[str, Any] | None:
    if name in _STD_MISSES:
        return None
    missing = type_checker().missing
    try:
        rows = _cached("std", hashlib.sha256(name.encode()).hexdigest()[:20],
                       lambda: _run(["-std", name]))
    except missing as e:
        _STD_MISSES[name] = f"the Go toolchain that reads it is missing ({e})"
        return None
    except NamedTypeError as e:
        _STD_MISSES[name] = str(e)
        return None
    row = rows[0] if rows else {"error": "no answer"}
    if "error" in row:
        _STD_MISSES[name] = row["error"]
        return None
    _REGISTRY[name] = row
    return row


def resolve(name: str) -> GoType | None:
    """The layout of the named type ``name`` (``time.Time``, ``pkg.T``), or None when
    it is unknown; called by the type parser for a name it does not know."""
    if name in _AMBIGUOUS:
        raise NamedTypeError(f"type name {name!r} is declared in more than one loaded "
                             f"package: write it as pkg.{name}")
    row = _REGISTRY.get(name)
    if row is None and "." in name and not name.startswith("."):
        row = _std(name)
    if row is None:
        return None
    from gomap.layout.types import parse_go_type

    t = parse_go_type(row["expr"])
    if (t.size, t.align) != (row["size"], row["align"]):
        raise NamedTypeError(
            f"{name}: gomap lays out its underlying type {row['expr']} as {t.size} bytes "
            f"aligned to {t.align}, Go's type checker as {row['size']} aligned to "
            f"{row['align']}; please report this")
    if t.kind in ("struct", "array"):
        # named in reports (map[time.Time]…); a named basic type keeps its literal,
        # which is what the key domains look its range up by
        return dataclasses.replace(t, expr=row["name"])
    return t


def unknown_message(name: str) -> str:
    """Why ``name`` is unknown and what works instead."""
    why = _STD_MISSES.get(name)
    works = ("its underlying type works as well: write it as a type literal (a struct "
             "with the same fields in the same order lays out the same, e.g. "
             "'struct { wall uint64; ext int64; loc *int }' for time.Time)")
    if "." not in name:
        return (f"unknown type {name!r}: a type of your own package is read with "
                f"--types DIR (or gomap.layout.load_types(DIR)) and named pkg.{name}; "
                f"{works}")
    if why:
        return f"unknown type {name!r}: {why}; {works}"
    return f"unknown type {name!r}: load its package with --types DIR; {works}"
