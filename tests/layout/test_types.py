"""Go type expressions → size, alignment, pointers; map bucket/group layouts.

The figures below were measured with the real compilers: the memory harnesses'
``-layout`` mode (``src/gomap/oracle/go/memclassic`` built with Go 1.23.9 and
``memswiss`` with Go 1.27.3) prints, for each type, ``unsafe.Sizeof``,
``unsafe.Alignof`` and ``abi.Type.PtrBytes`` (read from ``reflect.TypeFor[T]()``'s
runtime type), and for each map type what its runtime type descriptor says
(classic: ``MapType.BucketSize``/``KeySize``/``ValueSize``/flags; Swiss:
``GroupSize``, ``KeyStride`` = slot size, ``ElemOff``, flags). Both compilers
printed the same type figures. The oracle-marked tests re-run the harnesses and
compare against the model and against these records.
"""

from __future__ import annotations

import json
import subprocess

import pytest

from gomap.layout.maplayout import map_layout
from gomap.layout.sizeclasses import growslice_ptrs, malloc_size, nextslicecap
from gomap.layout.types import GoTypeError, mapfast, parse_go_type, parse_key_type
from gomap.versions import pinned_release
from tests.support.oracle import require_go

# (type, unsafe.Sizeof, unsafe.Alignof, abi.Type.PtrBytes) on linux/amd64,
# measured with `memclassic -layout` (Go 1.23.9) and `memswiss -layout` (Go 1.27.3).
MEASURED_TYPES = [
    ("bool", 1, 1, 0),
    ("int8", 1, 1, 0),
    ("uint8", 1, 1, 0),
    ("byte", 1, 1, 0),
    ("int16", 2, 2, 0),
    ("uint16", 2, 2, 0),
    ("int32", 4, 4, 0),
    ("rune", 4, 4, 0),
    ("uint32", 4, 4, 0),
    ("int64", 8, 8, 0),
    ("uint64", 8, 8, 0),
    ("int", 8, 8, 0),
    ("uint", 8, 8, 0),
    ("uintptr", 8, 8, 0),
    ("float32", 4, 4, 0),
    ("float64", 8, 8, 0),
    ("complex64", 8, 4, 0),
    ("complex128", 16, 8, 0),
    ("string", 16, 8, 8),
    ("*int64", 8, 8, 8),
    ("[]byte", 24, 8, 8),
    ("any", 16, 8, 16),
    ("error", 16, 8, 16),
    ("interface{ String() string }", 16, 8, 16),
    ("unsafe.Pointer", 8, 8, 8),
    ("map[string]int", 8, 8, 8),
    ("chan int", 8, 8, 8),
    ("func()", 8, 8, 8),
    ("[3]int16", 6, 2, 0),
    ("[17]int64", 136, 8, 0),
    ("[0]int64", 0, 8, 0),
    ("[4]string", 64, 8, 56),
    ("[2]*int", 16, 8, 16),
    ("struct{}", 0, 1, 0),
    ("struct{a int32; b string}", 24, 8, 16),
    ("struct{a int8; b int64; c int8}", 24, 8, 0),
    ("struct{a int64; b struct{}}", 16, 8, 0),
    ("struct{a bool; b [0]int64}", 16, 8, 0),
    ("struct{a, b int16; c complex64}", 12, 4, 0),
    ("struct{s string; n int32}", 24, 8, 8),
    ("struct{n int32; s []int}", 32, 8, 16),
    ("[2]struct{a int8; b int16}", 8, 2, 0),
    ("struct{a [3]byte; p *int; b byte}", 24, 8, 16),
    ("[20]int64", 160, 8, 0),
    ("[8]string", 128, 8, 120),
    ("[200]byte", 200, 1, 0),
]

# map[K]V: classic (Go 1.23) bucket size, key slot, elem slot, bucket has pointers,
# indirect key, indirect elem; Swiss (Go 1.27) group size, slot size, elem offset in
# the slot, group has pointers. Measured from the runtime type descriptors.
MEASURED_MAPS = [
    ("int64", "int64", 144, 8, 8, False, False, False, 136, 16, 8, False),
    ("int64", "struct{}", 80, 8, 0, False, False, False, 136, 16, 8, False),
    ("string", "int64", 208, 16, 8, True, False, False, 200, 24, 16, True),
    ("int64", "string", 208, 8, 16, True, False, False, 200, 24, 8, True),
    ("[17]int64", "int64", 144, 8, 8, True, True, False, 136, 16, 8, True),
    ("int64", "[20]int64", 144, 8, 8, True, False, True, 136, 16, 8, True),
    ("string", "[8]string", 1168, 16, 128, True, False, False, 1160, 144, 16, True),
    ("struct{a int32; b string}", "[3]int16", 256, 24, 6, True, False, False, 264, 32, 24, True),
    ("[4]int64", "[16]int64", 1296, 32, 128, False, False, False, 1288, 160, 32, False),
    ("bool", "bool", 32, 1, 1, False, False, False, 24, 2, 1, False),
    ("struct{}", "struct{}", 16, 0, 0, False, False, False, 16, 0, 0, False),
    ("int32", "struct{}", 48, 4, 0, False, False, False, 72, 8, 4, False),
    ("[200]byte", "[200]byte", 144, 8, 8, True, True, True, 136, 16, 8, True),
    ("any", "any", 272, 16, 16, True, False, False, 264, 32, 16, True),
    ("[3]int16", "[5]byte", 104, 6, 5, False, False, False, 104, 12, 6, False),
]


@pytest.mark.parametrize("expr,size,align,ptr", MEASURED_TYPES)
def test_type_sizes_match_the_go_compiler(expr: str, size: int, align: int, ptr: int) -> None:
    t = parse_go_type(expr)
    assert (t.size, t.align, t.ptr_bytes) == (size, align, ptr)
    assert t.pointers == (ptr > 0)


@pytest.mark.parametrize("row", MEASURED_MAPS, ids=lambda r: f"map[{r[0]}]{r[1]}")
def test_map_layouts_match_the_runtime_type_descriptors(row: tuple) -> None:  # type: ignore[type-arg]
    k, v, bsize, kslot, eslot, bptr, ik, ie, gsize, ssize, eoff, gptr = row
    lay = map_layout(k, v)
    assert (lay.bucket_size, lay.key_slot.size, lay.elem_slot.size, lay.bucket_pointers,
            lay.indirect_key, lay.indirect_elem) == (bsize, kslot, eslot, bptr, ik, ie)
    assert (lay.group_size, lay.slot_size, lay.slot_elem_offset, lay.group_pointers) == (
        gsize, ssize, eoff, gptr)
    # the classic bucket is tophash, keys, elems, overflow pointer, in that order
    assert lay.bucket_keys_offset == 8
    assert lay.bucket_overflow_offset == lay.bucket_size - 8


def test_struct_ending_in_a_zero_size_field_gets_a_padding_byte() -> None:
    assert parse_go_type("struct{a int64; b struct{}}").size == 16
    assert parse_go_type("struct{b struct{}; a int64}").size == 8
    assert parse_go_type("struct{}").size == 0
    # the Swiss slot struct{key int64; elem struct{}} is padded too: a set costs a map
    assert map_layout("int64", "struct{}").slot_size == 16


def test_keys_and_elems_over_128_bytes_are_stored_indirectly() -> None:
    assert not map_layout("[16]int64", "int64").indirect_key  # exactly 128: inline
    lay = map_layout("[129]byte", "[17]int64")
    assert lay.indirect_key and lay.indirect_elem
    assert lay.key_slot.expr == "*[129]uint8"
    assert lay.key_object_bytes == 144  # noscan 129 B -> size class 144
    assert lay.elem_object_bytes == 144


def test_pointer_free_buckets_have_a_uintptr_overflow_field() -> None:
    assert not map_layout("int64", "[3]float32").bucket_pointers
    assert map_layout("int64", "*int").bucket_pointers
    assert map_layout("[200]byte", "int8").bucket_pointers  # the key pointer


def test_struct_alg_decides_the_assign_path() -> None:
    def path(k: str, v: str = "int64") -> str:
        return mapfast(parse_go_type(k), parse_go_type(v))

    assert path("int64") == path("uint64") == "fast64"
    assert path("*int") == "fast64ptr"  # mapassign_fast64ptr: prunes from Go 1.27 only
    assert path("struct{a, b int32}") == "fast64"  # 8 bytes of plain memory
    assert path("int32") == path("[2]int16") == path("rune") == "fast32"
    assert path("string") == path("struct{s string}") == "faststr"
    assert path("float64") == path("any") == path("[3]int16") == "generic"
    assert path("struct{a int8; b int32}") == "generic"  # padding: a special compare
    assert path("struct{_ int32; b int32}") == "generic"  # blank field
    assert path("int64", "[17]int64") == "generic"  # elem over 128 bytes


@pytest.mark.parametrize(
    "expr,msg",
    [
        ("struct{a int32", "column 15"),
        ("[x]int", "array length must be an integer literal at column 2"),
        ("foo", "unknown type 'foo'"),
        ("int int", "unexpected 'int' after the type"),
        ("", "empty Go type"),
        ("map[[]int]int", "invalid map key type []uint8"[:22]),
        ("struct{int}", "give the field a name"),
        ("int64$", "unexpected character '$'"),
    ],
)
def test_bad_type_expressions_say_where(expr: str, msg: str) -> None:
    with pytest.raises(GoTypeError, match=None) as e:
        parse_go_type(expr)
    assert msg in str(e.value)


def test_uncomparable_key_types_are_refused() -> None:
    for expr in ("[]int", "map[int]int", "func()", "struct{s []int}", "[2][]byte"):
        with pytest.raises(GoTypeError, match="not comparable"):
            parse_key_type(expr)
    assert parse_key_type("[2]string").comparable


def test_type_spellings() -> None:
    assert parse_go_type("[]byte").expr == "[]uint8"
    assert parse_go_type(" struct{ a, b int8 ; c any }").expr == (
        "struct { a int8; b int8; c interface {} }")
    assert parse_go_type("[0x10]int8").size == 16
    assert parse_go_type("[1_0]int8").size == 10
    assert parse_go_type("(*int)").kind == "pointer"
    assert parse_go_type("<-chan int").kind == "chan"
    assert parse_go_type("func(a, b int) (int, error)").kind == "func"


def test_malloc_size_rounds_to_size_classes_headers_and_pages() -> None:
    assert malloc_size(48, False) == 48
    assert malloc_size(144, True) == 144
    assert malloc_size(145, True) == 160
    assert malloc_size(512, False) == 512  # no header at 512
    assert malloc_size(513, False) == 576  # 513 + 8-byte header -> 576
    assert malloc_size(513, True) == 576
    assert malloc_size(1168, False) == 1280  # 1176 with the header
    assert malloc_size(1152, True) == 1152
    assert malloc_size(1152, False) == 1280  # the header pushes it to the next class
    assert malloc_size(32760, False) == 32768
    assert malloc_size(32768, False) == 32768  # large object: 4 pages, no header
    assert malloc_size(40000, True) == 40960  # 5 pages
    with pytest.raises(ValueError, match="tiny"):
        malloc_size(8, True)


def test_append_grows_a_pointer_slice_like_growslice() -> None:
    caps = []
    cap = 0
    for n in range(1, 1200):
        if n > cap:
            cap, _ = growslice_ptrs(n, cap)
            caps.append(cap)
    # doubling, then the size class (1024 B + 8 B header -> 1152) lets 143 fit
    assert caps[:9] == [1, 2, 4, 8, 16, 32, 64, 143, 287]
    assert growslice_ptrs(65, 64) == (143, 1152)
    assert nextslicecap(513, 512) == 512 + (512 + 768) // 4  # 1.25x + 192 past 256
    assert growslice_ptrs(513, 512)[0] == (malloc_size(832 * 8, False) - 8) // 8


@pytest.mark.oracle
@pytest.mark.parametrize("impl,version", [("memclassic", pinned_release("classic")),
                                          ("memswiss", pinned_release("swiss"))])
def test_layouts_are_what_the_real_compiler_says(impl: str, version: str) -> None:
    require_go(version)
    from gomap.oracle.harness import build_harness

    out = subprocess.run([str(build_harness(impl)), "-layout"], capture_output=True, text=True,
                         check=True).stdout
    got = json.loads(out)
    measured = {t: (s, a, p) for t, s, a, p in MEASURED_TYPES}
    for row in got["types"]:
        t = parse_go_type(row["type"])
        assert (t.size, t.align, t.ptr_bytes) == (row["size"], row["align"], row["ptr_bytes"]), row
        assert measured[row["type"]] == (row["size"], row["align"], row["ptr_bytes"])
    assert len(got["types"]) == len(MEASURED_TYPES)
    for row in got["maps"]:
        lay = map_layout(row["key"], row["elem"])
        if impl == "memclassic":
            want = {"bucket_size": lay.bucket_size, "key_slot": lay.key_slot.size,
                    "elem_slot": lay.elem_slot.size, "bucket_pointers": lay.bucket_pointers,
                    "indirect_key": lay.indirect_key, "indirect_elem": lay.indirect_elem}
        else:
            want = {"group_size": lay.group_size, "slot_size": lay.slot_size,
                    "elem_off": lay.slot_elem_offset, "group_pointers": lay.group_pointers,
                    "indirect_key": lay.indirect_key, "indirect_elem": lay.indirect_elem}
        assert {k: row[k] for k in want} == want, row
