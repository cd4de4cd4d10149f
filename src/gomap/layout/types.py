"""Go type expressions → size, alignment and pointer-ness, as the Go compiler lays
them out on linux/amd64 (``cmd/compile/internal/types/size.go``).

``parse_go_type("struct{a int32; b string}")`` returns a :class:`GoType` with the
``size`` (``unsafe.Sizeof``), ``align`` (``unsafe.Alignof``), whether the type holds
pointers (``HasPointers``: decides ``noscan`` allocations and the malloc header),
``ptr_bytes`` (``abi.Type.PtrBytes``: the prefix that may hold pointers), and the
equality/hash algorithm kind the compiler picks (``alg``), which decides whether
a map with this key type is comparable at all and which ``mapassign`` variant the
compiler calls (:func:`mapfast`).

Accepted: every predeclared numeric type and ``byte``/``rune``/``uintptr``, ``bool``,
``string``, ``any``/``error``/``interface{...}``, ``unsafe.Pointer``, pointers ``*T``,
slices ``[]T``, arrays ``[N]T``, ``map[K]V``, ``chan T``, ``func(...)...``, and
struct types ``struct{a int32; b, c string; _ [4]byte}`` (embedded fields must be
spelled with a name). Named types other than the predeclared ones are not known.

Layout rules (all Go's):

* a struct field starts at the next multiple of its alignment; the struct's
  alignment is its largest field alignment; its size is rounded up to that;
* a non-empty struct ending in a zero-size field gets one byte of padding before
  rounding (golang/go#9401), so ``struct{a int64; b struct{}}`` is 16 bytes;
* ``[N]T`` is ``N * sizeof(T)`` with ``T``'s alignment;
* ``complex64`` is aligned to 4, every word-sized or larger scalar to 8.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import NoReturn

PTR_SIZE = 8
MAX_WIDTH = 1 << 50
"""``types.MaxWidth`` on amd64 (``arch.MAXWIDTH``): no type may be this large."""
MAX_MAP_SLOT_WIDTH = 1 << 31
"""A map's key and element types must be smaller (``map key type too large``)."""
MAX_CHAN_ELEM_WIDTH = 1 << 16
"""A channel's element type must be smaller (``channel element type too large``)."""
MAX_ARRAY_LENGTH = (1 << 63) - 1
"""An array length must be representable as an ``int``."""

# alg kinds (cmd/compile/internal/types/alg.go), by name
MEM, SPECIAL, NOEQ = "mem", "special", "noeq"
_ALG_PRIORITY = {MEM: -1, SPECIAL: 1, NOEQ: 2}


class GoTypeError(ValueError):
    """A Go type expression gomap cannot read; the message shows where."""


@dataclass(frozen=True)
class GoField:
    """One struct field: its name (``_`` for blank), type and byte offset."""

    name: str
    type: GoType
    offset: int


@dataclass(frozen=True)
class GoType:
    """A Go type's memory layout on amd64."""

    expr: str
    """The type, spelled the way Go prints it (``struct { a int32; b string }``)."""
    kind: str
    """``bool``, ``int``, ``uint``, ``float``, ``complex``, ``string``, ``pointer``,
    ``unsafe.Pointer``, ``slice``, ``array``, ``struct``, ``interface``, ``map``,
    ``chan`` or ``func``."""
    size: int
    """``unsafe.Sizeof``."""
    align: int
    """``unsafe.Alignof``."""
    ptr_bytes: int
    """``abi.Type.PtrBytes``: bytes from the start that may hold pointers (0: none)."""
    alg: str
    """Equality/hash algorithm kind: ``mem``, ``string``, ``inter``, ``nilinter``,
    ``float32``, ``float64``, ``cplx64``, ``cplx128``, ``special`` or ``noeq``."""
    elem: GoType | None = None
    length: int | None = None
    fields: tuple[GoField, ...] = field(default=())

    @property
    def pointers(self) -> bool:
        """``HasPointers``: a GC-scanned (not ``noscan``) object."""
        return self.ptr_bytes > 0

    @property
    def comparable(self) -> bool:
        """Whether ``==`` is defined, i.e. the type may be a map key."""
        return self.alg != NOEQ

    def __str__(self) -> str:
        return self.expr


def _round_up(n: int, a: int) -> int:
    return (n + a - 1) // a * a


def _scalar(expr: str, kind: str, size: int, align: int, alg: str, ptr_bytes: int = 0) -> GoType:
    return GoType(expr, kind, size, align, ptr_bytes, alg)


_BASIC: dict[str, GoType] = {}
for _name, _kind, _size, _align, _alg in [
    ("bool", "bool", 1, 1, MEM),
    ("int8", "int", 1, 1, MEM),
    ("uint8", "uint", 1, 1, MEM),
    ("int16", "int", 2, 2, MEM),
    ("uint16", "uint", 2, 2, MEM),
    ("int32", "int", 4, 4, MEM),
    ("uint32", "uint", 4, 4, MEM),
    ("int64", "int", 8, 8, MEM),
    ("uint64", "uint", 8, 8, MEM),
    ("int", "int", 8, 8, MEM),
    ("uint", "uint", 8, 8, MEM),
    ("uintptr", "uint", 8, 8, MEM),
    ("float32", "float", 4, 4, "float32"),
    ("float64", "float", 8, 8, "float64"),
    ("complex64", "complex", 8, 4, "cplx64"),
    ("complex128", "complex", 16, 8, "cplx128"),
]:
    _BASIC[_name] = _scalar(_name, _kind, _size, _align, _alg)
_BASIC["byte"] = _scalar("uint8", "uint", 1, 1, MEM)
_BASIC["rune"] = _scalar("int32", "int", 4, 4, MEM)
_BASIC["string"] = _scalar("string", "string", 16, 8, "string", PTR_SIZE)
_BASIC["any"] = _scalar("interface {}", "interface", 16, 8, "nilinter", 16)
_BASIC["error"] = _scalar("error", "interface", 16, 8, "inter", 16)
_BASIC["unsafe.Pointer"] = _scalar("unsafe.Pointer", "unsafe.Pointer", 8, 8, MEM, PTR_SIZE)

INTEGER_RANGES: dict[str, tuple[int, int]] = {
    "int8": (-(1 << 7), (1 << 7) - 1),
    "int16": (-(1 << 15), (1 << 15) - 1),
    "int32": (-(1 << 31), (1 << 31) - 1),
    "int64": (-(1 << 63), (1 << 63) - 1),
    "int": (-(1 << 63), (1 << 63) - 1),
    "uint8": (0, (1 << 8) - 1),
    "uint16": (0, (1 << 16) - 1),
    "uint32": (0, (1 << 32) - 1),
    "uint64": (0, (1 << 64) - 1),
    "uint": (0, (1 << 64) - 1),
    "uintptr": (0, (1 << 64) - 1),
}
"""The value range of each integer type (``byte`` is ``uint8``, ``rune`` ``int32``)."""


def pointer_to(elem: GoType) -> GoType:
    return GoType(f"*{elem.expr}", "pointer", PTR_SIZE, PTR_SIZE, PTR_SIZE, MEM, elem=elem)


def slice_of(elem: GoType) -> GoType:
    return GoType(f"[]{elem.expr}", "slice", 3 * PTR_SIZE, PTR_SIZE, PTR_SIZE, NOEQ, elem=elem)


def array_of(n: int, elem: GoType) -> GoType:
    """``[n]elem`` (``CalcArraySize``)."""
    if n < 0 or n > MAX_ARRAY_LENGTH:
        raise GoTypeError(f"invalid array length {n}")
    if elem.size and n > (MAX_WIDTH - 1) // elem.size:
        # CalcArraySize (cmd/compile/internal/types/size.go)
        raise GoTypeError(f"type [{n}]{elem.expr} larger than address space")
    if elem.alg in (MEM, NOEQ):
        alg = elem.alg
    elif n == 0:
        alg = MEM
    elif n == 1:
        alg = elem.alg
    else:
        alg = SPECIAL
    ptr = elem.size * (n - 1) + elem.ptr_bytes if n > 0 and elem.ptr_bytes else 0
    return GoType(f"[{n}]{elem.expr}", "array", elem.size * n, elem.align, ptr, alg,
                  elem=elem, length=n)


def struct_of(members: list[tuple[str, GoType]]) -> GoType:
    """``struct { ... }`` (``CalcStructSize``)."""
    offset = 0
    max_align = 1
    laid: list[GoField] = []
    seen: set[str] = set()
    for name, t in members:
        if name != "_":
            if name in seen:  # types2: declareInSet
                raise GoTypeError(f"{name} redeclared (duplicate field name in a struct)")
            seen.add(name)
        offset = _round_up(offset, t.align)
        laid.append(GoField(name, t, offset))
        offset += t.size
        max_align = max(max_align, t.align)
    size = offset
    # A non-zero-sized struct ending in a zero-sized field gets a byte of padding so
    # that taking the field's address cannot point past the object (issue 9401).
    if size > 0 and laid and laid[-1].type.size == 0:
        size += 1
    size = _round_up(size, max_align)
    if size >= MAX_WIDTH:  # CalcStructSize
        body = "; ".join(f"{f.name} {f.type.expr}" for f in laid)
        raise GoTypeError(f"type struct {{ {body} }} too large")
    # alg: one named field is the field alone; otherwise memory only if every field
    # is memory, not blank and not followed by padding.
    alg = MEM
    if len(laid) == 1 and laid[0].name != "_":
        alg = laid[0].type.alg
    else:
        for i, f in enumerate(laid):
            a = f.type.alg
            if a == MEM:
                end = laid[i + 1].offset if i + 1 < len(laid) else size
                if f.name == "_" or f.offset + f.type.size != end:
                    a = SPECIAL
            elif a != NOEQ:
                a = SPECIAL
            if _ALG_PRIORITY.get(a, 0) > _ALG_PRIORITY.get(alg, 0):
                alg = a
    ptr = 0
    for f in reversed(laid):
        if f.type.ptr_bytes:
            ptr = f.offset + f.type.ptr_bytes
            break
    body = "; ".join(f"{f.name} {f.type.expr}" for f in laid)
    expr = f"struct {{ {body} }}" if body else "struct {}"
    return GoType(expr, "struct", size, max_align, ptr, alg, fields=tuple(laid))


def check_map_types(key: GoType, elem: GoType) -> None:
    """Go's limits on a map type (``CalcSize``, case ``TMAP``)."""
    if elem.size >= MAX_MAP_SLOT_WIDTH:
        raise GoTypeError("map element type too large")
    if key.size >= MAX_MAP_SLOT_WIDTH:
        raise GoTypeError("map key type too large")


def map_of(key: GoType, elem: GoType) -> GoType:
    check_map_types(key, elem)
    return GoType(f"map[{key.expr}]{elem.expr}", "map", PTR_SIZE, PTR_SIZE, PTR_SIZE, NOEQ,
                  elem=elem)


def _int_literal(text: str) -> int | None:
    digits = text.replace("_", "")
    try:
        if digits[:2] in ("0x", "0X"):
            return int(digits[2:], 16)
        if digits[:2] in ("0o", "0O"):
            return int(digits[2:], 8)
        if len(digits) > 1 and digits[0] == "0":
            return int(digits[1:], 8)
        return int(digits, 10)
    except ValueError:
        return None


# --- the parser -------------------------------------------------------------------------
_TOKEN = re.compile(
    r"\s*(?:(?P<arrow><-)|(?P<num>0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|[0-9][0-9_]*)"
    r"|(?P<ident>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)?)"
    r"|(?P<punct>[][*(){};,.]|\n))"
)


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.toks: list[tuple[str, str, int]] = []  # (kind, value, column)
        pos = 0
        while pos < len(text):
            if text[pos] in " \t\r":
                pos += 1
                continue
            m = _TOKEN.match(text, pos)
            if m is None or m.end() == pos:
                self.fail(f"unexpected character {text[pos]!r}", pos)
            assert m is not None
            kind = m.lastgroup
            assert kind is not None
            value = m.group(kind)
            start = m.start(kind)
            if kind == "punct" and value == "\n":
                kind, value = "punct", ";"
            self.toks.append((kind, value, start))
            pos = m.end()
        self.i = 0

    def fail(self, msg: str, col: int | None = None) -> NoReturn:
        if col is None:
            col = self.toks[self.i][2] if self.i < len(self.toks) else len(self.text)
        raise GoTypeError(
            f"invalid Go type {self.text.strip()!r}: {msg} at column {col + 1}"
        )

    def peek(self) -> str | None:
        return self.toks[self.i][1] if self.i < len(self.toks) else None

    def take(self) -> tuple[str, str, int]:
        if self.i >= len(self.toks):
            self.fail("unexpected end")
        t = self.toks[self.i]
        self.i += 1
        return t

    def expect(self, value: str) -> None:
        got = self.peek()
        if got != value:
            self.fail(f"expected {value!r}, found {got!r}" if got else f"expected {value!r}")
        self.i += 1

    def parse(self) -> GoType:
        if not self.toks:
            raise GoTypeError("empty Go type")
        t = self.type_()
        if self.i != len(self.toks):
            self.fail(f"unexpected {self.peek()!r} after the type")
        return t

    def type_(self) -> GoType:
        kind, value, col = self.take()
        if value == "(":
            t = self.type_()
            self.expect(")")
            return t
        if value == "*":
            return pointer_to(self.type_())
        if value == "[":
            if self.peek() == "]":
                self.i += 1
                return slice_of(self.type_())
            k, num, c = self.take()
            if k != "num":
                self.fail("array length must be an integer literal", c)
            n = _int_literal(num)
            if n is None:
                self.fail(f"bad array length {num!r}", c)
            self.expect("]")
            return array_of(n, self.type_())
        if value == "<-":
            self.expect("chan")
            return self._chan("<-chan ")
        if kind != "ident":
            self.fail(f"expected a type, found {value!r}", col)
        if value == "map":
            self.expect("[")
            key = self.type_()
            self.expect("]")
            elem = self.type_()
            if not key.comparable:
                raise GoTypeError(f"invalid map key type {key.expr}")
            return map_of(key, elem)
        if value == "chan":
            if self.peek() == "<-":
                self.i += 1
                return self._chan("chan<- ")
            return self._chan("chan ")
        if value == "func":
            return self._func()
        if value == "struct":
            return self._struct()
        if value == "interface":
            return self._interface()
        if value in _BASIC:
            return _BASIC[value]
        from gomap.layout import named  # named types: laid out by the Go type checker

        resolved = named.resolve(value)
        if resolved is not None:
            return resolved
        self.fail(named.unknown_message(value), col)

    def _chan(self, prefix: str) -> GoType:
        elem = self.type_()
        if elem.size >= MAX_CHAN_ELEM_WIDTH:
            raise GoTypeError("channel element type too large (>64kB)")
        return GoType(f"{prefix}{elem.expr}", "chan", PTR_SIZE, PTR_SIZE, PTR_SIZE, MEM, elem=elem)

    def _skip_balanced(self, open_: str, close: str) -> str:
        self.expect(open_)
        depth = 1
        start = self.toks[self.i - 1][2] + 1
        end = start
        while depth:
            _, v, end = self.take()
            if v == open_:
                depth += 1
            elif v == close:
                depth -= 1
        return " ".join(self.text[start:end].split())

    def _func(self) -> GoType:
        params = self._skip_balanced("(", ")")
        result = ""
        nxt = self.peek()
        if nxt == "(":
            result = " (" + self._skip_balanced("(", ")") + ")"
        elif nxt is not None and nxt not in ("]", ")", ";", "}", ","):
            result = " " + self.type_().expr
        return GoType(f"func({params}){result}", "func", PTR_SIZE, PTR_SIZE, PTR_SIZE, NOEQ)

    def _interface(self) -> GoType:
        body = self._skip_balanced("{", "}").replace(";", "").strip()
        if not body:
            return _BASIC["any"]
        return GoType(f"interface {{ {body} }}", "interface", 16, 8, 16, "inter")

    def _struct(self) -> GoType:
        self.expect("{")
        members: list[tuple[str, GoType]] = []
        while True:
            while self.peek() == ";":
                self.i += 1
            if self.peek() == "}":
                self.i += 1
                break
            names: list[str] = []
            while True:
                k, name, c = self.take()
                if k != "ident" or "." in name:
                    self.fail(f"expected a field name, found {name!r}", c)
                names.append(name)
                if self.peek() == ",":
                    self.i += 1
                    continue
                break
            if self.peek() in (";", "}") and len(names) == 1:
                self.fail(f"embedded field {names[0]!r}: give the field a name")
            t = self.type_()
            members.extend((n, t) for n in names)
            if self.peek() not in (";", "}"):
                self.fail(f"expected ';' or '}}' after field {names[-1]!r}")
        return struct_of(members)


def parse_go_type(expr: str) -> GoType:
    """Parse a Go type expression; raise :class:`GoTypeError` naming the problem."""
    if not isinstance(expr, str):
        raise GoTypeError(f"a Go type is a string, not {type(expr).__name__}")
    return _Parser(expr).parse()


def parse_key_type(expr: str) -> GoType:
    """A Go type that may be a map key (comparable); else :class:`GoTypeError`."""
    t = parse_go_type(expr)
    if not t.comparable:
        raise GoTypeError(f"invalid map key type {t.expr}: it is not comparable")
    return t


KEY_KINDS = ("generic", "fast32", "fast64", "faststr", "fast32ptr", "fast64ptr")
"""Go's map access paths, one of which a key type selects (:func:`mapfast` picks it on
amd64; ``fast32ptr`` is the 32-bit platforms' pointer key): the Swiss engine's
``key_kind`` (:data:`gomap.swiss.map.KEY_KINDS`, the registry's ``key_kinds``)."""


def mapfast(key: GoType, elem: GoType) -> str:
    """Which ``mapassign`` the compiler calls for ``map[key]elem``
    (``cmd/compile/internal/walk/walk.go: mapfast``): ``fast32``, ``fast64``,
    ``fast64ptr`` (an 8-byte key holding a pointer), ``faststr`` or ``generic``
    (``mapslow``)."""
    if elem.size > 128:
        return "generic"
    if key.alg == MEM:
        if key.size == 4 and not key.pointers:
            return "fast32"
        if key.size == 8:
            return "fast64ptr" if key.pointers else "fast64"
    if key.alg == "string":
        return "faststr"
    return "generic"


def pointer_offsets(t: GoType) -> tuple[int, ...]:
    """The byte offsets of the pointer words of ``t`` (the GC's pointer bitmap, in
    order): a string, slice, pointer, map, channel or func has one at 0, an interface
    one at 8 (its data word; the type/itab word is left out of the bitmap); arrays
    and structs repeat and place their members'."""
    out = _PTR_OFFSETS.get(t)
    if out is None:
        out = _PTR_OFFSETS[t] = tuple(_pointer_offsets(t))
    return out


_PTR_OFFSETS: dict[GoType, tuple[int, ...]] = {}


def _pointer_offsets(t: GoType) -> list[int]:
    if not t.ptr_bytes:
        return []
    if t.kind == "interface":
        # The type/itab word is not in the GC's bitmap (cmd/compile's typebits.Set:
        # it points to a type or an itab, never to the heap): the data word only.
        return [PTR_SIZE]
    if t.kind in ("array",):
        assert t.elem is not None and t.length is not None
        inner = pointer_offsets(t.elem)
        return [i * t.elem.size + o for i in range(t.length) for o in inner]
    if t.kind == "struct":
        return [f.offset + o for f in t.fields for o in pointer_offsets(f.type)]
    return [0]
