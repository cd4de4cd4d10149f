"""The companions' operations, in gomap's one op vocabulary (:mod:`gomap.ops`).

The operations a Go map has keep their codes and names — ``SET`` is ``Store``,
``GET`` is ``Load`` (Go's ``v, ok := m[k]``), ``DEL`` is ``Delete``, ``CLEAR``,
``RANGE`` (with an optional limit: ``["range", n]`` stops after ``n`` calls, as a
``Range`` whose ``f`` returns false), ``DUMP``. The ones ``sync.Map`` adds take codes
from :data:`gomap.ops.EXTRA` on:

====================  =============  =============================================
code                  args           Go
====================  =============  =============================================
``LOAD_OR_STORE``     key, value     ``actual, loaded := m.LoadOrStore(key, value)``
``LOAD_AND_DELETE``   key            ``value, loaded := m.LoadAndDelete(key)``
``SWAP``              key, value     ``previous, loaded := m.Swap(key, value)``
``COMPARE_AND_SWAP``  key, old, new  ``swapped := m.CompareAndSwap(key, old, new)``
``COMPARE_AND_DELETE`` key, old      ``deleted := m.CompareAndDelete(key, old)``
====================  =============  =============================================

:func:`apply` runs one operation on any :class:`~gomap.companions.ConcurrentMap`
and returns its results as the ``sync.Map`` oracle harnesses print them.
"""

from __future__ import annotations

from typing import Any

from gomap.companions.base import ConcurrentMap
from gomap.ops import CLEAR, DEL, DUMP, EXTRA, GET, OP_NAMES, RANGE, SET, Op

LOAD_OR_STORE, LOAD_AND_DELETE, SWAP, COMPARE_AND_SWAP, COMPARE_AND_DELETE = range(
    EXTRA, EXTRA + 5)

SYNC_OP_NAMES: dict[int, str] = {
    **{code: OP_NAMES[code] for code in (SET, GET, DEL, CLEAR, RANGE, DUMP)},
    LOAD_OR_STORE: "load_or_store", LOAD_AND_DELETE: "load_and_delete", SWAP: "swap",
    COMPARE_AND_SWAP: "compare_and_swap", COMPARE_AND_DELETE: "compare_and_delete",
}
"""The operations a concurrent map understands, by code (the scripts' spelling)."""
SYNC_CODES: dict[str, int] = {name: code for code, name in SYNC_OP_NAMES.items()}
ARITY: dict[int, int] = {SET: 2, GET: 1, DEL: 1, CLEAR: 0, DUMP: 0, LOAD_OR_STORE: 2,
                         LOAD_AND_DELETE: 1, SWAP: 2, COMPARE_AND_SWAP: 3,
                         COMPARE_AND_DELETE: 2}
"""Arguments per code (``RANGE`` takes 0 or 1)."""


def from_script(op: list[Any]) -> Op:
    """A script's JSON list (``["load_or_store", k, v]``) as an op; ``ValueError`` names
    an unknown operation or a wrong number of arguments."""
    code = SYNC_CODES.get(op[0]) if op else None
    if code is None:
        raise ValueError(f"unknown operation {op!r}: use one of {', '.join(SYNC_CODES)}")
    n = len(op) - 1
    if (code == RANGE and n > 1) or (code != RANGE and n != ARITY[code]):
        raise ValueError(f"{op[0]} takes {ARITY.get(code, '0 or 1')} arguments: {op!r}")
    return (code, *op[1:])


def apply(m: ConcurrentMap, op: Op) -> list[Any]:
    """Run ``op`` on ``m``; its results as a list (``[value, ok]``, ``[bool]``, the
    ``[key, value]`` pairs a ``RANGE`` visited, ``[]`` for ``SET``/``DEL``/…)."""
    code = op[0]
    if code == GET:
        return list(m.load(op[1]))
    if code == SET:
        m.store(op[1], op[2])
        return []
    if code == LOAD_OR_STORE:
        return list(m.load_or_store(op[1], op[2]))
    if code == LOAD_AND_DELETE:
        return list(m.load_and_delete(op[1]))
    if code == DEL:
        m.delete(op[1])
        return []
    if code == SWAP:
        return list(m.swap(op[1], op[2]))
    if code == COMPARE_AND_SWAP:
        return [m.compare_and_swap(op[1], op[2], op[3])]
    if code == COMPARE_AND_DELETE:
        return [m.compare_and_delete(op[1], op[2])]
    if code == RANGE:
        limit = op[1] if len(op) > 1 else -1
        seen: list[Any] = []

        def f(k: Any, v: Any) -> bool:
            seen.append([k, v])
            return limit < 0 or len(seen) < limit

        m.range(f)
        return seen
    if code == CLEAR:
        m.clear()
        return []
    if code == DUMP:
        return []
    raise ValueError(f"unknown operation {op!r}")
