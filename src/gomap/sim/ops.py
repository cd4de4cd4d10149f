"""Operations, Go key literals, and the ops-file format.

An operation (the vocabulary of :mod:`gomap.ops`) is a small tuple ``(code, arg)``:
``(MAKE, hint)``, ``(SET, key)``,
``(GET, key)``, ``(DEL, key)``, ``(CLEAR, None)``, ``(ITER, None)`` — ``ITER`` being a
whole ``for k, v := range m`` loop. Workloads are iterables of operations, so a
million-operation run never holds its script in memory.

The ops file (documented in docs/SIMULATE.md)::

    # a comment; blank lines are ignored
    make 1000          # optional, first op only: make(map[K]V, 1000)
    set 42             # m[42] = v
    set "user:17"      # keys are Go literals: integers, quoted strings,
    get 0x2a           #   floats, true/false, 'runes'
    del 42
    iter               # for k, v := range m {}
    clear

A bad line raises :class:`OpsFileError` carrying the file, the line number and the
line itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from gomap.layout.types import INTEGER_RANGES, GoType
from gomap.ops import CLEAR, DEL, GET, MAKE, RANGE, SET, Op

ITER = RANGE
"""The ops file's ``iter``: a whole ``range`` loop (:data:`gomap.ops.RANGE`)."""
OP_NAMES = ("make", "set", "get", "del", "clear", "iter")
"""The ops file's (and the memory harness's) spelling of ``MAKE`` … ``RANGE``."""


class OpsFileError(ValueError):
    """A line of an ops file gomap cannot read."""

    def __init__(self, path: str, lineno: int, line: str, msg: str) -> None:
        self.path = path
        self.lineno = lineno
        self.line = line
        self.msg = msg
        where = f"{path}:{lineno}" if lineno else path  # lineno 0: the file as a whole
        shown = f"\n    {line.rstrip()}" if line.strip() else ""
        super().__init__(f"{where}: {msg}{shown}")


class KeyLiteralError(ValueError):
    """A key literal that is not a value of the map's key type."""


# --- Go literals ------------------------------------------------------------------------
_INT = re.compile(r"[+-]?(?:0[xX][0-9a-fA-F_]+|0[bB][01_]+|0[oO][0-7_]+|0[0-7_]*|[1-9][0-9_]*)\Z")
_FLOAT = re.compile(
    r"[+-]?(?:(?:[0-9][0-9_]*)?\.[0-9_]*(?:[eE][+-]?[0-9_]+)?|[0-9][0-9_]*[eE][+-]?[0-9_]+"
    r"|[0-9][0-9_]*\.)\Z"
)
_ESCAPES = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v",
            "\\": "\\", "'": "'", '"': '"'}


def _unquote(body: str, quote: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(body):
        c = body[i]
        if c == quote:
            raise ValueError(f"unescaped {quote} inside the literal")
        if c != "\\":
            out.append(c)
            i += 1
            continue
        if i + 1 >= len(body):
            raise ValueError("the literal ends in a backslash")
        e = body[i + 1]
        if e in _ESCAPES:
            out.append(_ESCAPES[e])
            i += 2
        elif e in "xuU":
            n = {"x": 2, "u": 4, "U": 8}[e]
            digits = body[i + 2:i + 2 + n]
            if len(digits) != n or not all(d in "0123456789abcdefABCDEF" for d in digits):
                raise ValueError(f"bad \\{e} escape")
            v = int(digits, 16)
            if e == "x":
                out.append(chr(v))  # a byte; gomap keeps strings as text
            else:
                if v > 0x10FFFF or 0xD800 <= v < 0xE000:
                    raise ValueError(f"escape is an invalid Unicode code point {v:#x}")
                out.append(chr(v))
            i += 2 + n
        elif e in "01234567":
            digits = body[i + 1:i + 4]
            if len(digits) != 3 or not all(d in "01234567" for d in digits):
                raise ValueError("bad octal escape")
            out.append(chr(int(digits, 8)))
            i += 4
        else:
            raise ValueError(f"unknown escape sequence \\{e}")
    return "".join(out)


def parse_literal(text: str) -> Any:
    """A Go literal → Python value: int, float, str, bool. ValueError if not one."""
    t = text.strip()
    if not t:
        raise ValueError("missing key")
    if len(t) >= 2 and t[0] == t[-1] == '"':
        return _unquote(t[1:-1], '"')
    if len(t) >= 2 and t[0] == t[-1] == "`":
        if "`" in t[1:-1]:
            raise ValueError("unexpected ` inside a raw string")
        return t[1:-1].replace("\r", "")
    if len(t) >= 3 and t[0] == t[-1] == "'":
        s = _unquote(t[1:-1], "'")
        if len(s) != 1:
            raise ValueError("a rune literal holds exactly one character")
        return ord(s)
    if t in ("true", "false"):
        return t == "true"
    if _INT.match(t):
        sign = -1 if t[0] == "-" else 1
        d = t.lstrip("+-").replace("_", "")
        if d[:2] in ("0x", "0X"):
            v = int(d[2:], 16)
        elif d[:2] in ("0b", "0B"):
            v = int(d[2:], 2)
        elif d[:2] in ("0o", "0O"):
            v = int(d[2:], 8)
        elif len(d) > 1 and d[0] == "0":
            v = int(d[1:], 8)
        else:
            v = int(d)
        return sign * v
    if _FLOAT.match(t) and any(ch.isdigit() for ch in t):
        return float(t.replace("_", ""))
    raise ValueError(f"{t!r} is not a Go literal (integer, quoted string, float, true/false)")


def go_quote(s: str) -> str:
    """A Go interpreted string literal for ``s`` (ASCII only)."""
    out = ['"']
    for ch in s:
        o = ord(ch)
        if ch in '"\\':
            out.append("\\" + ch)
        elif 0x20 <= o < 0x7F:
            out.append(ch)
        elif o < 0x10000:
            out.append(f"\\u{o:04x}")
        else:
            out.append(f"\\U{o:08x}")
    out.append('"')
    return "".join(out)


# --- keys of a map's key type ----------------------------------------------------------
class KeyDomain:
    """Turns literals and generated values into the Python keys that stand for
    values of a Go key type, with Go's equality.

    Integer types: Python ints in the type's range. Floats: Python floats. Strings:
    Python str. ``bool``: True/False. ``any`` and interfaces: the literal as is (an
    int and a string never compare equal, as in Go). Every other type (structs,
    arrays, pointers, channels): an integer ``n`` stands for "the n-th distinct value
    of the type" — gomap only needs equality and the hash, both of which follow.
    """

    def __init__(self, t: GoType) -> None:
        self.type = t
        self.kind = t.kind
        self.range = INTEGER_RANGES.get(t.expr)

    def from_literal(self, v: Any) -> Any:
        """A key written in an ops file (strict: no conversions Go would refuse)."""
        k, t = self.kind, self.type.expr
        if k in ("int", "uint"):
            if isinstance(v, bool) or not isinstance(v, int):
                raise KeyLiteralError(f"key {v!r} is not an integer (the key type is {t})")
            assert self.range is not None
            lo, hi = self.range
            if not lo <= v <= hi:
                raise KeyLiteralError(f"constant {v} overflows {t}")
            return v
        if k in ("float", "complex"):
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                raise KeyLiteralError(f"key {v!r} is not a number (the key type is {t})")
            return complex(v) if k == "complex" else float(v)
        if k == "string":
            if not isinstance(v, str):
                raise KeyLiteralError(
                    f"key {v!r} is not a string (the key type is string): quote it"
                )
            return v
        if k == "bool":
            if not isinstance(v, bool):
                raise KeyLiteralError(f"key {v!r} is not true or false (the key type is bool)")
            return v
        if k == "interface":
            return v
        if isinstance(v, bool) or not isinstance(v, int):
            raise KeyLiteralError(
                f"key {v!r}: for key type {t} write an integer n, meaning its n-th distinct value"
            )
        return v

    def from_value(self, v: Any) -> Any:
        """A generated key (lenient: integers wrap into the type, ints become
        decimal strings for string keys)."""
        k = self.kind
        if k in ("int", "uint"):
            if isinstance(v, str):
                v = int.from_bytes(v.encode()[:8], "little")
            assert self.range is not None
            lo, hi = self.range
            span = hi - lo + 1
            return (v - lo) % span + lo
        if k == "string":
            return v if isinstance(v, str) else str(v)
        if k == "float":
            return float(v) if not isinstance(v, str) else float(len(v))
        if k == "complex":
            return complex(v) if not isinstance(v, str) else complex(len(v))
        if k == "bool":
            return bool(v & 1) if isinstance(v, int) else bool(len(v) & 1)
        if k == "interface":
            return v
        return v if isinstance(v, int) else hash(v) & ((1 << 63) - 1)


# --- the ops file -------------------------------------------------------------------------
def _strip_comment(line: str) -> str:
    """The line without a trailing ``# comment`` (a ``#`` inside quotes stays)."""
    quote = ""
    i = 0
    while i < len(line):
        c = line[i]
        if quote:
            if c == "\\" and quote != "`":
                i += 2
                continue
            if c == quote:
                quote = ""
        elif c in "\"'`":
            quote = c
        elif c == "#":
            return line[:i]
        i += 1
    return line


def parse_ops_lines(lines: Iterator[str] | list[str], domain: KeyDomain, path: str = "<ops>"
                    ) -> Iterator[Op]:
    """Parse ops-file lines lazily; raise :class:`OpsFileError` at the first bad one."""
    first = True
    for lineno, raw in enumerate(lines, 1):
        text = _strip_comment(raw).strip()
        if not text:
            continue
        word, _, arg = text.partition(" ")
        arg = arg.strip()
        if word in ("set", "get", "del"):
            if not arg:
                raise OpsFileError(path, lineno, raw, f"{word} needs a key")
            try:
                key = domain.from_literal(parse_literal(arg))
            except ValueError as e:
                raise OpsFileError(path, lineno, raw, str(e)) from None
            yield ({"set": SET, "get": GET, "del": DEL}[word], key)
        elif word in ("clear", "iter"):
            if arg:
                raise OpsFileError(path, lineno, raw, f"{word} takes no argument")
            yield (CLEAR if word == "clear" else ITER, None)
        elif word == "make":
            if not first:
                raise OpsFileError(path, lineno, raw, "make may only be the first operation")
            try:
                hint = parse_literal(arg) if arg else 0
            except ValueError as e:
                raise OpsFileError(path, lineno, raw, str(e)) from None
            if isinstance(hint, bool) or not isinstance(hint, int) or hint < 0:
                raise OpsFileError(path, lineno, raw, "make needs a size hint >= 0")
            yield (MAKE, hint)
        else:
            raise OpsFileError(
                path, lineno, raw,
                f"unknown operation {word!r} (expected set, get, del, clear, iter or make)",
            )
        first = False


def ops_file_lines(path: str | Path) -> Iterator[str]:
    """The lines of an ops file, read as they are needed (a million-op file is never
    held in memory); an unreadable or non-UTF-8 file raises :class:`OpsFileError`."""
    try:
        with open(path, encoding="utf-8") as f:
            yield from f
    except OSError as e:
        raise OpsFileError(str(path), 0, "", f"cannot read the file: {e.strerror}") from None
    except UnicodeDecodeError as e:
        raise OpsFileError(str(path), 0, "", f"not UTF-8 text: {e.reason}") from None


def read_ops_file(path: str | Path, domain: KeyDomain) -> list[Op]:
    """Read and check a whole ops file (raises :class:`OpsFileError`)."""
    return list(parse_ops_lines(ops_file_lines(path), domain, str(path)))
