"""Go key domains: which Python values stand for the values of a Go key type, and
when two of them are the same Go key.

A typed map (``GoMap(key_type=...)``, ``gomap simulate --key``) holds exactly the
keys Go would:

* integers are Python ``int`` within the type's range (``bool`` is not an integer);
* ``float32`` / ``complex64`` keys are rounded to single precision, so two Python
  floats that round to one ``float32`` are one key;
* interface keys (``any``, ``error``, ``interface{...}``) compare as Go compares
  interfaces: dynamic type first, then value, so ``1``, ``1.0``, ``True`` and
  ``"1"`` are four keys (:class:`IfaceKey`);
* structs and arrays are tuples (one item per field, blank fields included; ``N``
  items for ``[N]T``); blank (``_``) fields take no part in equality (they are
  stored as ``None``), so ``struct{_ int}`` has exactly one value, like
  ``struct{}`` and ``[0]int``.

:func:`value_count` says how many distinct values a type has (``None``: more than a
workload could ever draw), which is how the workload generators refuse to promise
``n`` distinct keys of a type that has fewer.
"""

from __future__ import annotations

import math
import operator
import struct
from collections.abc import Callable, Mapping
from typing import Any

from gomap.layout.types import INTEGER_RANGES, GoType

_UNBOUNDED = 1 << 64
"""Types with at least this many values count as unbounded (:func:`value_count`)."""


def value_count(t: GoType) -> int | None:
    """The number of distinct values of ``t`` under Go's ``==``, or ``None`` when it
    is at least 2^64 (floats, strings, interfaces, pointers, channels).

    >>> from gomap.layout.types import parse_go_type
    >>> value_count(parse_go_type("int8")), value_count(parse_go_type("struct{_ int}"))
    (256, 1)
    """
    k = t.kind
    if k == "bool":
        return 2
    if k in ("int", "uint"):
        n = 1 << (8 * t.size)
        return n if n < _UNBOUNDED else None
    if k == "array":
        assert t.elem is not None and t.length is not None
        if t.length == 0:
            return 1
        e = value_count(t.elem)
        if e is None:
            return None
        if e == 1:
            return 1
        if t.length * (e.bit_length() - 1) >= 64:
            return None
        n = e ** t.length
        return n if n < _UNBOUNDED else None
    if k == "struct":
        total = 1
        for f in t.fields:
            if f.name == "_":
                continue
            c = value_count(f.type)
            if c is None:
                return None
            total *= c
            if total >= _UNBOUNDED:
                return None
        return total
    return None


def go_type_name(v: Any) -> Any:
    """The dynamic type an interface holding the Python value ``v`` has: Go's default
    type for the Python scalars (``int``, ``float64``, ``bool``, ``string``,
    ``complex128``), else the Python type itself."""
    t = type(v)
    return _DEFAULT_TYPES.get(t, t)


_DEFAULT_TYPES: dict[type, str] = {int: "int", float: "float64", bool: "bool", str: "string",
                                   complex: "complex128", type(None): "nil"}


class IfaceKey:
    """A key of an interface-typed map: its dynamic type and its value.

    Two interface keys are equal when their dynamic types are identical and their
    values are equal (Go's ``efaceeq``), so ``IfaceKey(1) != IfaceKey(1.0)``; a NaN
    value is never equal to anything, itself included.
    """

    __slots__ = ("_hash", "type", "value")

    def __init__(self, value: Any, type: Any = None) -> None:
        self.value = value
        self.type = go_type_name(value) if type is None else type
        self._hash: int | None = None

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, IfaceKey):
            return NotImplemented
        return self.type == other.type and bool(self.value == other.value)

    def __hash__(self) -> int:
        h = self._hash
        if h is None:
            from gomap.hashing import _stable_hash

            tname = self.type if isinstance(self.type, str) else self.type.__qualname__
            h = self._hash = hash((_stable_hash(tname), _stable_hash(self.value)))
        return h

    def __repr__(self) -> str:
        t = self.type if isinstance(self.type, str) else self.type.__qualname__
        return f"{t}({self.value!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (IfaceKey, (self.value, self.type))


def _float32(v: float, tname: str, what: str = "key") -> float:
    try:
        return float(struct.unpack("<f", struct.pack("<f", v))[0])
    except OverflowError:
        raise ValueError(f"{what} {v!r} overflows {tname}") from None


def key_checker(t: GoType, what: str = "key") -> Callable[[Any], Any]:
    """``check(v) -> key``: the stored form of the Python value ``v`` as a key of Go
    type ``t``; raises ``TypeError`` (not a value of that type) or ``ValueError``
    (out of the type's range, wrong array length), naming the Go type.

    >>> from gomap.layout.types import parse_go_type
    >>> check = key_checker(parse_go_type("int8"))
    >>> check(5)
    5
    >>> check(300)
    Traceback (most recent call last):
    ...
    ValueError: key 300 overflows int8 (range -128..127)
    """
    k, name = t.kind, t.expr
    if k in ("int", "uint"):
        lo, hi = INTEGER_RANGES[name]

        def check_int(v: Any) -> Any:
            if type(v) is not int:
                if isinstance(v, bool) or not hasattr(v, "__index__"):
                    raise TypeError(f"{what} {v!r} ({type(v).__name__}) is not a value of Go "
                                    f"type {name}")
                v = operator.index(v)
            if not lo <= v <= hi:
                raise ValueError(f"{what} {v} overflows {name} (range {lo}..{hi})")
            return v

        return check_int
    if k == "float":
        single = t.size == 4

        def check_float(v: Any) -> Any:
            if type(v) is not float:
                if isinstance(v, (bool, complex, str, bytes)) or not hasattr(v, "__float__"):
                    raise TypeError(f"{what} {v!r} ({type(v).__name__}) is not a value of Go "
                                    f"type {name}")
                try:
                    v = float(v)
                except OverflowError:
                    raise ValueError(f"{what} {v!r} overflows {name}") from None
            return _float32(v, name, what) if single else v

        return check_float
    if k == "complex":
        single = t.size == 8

        def check_complex(v: Any) -> Any:
            numeric = hasattr(v, "__complex__") or hasattr(v, "__float__")
            if isinstance(v, (bool, str, bytes)) or not numeric:
                raise TypeError(f"{what} {v!r} ({type(v).__name__}) is not a value of Go "
                                f"type {name}")
            try:
                c = complex(v)
            except OverflowError:
                raise ValueError(f"{what} {v!r} overflows {name}") from None
            if single:
                c = complex(_float32(c.real, name, what), _float32(c.imag, name, what))
            return c

        return check_complex
    if k in ("string", "bool"):
        return _exactly(str if k == "string" else bool, k, what)
    if k == "interface":
        def check_iface(v: Any) -> Any:
            if isinstance(v, IfaceKey):
                return v
            try:
                hash(v)
            except TypeError:
                raise TypeError(f"hash of unhashable type {type(v).__name__}") from None
            return IfaceKey(v)

        return check_iface
    if k == "array":
        assert t.elem is not None and t.length is not None
        n = t.length
        elem = key_checker(t.elem, what)

        def check_array(v: Any) -> Any:
            if not isinstance(v, tuple):
                raise TypeError(f"{what} {v!r} ({type(v).__name__}) is not a value of Go type "
                                f"{name}: write it as a tuple of {n} items")
            if len(v) != n:
                raise ValueError(f"{what} {v!r} has {len(v)} items, Go type {name} has {n}")
            return tuple(elem(x) for x in v)

        return check_array
    if k == "struct":
        fields = [(f.name, key_checker(f.type, what)) for f in t.fields]
        nf = len(fields)

        def check_struct(v: Any) -> Any:
            if not isinstance(v, tuple):
                raise TypeError(f"{what} {v!r} ({type(v).__name__}) is not a value of Go type "
                                f"{name}: write it as a tuple of its {nf} fields")
            if len(v) != nf:
                raise ValueError(f"{what} {v!r} has {len(v)} items, Go type {name} has {nf} "
                                 f"fields")
            out: list[Any] = []
            for (fname, c), x in zip(fields, v, strict=True):
                if fname == "_":
                    # A blank field takes no part in ==: checked, then stored as None.
                    if x is not None:
                        c(x)
                    out.append(None)
                else:
                    out.append(c(x))
            return tuple(out)

        return check_struct

    # pointers, channels, unsafe.Pointer: any hashable Python object stands for one
    def check_any(v: Any) -> Any:
        try:
            hash(v)
        except TypeError:
            raise TypeError(f"hash of unhashable type {type(v).__name__}") from None
        return v

    return check_any


def value_checker(t: GoType) -> Callable[[Any], Any]:
    """``check(v) -> value``: the stored form of ``v`` as a value of Go type ``t``, as
    :func:`key_checker` checks keys (``TypeError``/``ValueError`` naming the Go type),
    and for the types a key cannot have: a slice is a ``list``, ``tuple``,
    ``bytes`` or ``bytearray`` (``None``: nil), a map any ``Mapping`` (``None``:
    nil), an interface any value (stored as given), a pointer, channel or func any
    object (``None``: nil).

    >>> from gomap.layout.types import parse_go_type
    >>> check = value_checker(parse_go_type("int64"))
    >>> check("notanint")
    Traceback (most recent call last):
    ...
    TypeError: value 'notanint' (str) is not a value of Go type int64
    """
    k, name = t.kind, t.expr
    if k in ("int", "uint", "float", "complex", "string", "bool"):
        return key_checker(t, "value")
    if k == "interface":
        return lambda v: v
    if k == "slice":
        assert t.elem is not None
        elem = value_checker(t.elem)
        byte_slice = t.elem.kind == "uint" and t.elem.size == 1

        def check_slice(v: Any) -> Any:
            if v is None:
                return None
            if byte_slice and isinstance(v, (bytes, bytearray)):
                return v
            if not isinstance(v, (list, tuple)):
                raise TypeError(f"value {v!r} ({type(v).__name__}) is not a value of Go type "
                                f"{name}: write it as a list" + (" or bytes" if byte_slice
                                                                 else "") + " (None: nil)")
            return type(v)(elem(x) for x in v)

        return check_slice
    if k == "map":
        def check_map(v: Any) -> Any:
            if v is not None and not isinstance(v, Mapping):
                raise TypeError(f"value {v!r} ({type(v).__name__}) is not a value of Go type "
                                f"{name}: give a mapping (None: nil)")
            return v

        return check_map
    if k == "array":
        assert t.elem is not None and t.length is not None
        n = t.length
        elem = value_checker(t.elem)

        def check_array(v: Any) -> Any:
            if not isinstance(v, (tuple, list)):
                raise TypeError(f"value {v!r} ({type(v).__name__}) is not a value of Go type "
                                f"{name}: write it as a tuple of {n} items")
            if len(v) != n:
                raise ValueError(f"value {v!r} has {len(v)} items, Go type {name} has {n}")
            return tuple(elem(x) for x in v)

        return check_array
    if k == "struct":
        fields = [value_checker(f.type) for f in t.fields]
        nf = len(fields)

        def check_struct(v: Any) -> Any:
            if not isinstance(v, (tuple, list)):
                raise TypeError(f"value {v!r} ({type(v).__name__}) is not a value of Go type "
                                f"{name}: write it as a tuple of its {nf} fields")
            if len(v) != nf:
                raise ValueError(f"value {v!r} has {len(v)} items, Go type {name} has {nf} "
                                 f"fields")
            return tuple(c(x) for c, x in zip(fields, v, strict=True))

        return check_struct
    return lambda v: v  # pointers, channels, funcs, unsafe.Pointer: any object


def unwrap_key(k: Any) -> Any:
    """The Python value of a stored key (an :class:`IfaceKey` gives its value)."""
    return k.value if type(k) is IfaceKey else k


def is_nan(v: Any) -> bool:
    """Whether ``v`` is a float NaN (a key that never equals itself)."""
    return isinstance(v, float) and math.isnan(v)


def _exactly(cls: type, go_name: str, what: str = "key") -> Callable[[Any], Any]:
    """A key check that takes values of exactly ``cls`` (no subclass, no conversion)."""

    def check(v: Any) -> Any:
        if type(v) is not cls:
            raise TypeError(f"{what} {v!r} ({type(v).__name__}) is not a value of Go "
                            f"type {go_name}")
        return v

    return check
