"""The Swiss-table engine: Go 1.27.3's ``internal/runtime/maps``, state-exact.

One module per Go concept, each opening with the Go file it mirrors:

* :mod:`gomap.swiss.group` — ``group.go``: control bytes, groups, ``probeSeq``;
* :mod:`gomap.swiss.table` — ``table.go``: one table, put/delete, tombstones,
  ``pruneTombstones``, ``rehash`` → ``grow`` / ``split``;
* :mod:`gomap.swiss.map` — ``map.go`` + ``runtime*.go``: the small map, the
  directory, ``NewMap``, ``PutSlot``, ``Delete``, ``Clear``, ``Clone``;
* :mod:`gomap.swiss.iter` — ``Iter`` from ``table.go``;
* :mod:`gomap.swiss.debug` — ``table_debug.go``: ``check_invariants``, snapshots.

See docs/SWISS.md for the design and the decisions taken.
"""

from gomap.swiss.group import (
    CTRL_DELETED,
    CTRL_EMPTY,
    GROUP_SLOTS,
    MAX_AVG_GROUP_LOAD,
    MAX_TABLE_CAPACITY,
    Group,
    ProbeSeq,
    h1,
    h2,
)
from gomap.swiss.iter import Iter
from gomap.swiss.map import KEY_KINDS, SwissMap
from gomap.swiss.table import Table

__all__ = [
    "CTRL_DELETED",
    "CTRL_EMPTY",
    "GROUP_SLOTS",
    "KEY_KINDS",
    "MAX_AVG_GROUP_LOAD",
    "MAX_TABLE_CAPACITY",
    "Group",
    "Iter",
    "ProbeSeq",
    "SwissMap",
    "Table",
    "h1",
    "h2",
]
