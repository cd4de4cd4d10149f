"""What a ``map[K]V`` looks like in memory, for each engine, on linux/amd64.

Classic (Go 1.23, ``cmd/compile/internal/reflectdata.MapBucketType``): a bucket is
the struct ``{tophash [8]uint8; keys [8]K'; elems [8]V'; overflow *bucket}`` where
``K'``/``V'`` is the key/elem type, or a pointer to it when it is larger than 128
bytes (an *indirect* key/elem, allocated with ``newobject`` on insert). The
overflow field is a ``uintptr`` when neither key nor elem holds pointers, which
makes the whole bucket ``noscan``; the map then keeps its overflow buckets alive
through ``hmap.extra.overflow`` (a ``*[]*bmap``) instead.

Swiss (Go 1.27, ``reflectdata.MapGroupType``, interleaved layout): a group is
``{ctrl uint64; slots [8]struct{key K'; elem V'}}``; a table (``maps.table``, 32
bytes) owns an array of groups; a directory (``[]*table``) points at the tables.

Headers: ``hmap`` 48 bytes, ``mapextra`` 24, the overflow slice header 24;
``maps.Map`` 48, ``maps.table`` 32.
"""

from __future__ import annotations

from dataclasses import dataclass

from gomap.layout.maptype import BucketLayout
from gomap.layout.sizeclasses import malloc_size, scan_size
from gomap.layout.types import (
    GoType,
    array_of,
    check_map_types,
    mapfast,
    parse_go_type,
    parse_key_type,
    pointer_offsets,
    pointer_to,
    struct_of,
)

MAX_KEY_SIZE = 128  # abi.MapMaxKeyBytes (both engines)
MAX_ELEM_SIZE = 128  # abi.MapMaxElemBytes

HMAP_SIZE = 48  # runtime.hmap
HMAP_CLEARSEQ_SIZE = 56  # hmap of Go 1.24/1.25 noswissmap (+ clearSeq): a 64-byte object
MAPEXTRA_SIZE = 24  # runtime.mapextra {overflow, oldoverflow *[]*bmap; nextOverflow *bmap}
SLICE_HEADER_SIZE = 24  # new([]*bmap)
SWISS_MAP_SIZE = 48  # internal/runtime/maps.Map
SWISS_TABLE_SIZE = 32  # internal/runtime/maps.table
# The GC's scan work of the fixed headers: the offset of their last pointer word + 8.
HMAP_SCAN = 48  # hmap.extra at 40
HMAP_CLEARSEQ_SCAN = 56  # Go 1.24/1.25 noswissmap: clearSeq sits before extra (at 48)
MAPEXTRA_SCAN = 24  # three pointers
SLICE_HEADER_SCAN = 8  # new([]*bmap): the data pointer
SWISS_MAP_SCAN = 24  # maps.Map.dirPtr at 16
SWISS_TABLE_SCAN = 24  # maps.table.groups.data at 16

_UINT8 = parse_go_type("uint8")
_UINT64 = parse_go_type("uint64")
_UINTPTR = parse_go_type("uintptr")
_UNSAFE_PTR = parse_go_type("unsafe.Pointer")


def _slot(t: GoType, limit: int) -> tuple[GoType, bool]:
    if t.size > limit:
        return pointer_to(t), True
    return t, False


@dataclass(frozen=True)
class MapLayout:
    """The layout of ``map[key]elem`` in both engines, and the sizes of the heap
    objects each allocates (``malloc_size``: size class, malloc header, pages)."""

    key: GoType
    elem: GoType
    indirect_key: bool
    indirect_elem: bool
    key_slot: GoType
    elem_slot: GoType
    # classic
    bucket_size: int
    bucket_keys_offset: int
    bucket_elems_offset: int
    bucket_overflow_offset: int
    bucket_padding: int
    bucket_pointers: bool
    # swiss
    slot_size: int
    slot_elem_offset: int
    group_size: int
    group_pointers: bool
    key_kind: str
    malloc_header: bool = True
    """Go ≥ 1.22: pointerful objects over 512 bytes carry an 8-byte malloc header
    (``False`` for Go 1.21)."""
    bucket_type: GoType | None = None
    """The classic bucket struct (for the GC's pointer map)."""
    group_type: GoType | None = None
    """The Swiss group struct."""

    # --- the GC's scan work (docs/SIMULATE.md, "What the GC scans") --------------------
    def scan_of(self, t: GoType | None, count: int = 1, data_size: int | None = None) -> int:
        """The GC's scan work for one object of ``count`` ``t`` s (``data_size``
        bytes, default ``count * t.size``): 0 for a pointer-free (noscan) one."""
        if t is None or not t.ptr_bytes or count <= 0:
            return 0
        return scan_size(pointer_offsets(t), t.size,
                         t.size * count if data_size is None else data_size,
                         self.malloc_header)

    def bucket_array_scan(self, nbuckets: int) -> int:
        """Scan work of ``newarray(t.Bucket, nbuckets)`` (0 for noscan buckets)."""
        return self.scan_of(self.bucket_type, nbuckets)

    def group_array_scan(self, ngroups: int) -> int:
        """Scan work of ``newarray(typ.Group, ngroups)`` (0 for noscan groups)."""
        return self.scan_of(self.group_type, ngroups)

    @property
    def key_object_scan(self) -> int:
        """Scan work of one indirect key object."""
        return self.scan_of(self.key) if self.indirect_key else 0

    @property
    def elem_object_scan(self) -> int:
        """Scan work of one indirect elem object."""
        return self.scan_of(self.elem) if self.indirect_elem else 0

    @property
    def key_object_bytes(self) -> int:
        """Heap bytes of one indirect key (``newobject(t.Key)``), 0 if direct."""
        if not self.indirect_key:
            return 0
        return malloc_size(self.key.size, not self.key.pointers, self.malloc_header)

    @property
    def elem_object_bytes(self) -> int:
        """Heap bytes of one indirect elem (``newobject(t.Elem)``), 0 if direct."""
        if not self.indirect_elem:
            return 0
        return malloc_size(self.elem.size, not self.elem.pointers, self.malloc_header)

    @property
    def need_key_update(self) -> bool:
        """``needkeyupdate`` (cmd/compile reflectdata): an assign over an existing
        key stores the new key (floats: +0/-0; strings, interfaces). For an indirect
        key it decides whether ``maps.Clone`` of the classic map copies the key
        object or shares it with the source (``moveToBmap``)."""
        return _need_key_update(self.key)

    @property
    def entry_object_bytes(self) -> int:
        """Heap bytes one entry owns outside its bucket/group (indirect key + elem)."""
        return self.key_object_bytes + self.elem_object_bytes

    def bucket_array_bytes(self, nbuckets: int) -> int:
        """Heap bytes of ``newarray(t.Bucket, nbuckets)``."""
        return malloc_size(self.bucket_size * nbuckets, not self.bucket_pointers,
                           self.malloc_header)

    def group_array_bytes(self, ngroups: int) -> int:
        """Heap bytes of ``newarray(typ.Group, ngroups)``."""
        return malloc_size(self.group_size * ngroups, not self.group_pointers,
                           self.malloc_header)

    def classic_bucket_layout(self) -> BucketLayout:
        """The classic engine's :class:`~gomap.layout.maptype.BucketLayout`."""
        return BucketLayout(
            bucket_size=self.bucket_size,
            pointers=self.bucket_pointers,
            indirect_key=self.indirect_key,
            indirect_elem=self.indirect_elem,
            need_key_update=self.need_key_update,
        )

    def describe(self) -> dict[str, object]:
        """A JSON-able summary of both engines' layouts."""
        return {
            "key": {"type": self.key.expr, "size": self.key.size, "align": self.key.align,
                    "pointers": self.key.pointers, "indirect": self.indirect_key},
            "value": {"type": self.elem.expr, "size": self.elem.size,
                      "align": self.elem.align, "pointers": self.elem.pointers,
                      "indirect": self.indirect_elem},
            "classic": {
                "bucket_size": self.bucket_size,
                "tophash_bytes": 8,
                "keys_offset": self.bucket_keys_offset,
                "elems_offset": self.bucket_elems_offset,
                "overflow_offset": self.bucket_overflow_offset,
                "padding": self.bucket_padding,
                "pointers": self.bucket_pointers,
                "hmap_size": HMAP_SIZE,
                "mapextra_size": MAPEXTRA_SIZE,
                "overflow_slice": not self.bucket_pointers,
            },
            "swiss": {
                "slot_size": self.slot_size,
                "slot_elem_offset": self.slot_elem_offset,
                "group_size": self.group_size,
                "pointers": self.group_pointers,
                "map_size": SWISS_MAP_SIZE,
                "table_size": SWISS_TABLE_SIZE,
                "access_path": self.key_kind,
            },
            "indirect_key_object": self.key_object_bytes,
            "indirect_elem_object": self.elem_object_bytes,
        }


def _need_key_update(t: GoType) -> bool:
    if t.kind in ("float", "complex", "interface", "string"):
        return True
    if t.kind == "array":
        assert t.elem is not None
        return _need_key_update(t.elem)
    if t.kind == "struct":
        return any(_need_key_update(f.type) for f in t.fields)
    return False


def map_layout(key: str | GoType, elem: str | GoType) -> MapLayout:
    """The layout of ``map[key]elem``; ``key``/``elem`` are Go type expressions."""
    kt = parse_key_type(key) if isinstance(key, str) else key
    et = parse_go_type(elem) if isinstance(elem, str) else elem
    if not kt.comparable:
        from gomap.layout.types import GoTypeError

        raise GoTypeError(f"invalid map key type {kt.expr}: it is not comparable")
    check_map_types(kt, et)
    ks, ik = _slot(kt, MAX_KEY_SIZE)
    es, ie = _slot(et, MAX_ELEM_SIZE)
    pointers = ks.pointers or es.pointers
    bucket = struct_of([
        ("tophash", array_of(8, _UINT8)),
        ("keys", array_of(8, ks)),
        ("elems", array_of(8, es)),
        ("overflow", _UNSAFE_PTR if pointers else _UINTPTR),
    ])
    f = bucket.fields
    slot = struct_of([("key", ks), ("elem", es)])
    group = struct_of([("ctrl", _UINT64), ("slots", array_of(8, slot))])
    return MapLayout(
        key=kt,
        elem=et,
        indirect_key=ik,
        indirect_elem=ie,
        key_slot=ks,
        elem_slot=es,
        bucket_size=bucket.size,
        bucket_keys_offset=f[1].offset,
        bucket_elems_offset=f[2].offset,
        bucket_overflow_offset=f[3].offset,
        bucket_padding=bucket.size - (8 + 8 * ks.size + 8 * es.size + 8),
        bucket_pointers=pointers,
        slot_size=slot.size,
        slot_elem_offset=slot.fields[1].offset,
        group_size=group.size,
        group_pointers=group.pointers,
        key_kind=mapfast(kt, et),
        bucket_type=bucket,
        group_type=group,
    )
