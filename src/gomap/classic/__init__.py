"""The classic Go map (Go ≤ 1.23, ``runtime/map.go``): buckets, tophash, overflow
chains, incremental growth. See :mod:`gomap.classic.hmap`."""

from gomap.classic.hmap import BucketLayout, HMap
from gomap.classic.iter import HIter

ClassicMap = HMap

__all__ = ["BucketLayout", "ClassicMap", "HIter", "HMap"]
