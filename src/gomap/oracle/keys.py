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
=========  =========================  ================  =================================

Elems: ``int64`` (int) or ``bigelem`` (``[20]int64``, indirect; int n = every element n).
"""

from __future__ import annotations

import struct
from typing import Any

KEY_TYPES = ("int64", "string", "float64", "struct", "array", "bigkey", "complex64", "complex128",
             "pointer")
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
