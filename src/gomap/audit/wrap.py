"""``audited(mapping, auditor, name=...)``: any ``MutableMapping`` whose every delete
is recorded, once.

The wrapper is a ``MutableMapping`` over the original: reads, writes and iteration go
straight through; each delete path is a method of the wrapper that calls the map's own
method and then emits one record (so the record's ``seq`` orders the deletes of one
thread; across threads it orders their ends). The paths and how ``found`` is known:

===========================  ============================================================
path                         ``found``
===========================  ============================================================
``del m[k]``                 the map did not raise ``KeyError`` (re-raised after the record)
``m.pop(k[, d])``            the map's ``pop`` with a private default did not return it
``m.popitem()``              a pair came back (``key: null, found: false`` when empty)
``m.delete(k)``              companions: ``load_and_delete``'s ``loaded``; others
                             (``GoMap``): ``len`` went down (Go's ``delete`` is a no-op for
                             a missing key, and still recorded)
``m.load_and_delete(k)``     ``loaded``
``m.compare_and_delete(k,o)``  the entry was removed (``false``: absent or another value)
``m.clear()``                ``len`` before was > 0; one record with ``count`` (and
                             ``keys``, redacted, with ``clear_keys=True``)
===========================  ============================================================

Go's ``sync.Map.Swap`` never deletes, so no map here has a swap-to-delete; ``swap``
passes through unrecorded. A cache's own evictions (cachetools' ``popitem`` when
full, TTL expiry) happen inside the cache and are not deletes through the wrapper.

``on_delete(fn)``: ``fn(key)`` once per key actually removed, after the removal, in
the deleting thread; an exception is caught, logged and recorded (``op: "hook_error"``)
and never reaches the delete; a hook that keeps failing is switched off by its circuit
breaker (``op: "breaker"`` records) and tried again after the reset timeout.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
import weakref
from collections.abc import Callable, Iterator, MutableMapping
from typing import Any

from gomap.audit.auditor import Auditor
from gomap.audit.record import NO_KEY

_log = logging.getLogger("gomap.audit")
_SENTINEL: Any = object()

RUNTIME_EVENTS = frozenset({"emptyOne", "emptyRest", "tombstone"})
"""The engine events (gomap.events) a GoMap's runtime detail is made of."""


class _Hook:
    """One ``on_delete`` hook behind its own circuit breaker.

    Not pybreaker here (the sinks use it): ``CircuitBreaker.call`` holds the breaker's
    lock for the whole call, which would make the deleting threads of a map take turns
    through a hook, and a hook that hangs would hang every delete of the map. This
    breaker takes its lock only to count: closed → open after ``fail_max`` consecutive
    failures → half-open once ``reset`` seconds have passed → closed on a success (open
    again on a failure). Each transition is an audit record, as pybreaker's are."""

    __slots__ = ("fail_max", "fails", "fn", "lock", "name", "opened_at", "owner", "reset",
                 "state")

    def __init__(self, fn: Callable[[Any], Any], owner: AuditedMap, fail_max: int,
                 reset: float) -> None:
        if fail_max < 1 or reset < 0:
            raise ValueError(f"hook breaker: fail_max must be >= 1 and reset >= 0, got "
                             f"{fail_max}, {reset}")
        self.fn = fn
        self.name = getattr(fn, "__qualname__", repr(fn))
        self.owner = weakref.ref(owner)
        self.fail_max = fail_max
        self.reset = reset
        self.lock = threading.Lock()
        self.state = "closed"
        self.fails = 0
        self.opened_at = 0.0

    def allowed(self) -> bool:
        if self.state != "open":
            return True
        with self.lock:
            if self.state == "open" and time.monotonic() - self.opened_at >= self.reset:
                self.state = "half-open"
                change = ("open", "half-open")
            else:
                return self.state != "open"
        self._record(*change)
        return True

    def succeeded(self) -> None:
        if self.state == "closed" and not self.fails:
            return
        with self.lock:
            self.fails = 0
            old, self.state = self.state, "closed"
        if old != "closed":
            self._record(old, "closed")

    def failed(self) -> None:
        with self.lock:
            self.fails += 1
            old = self.state
            if old == "half-open" or (old == "closed" and self.fails >= self.fail_max):
                self.state = "open"
                self.opened_at = time.monotonic()
        if old != self.state:
            self._record(old, self.state)

    def _record(self, old: str, new: str) -> None:
        owner = self.owner()
        if owner is not None and owner._auditor is not None:
            with contextlib.suppress(Exception):
                owner._auditor._emit_internal("breaker", self.name, hook=self.name,
                                              map=owner._name, **{"from": old, "to": new})


class _RuntimeProbe:
    """Collects a GoMap engine's delete events during one audited delete."""

    __slots__ = ("events", "on", "tombstones_declared", "where")

    def __init__(self, tombstones_declared: bool) -> None:
        self.events: list[tuple[str, dict[str, Any]]] = []
        self.on = False
        self.where: dict[str, Any] | None = None  # the key's slot, found before a delete
        # Swiss: a delete that leaves no tombstone made its slot ctrlEmpty.
        self.tombstones_declared = tombstones_declared

    def __call__(self, event: str, details: dict[str, Any]) -> None:
        if self.on:
            self.events.append((event, dict(details)))


class AuditedMap(MutableMapping[Any, Any]):
    """A mapping whose deletes are audited; made by :func:`audited`."""

    def __init__(self, mapping: MutableMapping[Any, Any], auditor: Auditor | None,
                 name: str | None = None, *, clear_keys: bool = False,
                 runtime: bool = False, hook_fail_max: int = 5,
                 hook_reset: float = 30.0) -> None:
        if not isinstance(mapping, MutableMapping):
            raise TypeError(f"audited() needs a MutableMapping, not {type(mapping).__name__}")
        if auditor is not None and not isinstance(auditor, Auditor):
            raise TypeError(f"auditor must be a gomap.audit.Auditor or None, "
                            f"not {type(auditor).__name__}")
        self._m = mapping
        self._auditor = auditor
        self._emit = auditor.emit if auditor is not None else None
        self._name = name if name is not None else type(mapping).__name__
        self._clear_keys = clear_keys
        self._hooks: list[_Hook] = []
        self._hook_fail_max = hook_fail_max
        self._hook_reset = hook_reset
        self._probe: _RuntimeProbe | None = None
        if runtime:
            self._probe = self._attach_probe(mapping)
        self._plain = not runtime  # no probe and (until on_delete) no hooks

    @staticmethod
    def _attach_probe(mapping: Any) -> _RuntimeProbe:
        from gomap.events import events_of
        from gomap.gomap import GoMap

        if not isinstance(mapping, GoMap):
            raise TypeError(f"runtime=True needs a GoMap (the engine reports what a delete "
                            f"did), not {type(mapping).__name__}")
        declared = set(events_of(mapping.impl))
        wanted = sorted(RUNTIME_EVENTS & declared)
        probe = _RuntimeProbe("tombstone" in declared)
        mapping.subscribe(probe, wanted)
        return probe

    # --- passthrough ---------------------------------------------------------------------
    @property
    def wrapped(self) -> MutableMapping[Any, Any]:
        """The original mapping (deletes made on it directly are not audited)."""
        return self._m

    @property
    def name(self) -> str:
        return self._name

    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("__") or attr in ("_m",):
            raise AttributeError(attr)
        return getattr(self._m, attr)

    def __getitem__(self, key: Any) -> Any:
        return self._m[key]

    def __setitem__(self, key: Any, value: Any) -> None:
        self._m[key] = value

    def __contains__(self, key: object) -> bool:
        return key in self._m

    def __len__(self) -> int:
        return len(self._m)

    def __iter__(self) -> Iterator[Any]:
        return iter(self._m)

    def get(self, key: Any, default: Any = None) -> Any:
        return self._m.get(key, default)

    def keys(self) -> Any:
        return self._m.keys()

    def items(self) -> Any:
        return self._m.items()

    def values(self) -> Any:
        return self._m.values()

    def setdefault(self, key: Any, default: Any = None) -> Any:
        return self._m.setdefault(key, default)

    def update(self, *args: Any, **kwargs: Any) -> None:
        self._m.update(*args, **kwargs)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, AuditedMap):
            other = other._m
        return bool(self._m == other)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"audited({self._m!r}, name={self._name!r})"

    # --- hooks -----------------------------------------------------------------------------
    def on_delete(self, fn: Callable[[Any], Any]) -> Callable[[Any], Any]:
        """Call ``fn(key)`` once per key actually removed (every delete path, each key
        of ``clear``/``popitem``), after the removal; its exceptions are isolated.
        Returns ``fn`` (usable as a decorator)."""
        if not callable(fn):
            raise TypeError(f"on_delete needs a callable, not {type(fn).__name__}")
        self._hooks.append(_Hook(fn, self, self._hook_fail_max, self._hook_reset))
        self._plain = False
        return fn

    def _run_hooks(self, key: Any) -> None:
        for h in self._hooks:
            if not h.allowed():
                continue  # switched off for now; the breaker's record says so
            try:
                h.fn(key)
            except Exception as exc:
                h.failed()
                _log.warning("on_delete hook %s raised %r for a key of map %r", h.name, exc,
                             self._name)
                if self._auditor is not None:
                    with contextlib.suppress(Exception):  # never into the delete
                        self._auditor._emit_internal(
                            "hook_error", self._auditor.redact(key), map=self._name,
                            hook=h.name, error=repr(exc)[:200])
            else:
                h.succeeded()

    # --- the record ------------------------------------------------------------------------
    def _record(self, op: str, key: Any, found: bool, **fields: Any) -> None:
        emit = self._emit
        if emit is not None:
            try:
                emit(op, key, map=self._name, found=found, **fields)
            except Exception as exc:  # a redactor that raised: never into the delete
                _log.error("audit record lost for map %r: %r", self._name, exc)

    def _runtime_fields(self) -> dict[str, Any]:
        probe = self._probe
        assert probe is not None
        probe.on = False
        events, probe.events = probe.events, []
        m: Any = self._m
        detail: dict[str, Any] = {"engine": m.impl}
        for ev, d in events:
            if ev == "emptyOne":
                detail.update(bucket=d["bucket"], cell=d["cell"], slot="emptyOne")
            elif ev == "emptyRest":
                detail["emptyRest_run"] = d["run"]
                detail["slot"] = "emptyRest"
            elif ev == "tombstone":
                detail.update(table=d["index"], group=d["group"], slot_index=d["slot"],
                              slot="ctrlDeleted")
        if "slot" not in detail and probe.tombstones_declared:
            detail["slot"] = "ctrlEmpty"
            w = probe.where
            if w is not None and w.get("slot") is not None:
                detail.update(table=w["table"], group=w["group"], slot_index=w["slot"])
        st = m.stats()
        if st.tombstones is None:  # the classic engine counts emptyOne cells on request
            st = m.stats(deep=True)
        detail["tombstones"] = st.tombstones
        return {"runtime": detail}

    def _delete_done(self, op: str, key: Any, found: bool, **fields: Any) -> None:
        if self._probe is not None:
            if found:
                fields.update(self._runtime_fields())
            else:
                self._probe.on = False
                self._probe.events.clear()
        self._record(op, key, found, **fields)
        if found and self._hooks:
            self._run_hooks(key)

    def _arm(self, key: Any) -> None:
        probe = self._probe
        if probe is not None:
            probe.events.clear()
            probe.on = True
            probe.where = None
            if probe.tombstones_declared and key is not NO_KEY:
                # Swiss: a delete that leaves ctrlEmpty reports no event, so find the
                # slot first (table.getWithKey's probe, as the tracer does).
                from gomap.trace.tracer import swiss_locate

                try:
                    e: Any = self._m.engine  # type: ignore[attr-defined]
                    probe.where = swiss_locate(e, e.hasher(key, e.seed), key)
                except Exception:  # a typed map's key form, an accounted wrapper: no slot
                    probe.where = None

    # --- the delete paths --------------------------------------------------------------------
    def __delitem__(self, key: Any) -> None:
        if self._probe is not None:
            self._arm(key)
        try:
            del self._m[key]
        except KeyError:
            self._delete_done("delitem", key, False)
            raise
        if self._plain and self._emit is not None:  # the common case, inlined
            try:
                self._emit("delitem", key, map=self._name, found=True)
            except Exception as exc:
                _log.error("audit record lost for map %r: %r", self._name, exc)
        else:
            self._delete_done("delitem", key, True)

    def pop(self, key: Any, default: Any = _SENTINEL) -> Any:
        self._arm(key)
        v = self._m.pop(key, _SENTINEL)
        found = v is not _SENTINEL
        self._delete_done("pop", key, found)
        if found:
            return v
        if default is _SENTINEL:
            raise KeyError(key)
        return default

    def popitem(self) -> tuple[Any, Any]:
        self._arm(NO_KEY)
        try:
            k, v = self._m.popitem()
        except KeyError:
            self._delete_done("popitem", NO_KEY, False)
            raise
        self._delete_done("popitem", k, True)
        return k, v

    def clear(self) -> None:
        m = self._m
        want_keys = self._clear_keys or bool(self._hooks)
        keys = list(m) if want_keys else None
        count = len(m)
        if self._probe is not None:
            self._probe.on = False
        m.clear()
        fields: dict[str, Any] = {"count": count}
        if self._clear_keys and keys is not None and self._auditor is not None:
            r = self._auditor.redact
            fields["keys"] = [r(k) for k in keys]
        self._record("clear", NO_KEY, count > 0, **fields)
        if self._hooks and keys:
            for k in keys:
                self._run_hooks(k)

    def _remove_for_delete_where(self, key: Any, *, value: Any = _SENTINEL,
                                 version: int | None = None) -> bool:
        """One removal of :func:`gomap.audit.delete_where`, recorded as such."""
        from gomap.audit.safe import _MISSING, _plain_remover

        self._arm(key)
        found = _plain_remover(self._m)(key, value=_MISSING if value is _SENTINEL else value,
                                        version=version)
        self._delete_done("delete_where", key, found)
        return found


class _DeleteMixin(AuditedMap):
    """``delete(k)`` for maps with Go's delete (no error when absent)."""

    def delete(self, key: Any) -> None:
        m: Any = self._m
        self._arm(key)
        n = len(m)
        m.delete(key)
        self._delete_done("delete", key, len(m) < n)


class _ConcurrentDeleteMixin(AuditedMap):
    """The companions' atomic delete primitives (``found`` from the primitive)."""

    def delete(self, key: Any) -> None:
        _, loaded = self._m.load_and_delete(key)  # type: ignore[attr-defined]
        self._delete_done("delete", key, loaded)

    def load_and_delete(self, key: Any) -> tuple[Any, bool]:
        v, loaded = self._m.load_and_delete(key)  # type: ignore[attr-defined]
        self._delete_done("load_and_delete", key, loaded)
        return v, loaded

    def compare_and_delete(self, key: Any, old: Any) -> bool:
        ok = bool(self._m.compare_and_delete(key, old))  # type: ignore[attr-defined]
        self._delete_done("compare_and_delete", key, ok)
        return ok


class AuditedGoMap(_DeleteMixin):
    """An audited ``GoMap`` (or any map with a Go-style ``delete``)."""


class AuditedConcurrentMap(_ConcurrentDeleteMixin):
    """An audited companion (``SyncMap``, ``ShardedMap``, ``COWMap``, ``LockedMap``) or
    any map with ``load_and_delete`` and ``compare_and_delete``."""


def audited(mapping: MutableMapping[Any, Any], auditor: Auditor | None,
            name: str | None = None, *, clear_keys: bool = False, runtime: bool = False,
            hook_fail_max: int = 5, hook_reset: float = 30.0) -> AuditedMap:
    """Wrap ``mapping`` so that every delete emits one record to ``auditor`` (``None``:
    no records, the ``on_delete`` hooks only). ``name``: the record's ``map`` (default:
    the type's name). ``clear_keys``: a ``clear`` record lists the (redacted) keys.
    ``runtime``: a GoMap's records carry what the engine did (``runtime``: the
    bucket/cell or table/group/slot, ``emptyOne``/``emptyRest`` run or
    ``ctrlDeleted``/``ctrlEmpty``, tombstones after the delete).

    >>> from gomap.audit import Auditor, CallableSink, audited
    >>> got = []
    >>> with Auditor([CallableSink(got.extend)], frames=0) as a:
    ...     m = audited({"a": 1}, a, name="users")
    ...     del m["a"]
    ...     m.pop("zz", None)
    >>> [(r["op"], r["key"], r["found"]) for r in got]
    [('delitem', "'a'", True), ('pop', "'zz'", False)]
    """
    kw: dict[str, Any] = dict(clear_keys=clear_keys, runtime=runtime,
                              hook_fail_max=hook_fail_max, hook_reset=hook_reset)
    if callable(getattr(mapping, "load_and_delete", None)) and callable(
            getattr(mapping, "compare_and_delete", None)):
        return AuditedConcurrentMap(mapping, auditor, name, **kw)
    if callable(getattr(mapping, "delete", None)):
        return AuditedGoMap(mapping, auditor, name, **kw)
    return AuditedMap(mapping, auditor, name, **kw)
