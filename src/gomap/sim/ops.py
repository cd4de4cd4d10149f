"""Operations, Go key literals, and the ops-file format.

An operation (the vocabulary of :mod:`gomap.ops`) is a small tuple ``(code, arg)``:
``(MAKE, hint)``, ``(SET, key)``, ``(GET, key)``, ``(DEL, key)``, ``(CLEAR, None)``,
``(RANGE, None)`` — ``RANGE`` being a whole ``for k, v := range m`` loop, spelled
``iter`` in the file (the aliases are in :data:`gomap.ops.OPS`). Workloads are
iterables of operations, so a million-operation run never holds its script in memory.

The ops file (documented in docs/SIMULATE.md)::

    # a comment; blank lines are ignored
    make 1000          # optional, first op only: make(map[K]V, 1000)
    set 42             # m[42] = v
    set 17             # keys are Go literals: integers (42, 0x2a, 0b101),
    get 0x11           #   quoted strings, floats (1.5, 1e3, 0x1p-2, NaN, +Inf,
    del 17             #   math.NaN(), math.Inf(-1)), true/false, 'runes'
    set 18
    iter               # for k, v := range m {}
    clear
    clone              # m = maps.Clone(m)
    rebuild            # m2 := make(map[K]V, len(m)); for k, v := range m { m2[k] = v }; m = m2

A header of ``#@ name: value`` comment lines (written by ``gomap record``) may name
the map's types and where the ops came from (:func:`read_ops_header`).

A bad line raises :class:`OpsFileError` carrying the file, the line number and the
line itself. Literals follow Go's constant rules: ``1e309`` overflows ``float64``,
``1.5`` is not an ``int64`` but ``1.0`` is, ``300`` overflows ``int8``; in a
``map[any]V`` a literal has its default type, so ``1``, ``1.0``, ``'1'`` (an
``int32``), ``"1"`` and ``true`` are five keys. The file is UTF-8, with or without
a byte-order mark; ``-`` reads standard input.
"""

from __future__ import annotations

import io
import math
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

from gomap.gokeys import IfaceKey, value_count
from gomap.layout.types import INTEGER_RANGES, GoType
from gomap.ops import (  # noqa: F401 - the vocabulary of gomap.ops, re-exported
    CLEAR,
    CLONE,
    DEL,
    FILE_OP_NAMES,
    GET,
    MAKE,
    OPS,
    RANGE,
    REBUILD,
    SET,
    Op,
)

OP_NAMES = tuple(FILE_OP_NAMES[c] for c in range(RANGE + 1))
"""The ops file's (and the memory harness's) spelling of ``MAKE`` … ``RANGE``
(``RANGE`` is ``iter``), indexed by code."""
_NO_ARG = {op.file_name: op.code for op in OPS if op.file_name and not op.arg}


def __getattr__(name: str) -> Any:
    # ``gomap.sim.ops.ITER`` was the ops file's ``iter``, i.e. ``RANGE``; it is not
    # ``gomap.ops.ITER`` (an iterator step). Old imports keep working.
    if name == "ITER":
        import warnings

        warnings.warn("gomap.sim.ops.ITER is gomap.ops.RANGE (a whole range loop); "
                      "import RANGE", DeprecationWarning, stacklevel=2)
        return RANGE
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class OpsFileError(ValueError):
    """A line of an ops file gomap cannot read."""

    def __init__(self, path: str, lineno: int, line: str, msg: str) -> None:
        self.path = path
        self.lineno = lineno
        self.line = line
        self.msg = msg
        where = f"{path}:{lineno}" if lineno else path  # lineno 0: the file as a whole
        shown = f"\n    {_clip(line.rstrip())}" if line.strip() else ""
        super().__init__(f"{where}: {_clip(msg, 300)}{shown}")


def _clip(text: str, limit: int = 200) -> str:
    """``text``, cut to ``limit`` characters with a note of how much was left out."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text) - limit:,} more characters)"


class KeyLiteralError(ValueError):
    """A key literal that is not a value of the map's key type."""


# --- Go literals ------------------------------------------------------------------------
# The patterns are compiled on first use (re's cache keeps them): most runs read no
# literal the C ops reader leaves to Python, and every process pays for its start-up.
_INT = (r"[+-]?(?:0[xX][0-9a-fA-F_]+|0[bB][01_]+|0[oO][0-7_]+|0[0-7_]*|[1-9][0-9_]*)\Z")
_FLOAT = (
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


class GoLiteral(NamedTuple):
    """A parsed Go literal: ``kind`` is ``int``, ``rune``, ``float``, ``string`` or
    ``bool``; ``value`` is exact (an ``int``, a :class:`~fractions.Fraction` for a
    finite float literal, a ``float`` for NaN and the infinities, a ``str``, a
    ``bool``); ``text`` is the literal as written."""

    kind: str
    value: Any
    text: str


_HEXFLOAT = (r"[+-]?0[xX]([0-9a-fA-F_]*)(?:\.([0-9a-fA-F_]*))?[pP]([+-]?[0-9_]+)\Z")
_SPECIALS = {"nan": math.nan, "inf": math.inf, "+inf": math.inf,
             "-inf": -math.inf, "infinity": math.inf, "+infinity": math.inf,
             "-infinity": -math.inf}
_EXP_CLAMP = 5000

MAX_CONST_BITS = 512
"""The largest integer constant Go's compiler accepts (types2's ``prec``): a literal
beyond it is "constant overflow" in Go."""
_MAX_CONST_DIGITS = 154
"""Any decimal literal of more digits is at least 10**154, over 512 bits."""


def _too_large(digits: int) -> str:
    return (f"an integer literal of {digits:,} digits is too large: Go refuses integer "
            f"constants over {MAX_CONST_BITS} bits, and no Go integer type holds more than 64")
"""Exponents beyond this are clamped: the value overflows (or underflows) every Go
type either way, and the exact number would cost memory for nothing."""
_MATH_INF = (r"math\.Inf\(\s*([+-]?[0-9]+)\s*\)\Z")


def parse_go_literal(text: str) -> GoLiteral:
    """A Go literal, exactly (:class:`GoLiteral`); ValueError if ``text`` is not one.

    Beyond Go's literals, the float specials Go can only compute are accepted:
    ``NaN``, ``Inf``, ``+Inf``, ``-Inf`` (any case, as ``strconv.ParseFloat``
    reads them), ``math.NaN()`` and ``math.Inf(sign)``."""
    t = text.strip()
    if not t:
        raise ValueError("missing key")
    if len(t) >= 2 and t[0] == t[-1] == '"':
        return GoLiteral("string", _unquote(t[1:-1], '"'), t)
    if len(t) >= 2 and t[0] == t[-1] == "`":
        if "`" in t[1:-1]:
            raise ValueError("unexpected ` inside a raw string")
        return GoLiteral("string", t[1:-1].replace("\r", ""), t)
    if len(t) >= 3 and t[0] == t[-1] == "'":
        s = _unquote(t[1:-1], "'")
        if len(s) != 1:
            raise ValueError("a rune literal holds exactly one character")
        return GoLiteral("rune", ord(s), t)
    if t in ("true", "false"):
        return GoLiteral("bool", t == "true", t)
    if t == "math.NaN()":
        return GoLiteral("float", math.nan, t)
    if t.lower() in _SPECIALS:
        return GoLiteral("float", _SPECIALS[t.lower()], t)
    mi = re.match(_MATH_INF, t)
    if mi:
        return GoLiteral("float", math.inf if int(mi.group(1)) >= 0 else -math.inf, t)
    if re.match(_INT, t):
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
        elif len(d) > _MAX_CONST_DIGITS:  # before int(): Python refuses 4300+ digits
            raise ValueError(_too_large(len(d)))
        else:
            v = int(d)
        if v.bit_length() > MAX_CONST_BITS:
            raise ValueError(_too_large(len(d)))
        return GoLiteral("int", sign * v, t)
    mh = re.match(_HEXFLOAT, t)
    if mh:
        from fractions import Fraction

        whole, frac, exp = (g.replace("_", "") if g else "" for g in mh.groups())
        if not whole and not frac:
            raise ValueError(f"{t!r}: a hexadecimal float needs mantissa digits")
        mant = int(whole + frac, 16) if whole + frac else 0
        e2 = max(-_EXP_CLAMP, min(_EXP_CLAMP, int(exp) - 4 * len(frac)))
        q = Fraction(mant) * Fraction(2) ** e2
        return GoLiteral("float", -q if t[0] == "-" else q, t)
    if re.match(_FLOAT, t) and any(ch.isdigit() for ch in t):
        from decimal import Decimal, InvalidOperation
        from fractions import Fraction

        try:
            dec = Decimal(t.replace("_", ""))
            if dec and abs(dec.adjusted()) > _EXP_CLAMP:  # far beyond any float: keep it small
                sign, digits, exp = dec.as_tuple()
                target = _EXP_CLAMP if dec.adjusted() > 0 else -_EXP_CLAMP
                dec = Decimal((sign, digits, int(exp) + target - dec.adjusted()))
            q = Fraction(dec)
        except (InvalidOperation, ValueError):
            raise ValueError(f"{t!r} is not a Go float literal") from None
        return GoLiteral("float", q, t)
    raise ValueError(f"{t!r} is not a Go literal (integer, quoted string, float, true/false)")


def parse_literal(text: str) -> Any:
    """A Go literal → Python value: int, float, str, bool. ValueError if not one
    (or if a float literal overflows ``float64``)."""
    lit = parse_go_literal(text)
    if lit.kind == "float":
        return to_float64(lit)
    return lit.value


def to_float64(lit: GoLiteral) -> float:
    """The ``float64`` nearest to a numeric literal; ValueError when it overflows."""
    v = lit.value
    if isinstance(v, float):
        return v
    try:
        return float(v)  # int / Fraction → float rounds correctly
    except OverflowError:
        raise ValueError(f"constant {lit.text} overflows float64") from None


_F32_MAX = 2 ** 128 - 2 ** 104
"""The largest float32 (an int: it compares exactly with a Fraction)."""


def to_float32(lit: GoLiteral) -> float:
    """The ``float32`` nearest to a numeric literal (rounded once, half to even);
    ValueError when it overflows."""
    v = lit.value
    if isinstance(v, float):
        return v
    from fractions import Fraction

    q = Fraction(v)
    if q == 0:
        return 0.0
    a = abs(q)
    e = a.numerator.bit_length() - a.denominator.bit_length()
    if Fraction(2) ** e > a:
        e -= 1
    e = max(e, -126)  # subnormals share the smallest exponent
    scale = Fraction(2) ** (23 - e)
    r = Fraction(round(a * scale)) / scale
    if r > _F32_MAX:
        raise ValueError(f"constant {lit.text} overflows float32")
    return float(-r if q < 0 else r)


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
        self.count = value_count(t)
        """Distinct values of the type (None: unbounded), see :func:`gomap.gokeys.value_count`."""

    def fast_key(self, arg: str) -> Any:
        """The key for the commonest literals (a plain decimal integer of an integer key
        type, in range; a double-quoted string without escapes), exactly as
        ``from_literal(parse_go_literal(arg))`` gives it; None for anything else
        (the caller takes the general path, which also raises the errors)."""
        if self.kind in ("int", "uint"):
            body = arg[1:] if arg[0] in "+-" else arg
            if (len(body) <= 20 and body.isascii() and body.isdigit()
                    and (body[0] != "0" or len(body) == 1)):
                v = int(arg)
                assert self.range is not None
                if self.range[0] <= v <= self.range[1]:
                    return v
            return None
        if self.kind == "string" and len(arg) >= 2 and arg[0] == '"' == arg[-1]:
            body = arg[1:-1]
            if "\\" not in body and '"' not in body:
                return body
        return None

    def from_literal(self, v: Any) -> Any:
        """A key written in an ops file (strict: no conversions Go would refuse).

        ``v`` is a :class:`GoLiteral` (or, for callers holding Python values, an
        int, float, str or bool, read as the literal it would be written as)."""
        lit = v if isinstance(v, GoLiteral) else _as_literal(v)
        k, t, val = self.kind, self.type.expr, lit.value
        if k in ("int", "uint"):
            if lit.kind == "float":
                if isinstance(val, float):
                    raise KeyLiteralError(f"key {lit.text} is not an integer (the key type is {t})")
                if val.denominator != 1:
                    raise KeyLiteralError(f"constant {lit.text} truncated to integer (the key "
                                          f"type is {t})")
                val = int(val)
            elif lit.kind not in ("int", "rune"):
                raise KeyLiteralError(f"key {lit.text} is not an integer (the key type is {t})")
            assert self.range is not None
            lo, hi = self.range
            if not lo <= val <= hi:
                raise KeyLiteralError(f"constant {lit.text} overflows {t}")
            return val
        if k in ("float", "complex"):
            if lit.kind not in ("int", "rune", "float"):
                raise KeyLiteralError(f"key {lit.text} is not a number (the key type is {t})")
            single = self.type.size == (8 if k == "complex" else 4)
            f = to_float32(lit) if single else to_float64(lit)
            return complex(f) if k == "complex" else f
        if k == "string":
            if lit.kind != "string":
                raise KeyLiteralError(
                    f"key {lit.text} is not a string (the key type is string): quote it"
                )
            return val
        if k == "bool":
            if lit.kind != "bool":
                raise KeyLiteralError(f"key {lit.text} is not true or false (the key type is bool)")
            return val
        if k == "interface":
            # An untyped constant converted to an interface takes its default type.
            if lit.kind == "int":
                lo, hi = INTEGER_RANGES["int"]
                if not lo <= val <= hi:
                    raise KeyLiteralError(f"constant {lit.text} overflows int")
                return IfaceKey(val, "int")
            if lit.kind == "rune":
                return IfaceKey(val, "int32")
            if lit.kind == "float":
                return IfaceKey(to_float64(lit), "float64")
            return IfaceKey(val, lit.kind)
        if lit.kind != "int":
            raise KeyLiteralError(
                f"key {lit.text}: for key type {t} write an integer n, meaning its n-th "
                f"distinct value"
            )
        if self.count is not None and not 0 <= val < self.count:
            only = "only one value (write 0)" if self.count == 1 else \
                f"{self.count} distinct values (write 0..{self.count - 1})"
            raise KeyLiteralError(f"key {lit.text}: type {t} has {only}")
        return val

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
            f = float(v) if not isinstance(v, str) else float(len(v))
            return _round32(f) if self.type.size == 4 else f
        if k == "complex":
            c = complex(v) if not isinstance(v, str) else complex(len(v))
            return complex(_round32(c.real), _round32(c.imag)) if self.type.size == 8 else c
        if k == "bool":
            return bool(v & 1) if isinstance(v, int) else bool(len(v) & 1)
        if k == "interface":
            return v
        return v if isinstance(v, int) else hash(v) & ((1 << 63) - 1)


def _round32(f: float) -> float:
    """``float32(f)`` (round to nearest even; ±Inf beyond float32's range)."""
    import struct

    try:
        return float(struct.unpack("<f", struct.pack("<f", f))[0])
    except OverflowError:
        return math.copysign(math.inf, f)


def _as_literal(v: Any) -> GoLiteral:
    if isinstance(v, bool):
        return GoLiteral("bool", v, "true" if v else "false")
    if isinstance(v, int):
        return GoLiteral("int", v, str(v))
    if isinstance(v, float):
        from fractions import Fraction

        exact: Any = v if not math.isfinite(v) else Fraction(v)
        return GoLiteral("float", exact, repr(v))
    if isinstance(v, str):
        return GoLiteral("string", v, go_quote(v))
    raise KeyLiteralError(f"key {v!r} is not a Go literal")


# --- the ops file -------------------------------------------------------------------------
def _strip_comment(line: str) -> str:
    """The line without a trailing ``# comment`` (a ``#`` inside quotes stays)."""
    hash_at = line.find("#")
    if hash_at < 0:
        return line
    head = line[:hash_at]
    if '"' not in head and "'" not in head and "`" not in head:
        return head  # no quote opens before the first #: it starts the comment
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


_OP_CODES = {op.file_name: op.code for op in OPS if op.arg == "key"}


def parse_ops_line(raw: str, lineno: int, first: bool, domain: KeyDomain, path: str = "<ops>"
                   ) -> Op | None:
    """One ops-file line: its operation, None for a blank or comment line;
    :class:`OpsFileError` for a bad one. ``first``: no operation came before it (only
    then may it be ``make``)."""
    text = _strip_comment(raw).strip()
    if not text:
        return None
    word, _, arg = text.partition(" ")
    arg = arg.strip()
    code = _OP_CODES.get(word)
    if code is not None:
        if not arg:
            raise OpsFileError(path, lineno, raw, f"{word} needs a key")
        fast = domain.fast_key(arg)
        if fast is not None:
            return (code, fast)
        try:
            return (code, domain.from_literal(parse_go_literal(arg)))
        except ValueError as e:
            raise OpsFileError(path, lineno, raw, str(e)) from None
    if word in _NO_ARG:
        if arg:
            raise OpsFileError(path, lineno, raw, f"{word} takes no argument")
        return (_NO_ARG[word], None)
    if word == "make":
        if not first:
            raise OpsFileError(path, lineno, raw, "make may only be the first operation")
        try:
            hint = make_hint(parse_go_literal(arg)) if arg else 0
        except ValueError as e:
            raise OpsFileError(path, lineno, raw, str(e)) from None
        return (MAKE, hint)
    raise OpsFileError(
        path, lineno, raw,
        f"unknown operation {word!r} (expected set, get, del, clear, iter, clone, "
        f"rebuild or make)",
    )


def parse_ops_lines(lines: Iterator[str] | list[str], domain: KeyDomain, path: str = "<ops>"
                    ) -> Iterator[Op]:
    """Parse ops-file lines lazily; raise :class:`OpsFileError` at the first bad one."""
    first = True
    for lineno, raw in enumerate(lines, 1):
        op = parse_ops_line(raw, lineno, first, domain, path)
        if op is not None:
            first = False
            yield op


MAX_INT = (1 << 63) - 1
"""Go's ``math.MaxInt`` on amd64: the largest ``make`` size hint that compiles."""


def make_hint(lit: GoLiteral) -> int:
    """The size hint of ``make N`` as Go's type checker reads a constant: an integer
    (``1e6`` is one) from 0 to ``math.MaxInt``."""
    v = lit.value
    if lit.kind == "float" and getattr(v, "denominator", None) == 1:  # a whole Fraction
        v = int(v)
    elif lit.kind not in ("int", "rune"):
        raise ValueError(f"make needs an integer size hint, not {lit.text}")
    if v < 0:
        raise ValueError(f"make: negative size hint {lit.text} (Go: must not be negative)")
    if v > MAX_INT:
        raise ValueError(f"make: size hint {lit.text} overflows int (at most {MAX_INT})")
    return int(v)


_GZIP_MAGIC = b"\x1f\x8b"
_ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"


class _Source(io.RawIOBase):
    """The bytes of an ops file (decompressed), whose read errors become
    :class:`OpsFileError` (``file: cannot read the file: ...``)."""

    def __init__(self, f: Any, name: str, owned: list[Any]) -> None:
        super().__init__()
        self._f = f
        self._name = name
        self._owned = owned

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        try:
            n = self._f.readinto(b)
        except OpsFileError:
            raise
        except Exception as e:  # OSError, gzip's EOFError / zlib.error, zstd's ZstdError
            reason = getattr(e, "strerror", None) or str(e) or type(e).__name__
            raise OpsFileError(self._name, 0, "", f"cannot read the file: {reason}") from None
        return 0 if n is None else int(n)

    def close(self) -> None:
        if not self.closed:
            for f in self._owned:
                f.close()
        super().close()


def open_ops_source(path: str | Path) -> tuple[io.BufferedReader, str]:
    """The bytes of the ops file ``path`` (``"-"``: standard input) as a binary
    stream, and the name errors give it. A gzip or zstd stream (recognised by its
    first bytes, whatever the file is called) is decompressed on the way;
    :class:`OpsFileError` when the file cannot be opened or needs a missing package."""
    if str(path) == "":
        raise OpsFileError("<ops>", 0, "", "no ops file named (the path is empty)")
    if str(path) == "-":
        name = "<stdin>"
        raw: Any = getattr(sys.stdin, "buffer", None)
        if raw is None:
            raise OpsFileError(name, 0, "", "standard input is not a byte stream")
        owned: list[Any] = []
    else:
        name = str(path)
        try:
            raw = open(path, "rb")  # noqa: SIM115  (closed with the stream)
        except OSError as e:
            raise OpsFileError(name, 0, "", f"cannot read the file: {e.strerror}") from None
        owned = [raw]
    buffered = raw if hasattr(raw, "peek") else io.BufferedReader(raw)
    try:
        head = buffered.peek(4)[:4]
    except OSError as e:
        raise OpsFileError(name, 0, "", f"cannot read the file: {e.strerror}") from None
    f: Any = buffered
    if head.startswith(_GZIP_MAGIC):
        import gzip

        f = gzip.GzipFile(fileobj=buffered, mode="rb")
        owned.insert(0, f)
    elif head.startswith(_ZSTD_MAGIC):
        try:
            import zstandard
        except ImportError:
            for o in owned:
                o.close()
            raise OpsFileError(name, 0, "", "the file is zstd-compressed: reading it needs "
                               "the zstandard package (pip install 'gomap[zstd]')") from None
        f = zstandard.ZstdDecompressor().stream_reader(buffered, read_across_frames=True,
                                                       closefd=False)
        owned.insert(0, f)
    return io.BufferedReader(_Source(f, name, owned), 1 << 16), name


def _split_line(raw: bytes) -> list[bytes]:
    """The lines of a ``\\n``-terminated chunk: a line ends at ``\\n``, ``\\r\\n``
    or a lone ``\\r`` (as Python's universal newlines read them)."""
    if raw.endswith(b"\n"):
        raw = raw[:-1]
    if raw.endswith(b"\r"):
        raw = raw[:-1]
    return raw.split(b"\r") if b"\r" in raw else [raw]


def _decode_line(b: bytes, lineno: int, name: str) -> str:
    try:
        return b.decode("utf-8")
    except UnicodeDecodeError as e:
        raise OpsFileError(name, lineno, "", f"not UTF-8 text: {e.reason}") from None


def ops_file_lines(path: str | Path) -> Iterator[str]:
    """The lines of an ops file, read once, as they are needed (a million-op file is
    never held in memory, a pipe works); ``"-"`` is standard input. A line ends at
    ``\\n``, ``\\r\\n`` or a lone ``\\r``; a UTF-8 byte-order mark is skipped; gzip and
    zstd files are decompressed (:func:`open_ops_source`); a line that is not UTF-8,
    or a file that cannot be read, raises :class:`OpsFileError`."""
    if str(path) == "-" and getattr(sys.stdin, "buffer", None) is None:
        yield from sys.stdin  # a text stream put in place of stdin
        return
    f, name = open_ops_source(path)
    try:
        lineno = 0
        for chunk in f:
            for b in _split_line(chunk):
                lineno += 1
                if lineno == 1 and b.startswith(b"\xef\xbb\xbf"):
                    b = b[3:]
                yield _decode_line(b, lineno, name)
    finally:
        if name != "<stdin>":
            f.close()


OPS_READERS = ("native", "python")


def open_ops_reader(path: str | Path, domain: KeyDomain, reader: str | None = None
                    ) -> Iterator[Op]:
    """The operations of the ops file ``path`` (``"-"``: standard input), read as the
    run consumes them. ``reader``: ``native`` (C, :mod:`gomap._native`'s ``OpsReader``:
    the lines it reads fast, the rest through :func:`parse_ops_line`), ``python``
    (:func:`parse_ops_lines` over :func:`ops_file_lines`), or None: ``GOMAP_OPS_READER``
    if set, else native when the C extension is built. Both give the same operations
    and raise the same :class:`OpsFileError`. The native reader has ``unread(op)``."""
    import os

    if reader is None:
        reader = os.environ.get("GOMAP_OPS_READER") or "native"
    if reader not in OPS_READERS:
        raise ValueError(f"unknown ops reader {reader!r}: native or python")
    native = None
    if reader == "native":
        try:
            from gomap import _native  # type: ignore[attr-defined]

            native = getattr(_native, "OpsReader", None)
        except ImportError:
            native = None
    if native is None or (str(path) == "-" and getattr(sys.stdin, "buffer", None) is None):
        name = "<stdin>" if str(path) == "-" else str(path)
        return parse_ops_lines(ops_file_lines(path), domain, name)
    f, name = open_ops_source(path)

    def slow(b: bytes, lineno: int, first: bool) -> Op | None:
        return parse_ops_line(_decode_line(b, lineno, name), lineno, first, domain, name)

    if domain.kind in ("int", "uint"):
        assert domain.range is not None
        return native(f, slow, 1, domain.range[0], domain.range[1])
    return native(f, slow, 2 if domain.kind == "string" else 0)


def read_ops_header(path: str | Path) -> dict[str, str]:
    """The ``#@ name: value`` header lines of an ops file, up to its first operation
    (``gomap record`` writes ``key``, ``value``, ``go-key``, ``go-value``, ``hint``,
    ``go``, ``maps``, ``events-lost``, ``initial-len``; docs/RECORD.md). An ops file
    without a header gives ``{}``; so do ``-`` and anything but a regular file (a pipe
    is read once, by the run)."""
    out: dict[str, str] = {}
    if str(path) == "-" or not Path(path).is_file():  # a pipe is the run's to read
        return out
    for raw in ops_file_lines(path):
        line = raw.strip()
        if line.startswith("#@"):
            name, _, value = line[2:].partition(":")
            out[name.strip()] = value.strip()
        elif line and not line.startswith("#"):
            break
    return out


def read_ops_file(path: str | Path, domain: KeyDomain, reader: str | None = None) -> list[Op]:
    """Read and check a whole ops file (raises :class:`OpsFileError`)."""
    return list(open_ops_reader(path, domain, reader))
