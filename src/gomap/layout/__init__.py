"""Go memory layout on linux/amd64: type sizes (:mod:`gomap.layout.types`), map
bucket/group layouts (:mod:`gomap.layout.maplayout`), what the map type descriptor
says about a bucket (:mod:`gomap.layout.maptype`) and the allocator's size classes
(:mod:`gomap.layout.sizeclasses`)."""

from typing import TYPE_CHECKING, Any

from gomap.layout.maplayout import MapLayout, map_layout
from gomap.layout.maptype import BucketLayout
from gomap.layout.sizeclasses import CLASS_TO_SIZE, PAGE_SIZE, malloc_size, roundupsize
from gomap.layout.types import GoType, GoTypeError, parse_go_type

if TYPE_CHECKING:
    from gomap.layout.named import load_types


def __getattr__(name: str) -> Any:
    """``load_types`` (named types, which runs the Go toolchain) is imported on first
    use: most processes never need it, and every process pays for what it imports."""
    if name == "load_types":
        from gomap.layout.named import load_types

        return load_types
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

__all__ = [
    "CLASS_TO_SIZE",
    "PAGE_SIZE",
    "BucketLayout",
    "GoType",
    "GoTypeError",
    "MapLayout",
    "load_types",
    "malloc_size",
    "map_layout",
    "parse_go_type",
    "roundupsize",
]
