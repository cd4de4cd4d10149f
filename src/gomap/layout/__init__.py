"""Go memory layout: type sizes and the allocator's size classes (amd64)."""

from gomap.layout.sizeclasses import CLASS_TO_SIZE, PAGE_SIZE, roundupsize

__all__ = ["CLASS_TO_SIZE", "PAGE_SIZE", "roundupsize"]
