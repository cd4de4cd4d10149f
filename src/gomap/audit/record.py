"""The audit record: its schema, the key's redaction policies and the caller's frames.

A record is a flat JSON object (docs/AUDIT.md is the reference)::

    {"v": 1, "seq": 17, "ts": 1765080000123456789, "mono": 81234567890,
     "source": "python", "map": "sessions", "op": "delete", "key": "'alice'",
     "found": true, "thread": {"id": 1402, "name": "MainThread"}, "pid": 4242,
     "caller": [{"file": "app/service.py", "line": 88, "function": "Service.logout"}]}

plus any extra fields the emitter adds (``count`` and ``keys`` for ``clear``,
``runtime`` for a GoMap's runtime detail, ``goroutine`` for the eBPF recorder, ...).

``caller`` is seed 000's ``trimFrames``: the Python stack from the innermost frame
out, without gomap's own frames, the standard library's and any prefix the user adds,
cut to ``frames`` entries.
"""

from __future__ import annotations

import hashlib
import os
import sys
import sysconfig
from collections.abc import Callable, Iterable
from typing import Any

import orjson

SCHEMA_VERSION = 1
"""``v`` of every record this version writes."""

CORE_FIELDS = ("v", "seq", "ts", "mono", "source", "map", "op", "key", "found", "thread",
               "pid", "caller")
"""The fields every record has, in the order the sinks write them."""

DELETE_OPS = frozenset({"delitem", "pop", "popitem", "delete", "load_and_delete",
                        "compare_and_delete", "clear", "delete_where"})
"""The ``op`` values of a delete (the pipeline's own records use other ops:
``breaker``, ``hook_error``)."""

NO_KEY: Any = type("NoKey", (), {"__repr__": lambda self: "NO_KEY"})()
"""The ``key`` of a record about no one key (``clear``, ``popitem`` of an empty map):
written as ``null``, never redacted."""

KEY_REPR_LIMIT = 200
"""The default policy keeps this many characters of ``repr(key)``."""

Redactor = Callable[[Any], Any]
"""A redaction policy: the original key in, a JSON-able value out."""


def redact_repr(limit: int = KEY_REPR_LIMIT) -> Redactor:
    """The default policy: ``repr(key)`` cut to ``limit`` characters (a cut repr ends
    with ``…``).

    >>> redact_repr(5)("abcdefgh")
    "'abc…"
    """
    if limit < 1:
        raise ValueError(f"redact_repr: limit must be at least 1, got {limit}")

    def redact(key: Any) -> Any:
        try:
            r = repr(key)
        except Exception as exc:  # a key whose __repr__ raises is still audited
            r = f"<unrepresentable {type(key).__name__}: {type(exc).__name__}>"
        return r if len(r) <= limit else r[: limit - 1] + "…"

    redact.__qualname__ = f"redact_repr({limit})"
    return redact


def salted_hash(salt: bytes | str, digest_size: int = 16) -> Redactor:
    """A keyed BLAKE2b of ``repr(key)``: ``"blake2b:<hex>"``. Equal keys give equal
    digests under one salt (so ``gomap audit show --key`` can match a digest the user
    computes with the same policy); without the salt the key cannot be recovered by
    hashing guesses.

    >>> h = salted_hash(b"pepper")
    >>> h("alice") == h("alice") != h("bob")
    True
    """
    raw = salt.encode() if isinstance(salt, str) else bytes(salt)
    if not raw:
        raise ValueError("salted_hash: the salt must not be empty")
    if not 1 <= digest_size <= 64:
        raise ValueError(f"salted_hash: digest_size must be 1..64, got {digest_size}")

    def redact(key: Any) -> Any:
        h = hashlib.blake2b(repr(key).encode("utf-8", "surrogatepass"), key=raw[:64],
                            digest_size=digest_size)
        return "blake2b:" + h.hexdigest()

    redact.__qualname__ = "salted_hash"
    return redact


def drop_key(key: Any) -> Any:
    """The drop policy: the record keeps no trace of the key (``null``)."""
    return None


def make_redactor(policy: str | Redactor | None) -> Redactor:
    """``"repr"`` (the default), ``"drop"``, ``"hash:<salt>"`` or a callable."""
    if policy is None or policy == "repr":
        return redact_repr()
    if policy == "drop":
        return drop_key
    if isinstance(policy, str):
        if policy.startswith("hash:") and len(policy) > 5:
            return salted_hash(policy[5:])
        raise ValueError(f"unknown redaction policy {policy!r}: use 'repr', 'drop', "
                         "'hash:<salt>' or a callable key -> JSON value")
    if not callable(policy):
        raise TypeError(f"redact must be a policy name or a callable, not {type(policy).__name__}")
    return policy


# --- the caller's frames ------------------------------------------------------------------
def _default_skip_prefixes() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(prefixes skipped, prefixes kept although under a skipped one): gomap's package
    and the standard library are skipped; site-packages below the stdlib is not."""
    import gomap

    skipped = [os.path.dirname(os.path.abspath(gomap.__file__)) + os.sep]
    kept: list[str] = []
    paths = sysconfig.get_paths()
    for name in ("stdlib", "platstdlib"):
        p = paths.get(name)
        if p:
            skipped.append(os.path.abspath(p) + os.sep)
    for name in ("purelib", "platlib"):
        p = paths.get(name)
        if p:
            kept.append(os.path.abspath(p) + os.sep)
    return tuple(dict.fromkeys(skipped)), tuple(dict.fromkeys(kept))


class FrameFilter:
    """Which frames are the user's: ``caller(depth)`` walks out from a frame and keeps
    the first ``frames`` that are neither gomap's, nor the standard library's, nor
    under one of ``skip`` (extra path prefixes, or module-name prefixes such as
    ``"myapp.db."``). The decision is cached per file name."""

    def __init__(self, frames: int = 1, skip: Iterable[str] = ()) -> None:
        if not isinstance(frames, int) or frames < 0:
            raise ValueError(f"frames must be an int >= 0, got {frames!r}")
        self.frames = frames
        self._skipped, self._kept = _default_skip_prefixes()
        extra = tuple(skip)
        self._extra_paths = tuple(os.path.abspath(p) if os.sep in p else p for p in extra
                                  if os.sep in p)
        self._extra_modules = tuple(p for p in extra if os.sep not in p)
        self._cache: dict[str, bool] = {}
        self._code_cache: dict[Any, tuple[bool, str, str]] = {}

    def _skip_file(self, filename: str) -> bool:
        if filename.startswith("<frozen "):
            return True  # frozen standard-library modules
        path = os.path.abspath(filename) if not filename.startswith("<") else filename
        if path.startswith(self._extra_paths) and self._extra_paths:
            return True
        if path.startswith(self._skipped[0]):
            return True  # gomap itself, wherever installed
        return path.startswith(self._skipped[1:]) and not path.startswith(self._kept)

    def caller(self, depth: int) -> list[dict[str, Any]]:
        """The user's frames, innermost first, starting ``depth`` frames above the
        caller of this method."""
        n = self.frames
        if n == 0:
            return []
        out: list[dict[str, Any]] = []
        f: Any = sys._getframe(depth + 1)
        cache = self._code_cache
        while f is not None:
            code = f.f_code
            info = cache.get(code)
            if info is None:
                info = cache[code] = self._code_info(code)
            if info[0] or (self._extra_modules and str(f.f_globals.get("__name__", "")
                                                       ).startswith(self._extra_modules)):
                f = f.f_back
                continue
            out.append({"file": info[1], "line": f.f_lineno, "function": info[2]})
            if len(out) == n:
                break
            f = f.f_back
        return out

    def _code_info(self, code: Any) -> tuple[bool, str, str]:
        """(skipped, file, function) of a code object, computed once."""
        fn = code.co_filename
        skip = self._cache.get(fn)
        if skip is None:
            skip = self._cache[fn] = self._skip_file(fn)
        return skip, fn, getattr(code, "co_qualname", code.co_name)


# --- serialisation ------------------------------------------------------------------------
def dumps_record(rec: dict[str, Any], _dumps: Any = orjson.dumps,
                 _opt: int = orjson.OPT_APPEND_NEWLINE) -> bytes:
    """One JSON line (with its ``\\n``). Extras that JSON cannot hold are written as
    their ``repr``; integers beyond 64 bits are kept exact."""
    try:
        return _dumps(rec, default=repr, option=_opt)
    except TypeError:  # orjson refuses ints beyond 64 bits: the stdlib writes them
        import json

        return (json.dumps(rec, default=repr, ensure_ascii=False, separators=(",", ":"))
                + "\n").encode()
