"""What the runtime's map type descriptor says about a classic map's bucket.

Go 1.23 ``runtime/type.go`` ``maptype``: ``Bucket`` (its size and whether it holds
pointers), ``IndirectKey`` / ``IndirectElem`` and ``NeedKeyUpdate``. The classic
engine (:mod:`gomap.classic`) takes one; :meth:`gomap.layout.MapLayout.classic_bucket_layout`
derives it from a Go type layout. Like the rest of :mod:`gomap.layout`, this module
knows no engine.
"""

from __future__ import annotations

__all__ = ["DEFAULT_LAYOUT", "BucketLayout"]


class BucketLayout:
    """What the runtime's map type descriptor says about the bucket.

    Only two facts change the map's observable state: whether the bucket type holds
    pointers (then evacuated old buckets are cleared and unlinked when no iterator
    may read them) and the bucket size (how many overflow buckets ``makeBucketArray``
    pre-allocates after size-class rounding). The defaults describe ``map[any]any``
    (16-byte interface keys and elems), the closest Go type to a Python object.
    """

    __slots__ = ("bucket_size", "indirect_elem", "indirect_key", "need_key_update", "pointers")

    def __init__(
        self,
        bucket_size: int = 8 + 8 * 16 + 8 * 16 + 8,
        pointers: bool = True,
        indirect_key: bool = False,
        indirect_elem: bool = False,
        need_key_update: bool = True,
    ) -> None:
        self.bucket_size = bucket_size
        self.pointers = pointers
        self.indirect_key = indirect_key
        self.indirect_elem = indirect_elem
        # needkeyupdate(key type): only read by clone (an indirect key is shared with
        # the clone when false). map[any]any's default: true.
        self.need_key_update = need_key_update


DEFAULT_LAYOUT = BucketLayout()
