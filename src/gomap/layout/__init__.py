"""Go memory layout on linux/amd64: type sizes (:mod:`gomap.layout.types`), map
bucket/group layouts (:mod:`gomap.layout.maplayout`) and the allocator's size
classes (:mod:`gomap.layout.sizeclasses`)."""

from gomap.layout.maplayout import MapLayout, map_layout
from gomap.layout.named import load_types
from gomap.layout.sizeclasses import CLASS_TO_SIZE, PAGE_SIZE, malloc_size, roundupsize
from gomap.layout.types import GoType, GoTypeError, parse_go_type

__all__ = [
    "CLASS_TO_SIZE",
    "PAGE_SIZE",
    "GoType",
    "GoTypeError",
    "MapLayout",
    "load_types",
    "malloc_size",
    "map_layout",
    "parse_go_type",
    "roundupsize",
]
