"""Key and elem types the oracle speaks, and their JSON encodings.

The harnesses and the driver exchange keys as JSON. Each Go key type has a Python
counterpart used as the model's key, and an encoding that survives JSON:

=========  =========================  ================  =================================
name       Go type                    Python key        JSON
=========  =========================  ================  =================================
int64      int64                      int               integer
string     string                     str               string
float64    float64                    float             16 hex digits of the IEEE bits
struct     struct{a int32; b string}  (a, b)            [a, "b"]
array      [3]int16                   (x, y, z)         [x, y, z]
bigkey     [17]int64 (indirect key)   int n             n (every element is n)
complex64  complex64                  complex           [real, imag], each 8 hex digits
                                                                (IEEE-754 float32 bits)
complex128 complex128                 complex           [real, imag], each as float64
pointer    *T (object n of the run)   int n             n
chan       chan int64 (channel n)     int n             n
any        any (int64, string,        IfaceKey          ["i", n], ["s", "..."],
           float64, struct, pointer                     ["f", "<float64 bits>"],
           dynamic values)                              ["st", [a, "b"]] or ["p", n]
=========  =========================  ================  =================================

Elems: ``int64`` (int) or ``bigelem`` (``[20]int64``, indirect; int n = every element n).
"""

from __future__ import annotations

import struct
from typing import Any

from gomap.gokeys import IfaceKey

_ANY_TAGS = {"int64": "i", "string": "s", "float64": "f", "struct": "st", "pointer": "p"}
_ANY_TYPES = {tag: t for t, tag in _ANY_TAGS.items()}

KEY_TYPES = ("int64", "string", "float64", "struct", "array", "bigkey", "complex128", "pointer")
"""The key types every oracle shape runs on (``gomap verify``'s default)."""
EXTRA_KEY_TYPES = ("complex64", "chan", "any")
"""More key types the state harnesses take (run by tests/oracle/test_keykinds.py)."""
ALL_KEY_TYPES = KEY_TYPES + EXTRA_KEY_TYPES
ELEM_TYPES = ("int64", "bigelem")

# Go type expressions, for reports and for the memory layout.
GO_KEY_TYPE = {
    "int64": "int64",
    "string": "string",
    "float64": "float64",
    "struct": "struct{a int32; b string}",
    "array": "[3]int16",
    "bigkey": "[17]int64",
    "complex64": "complex64",
    "complex128": "complex128",
    "pointer": "*int64",
    "chan": "chan int64",
    "any": "any",
}
GO_ELEM_TYPE = {"int64": "int64", "bigelem": "[20]int64"}


def float_bits(x: float) -> int:
    return int.from_bytes(struct.pack("<d", x), "little")


def float32_bits(x: float) -> int:
    return int.from_bytes(struct.pack("<f", x), "little")


def bits_float32(b: int) -> float:
    return float(struct.unpack("<f", b.to_bytes(4, "little"))[0])


def bits_float(b: int) -> float:
    return float(struct.unpack("<d", b.to_bytes(8, "little"))[0])


def encode_key(key_type: str, key: Any) -> Any:
    """Python key -> JSON value."""
    if key_type == "any":
        tag = _ANY_TAGS[key.type]
        return [tag, encode_key(key.type, key.value)]
    if key_type == "float64":
        return f"{float_bits(key):016x}"
    if key_type == "complex64":
        return [f"{float32_bits(key.real):08x}", f"{float32_bits(key.imag):08x}"]
    if key_type == "complex128":
        return [f"{float_bits(key.real):016x}", f"{float_bits(key.imag):016x}"]
    if key_type in ("struct", "array"):
        return list(key)
    return key


def decode_key(key_type: str, value: Any) -> Any:
    """JSON value -> Python key."""
    if value is None:
        return None
    if key_type == "any":
        t = _ANY_TYPES[value[0]]
        return IfaceKey(decode_key(t, value[1]), t)
    if key_type == "float64":
        return bits_float(int(value, 16))
    if key_type == "complex64":
        return complex(bits_float32(int(value[0], 16)), bits_float32(int(value[1], 16)))
    if key_type == "complex128":
        return complex(bits_float(int(value[0], 16)), bits_float(int(value[1], 16)))
    if key_type in ("struct", "array"):
        return tuple(value)
    return value


def key_repr(key_type: str, key: Any) -> str:
    if key_type == "float64" and isinstance(key, float):
        return f"{key!r} (bits {float_bits(key):016x})"
    return repr(key)


def _is_nan_bits(bits: int) -> bool:
    return (bits >> 52) & 0x7FF == 0x7FF and bits & ((1 << 52) - 1) != 0


def nan_bits(key: Any) -> int | None:
    """The IEEE bits of a NaN key (a float64 NaN, or one inside an interface key),
    else None: the keys whose runtime hash is random."""
    if isinstance(key, IfaceKey):
        key = key.value if key.type == "float64" else None
    if isinstance(key, float) and key != key:
        return float_bits(key)
    return None


def json_nan_bits(key_type: str, value: Any) -> int | None:
    """The IEEE bits of a NaN key as a harness dumps it (``key_type`` float64 or any),
    else None."""
    if key_type == "any" and isinstance(value, list) and value[0] == "f":
        value = value[1]
    elif key_type != "float64":
        return None
    if not isinstance(value, str):
        return None
    bits = int(value, 16)
    return bits if _is_nan_bits(bits) else None
