"""One vocabulary of map operations, and the one place they are applied to an engine.

An operation is a tuple ``(code, *args)``; :data:`OPS` is the one table of codes,
with the spelling of each in the oracle's scripts and in the ops file:

==============  ========  ==========  ===========  ============================================
code            script    ops file    args         Go
==============  ========  ==========  ===========  ============================================
``MAKE``        make      make        hint         ``m := make(map[K]V, hint)`` (first op only)
``SET``         set       set         key[, elem]  ``m[key] = elem``
``GET``         get       get         key          ``v, ok := m[key]``
``DEL``         del       del         key          ``delete(m, key)``
``CLEAR``       clear     clear                    ``clear(m)``
``RANGE``       range     iter                     ``for k, v := range m {}`` — a whole loop
``ITER``        iter                  id           start iterator ``id``: ``mapiterinit`` + a step
``NEXT``        next                  id           one more step of iterator ``id``
``STOP``        stop                  id           drop iterator ``id`` (``break``)
``DUMP``        dump                               no operation: a checkpoint (the oracle
                                                   compares all)
``CLONE``       clone     clone                    ``m = maps.Clone(m)`` (the old map is dropped)
``REBUILD``     rebuild   rebuild                  ``m2 := make(map[K]V, len(m))``; ``for k, v :=
                                                   range m { m2[k] = v }``; ``m = m2``
==============  ========  ==========  ===========  ============================================

Workloads are iterables of operations, so a million-operation run never holds its
script. The ops file (:mod:`gomap.sim.ops`, docs/SIMULATE.md) spells ``RANGE`` as
``iter`` (its alias in :data:`OPS`); the oracle's scripts are JSON lists
(``["set", k, v]``, see :func:`from_script`). Every layer replays operations
through :class:`Replayer`: the simulator, the memory oracle and the state oracle
drivers; operations that companions to the map add (``load_or_store``, …) get
codes from ``EXTRA`` on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any, NamedTuple

from gomap._engine import Engine, EngineIter

MAKE, SET, GET, DEL, CLEAR, RANGE, ITER, NEXT, STOP, DUMP, CLONE, REBUILD = range(12)
EXTRA = 16
"""The first code free for operations of other map types."""


class OpSpec(NamedTuple):
    """One operation code and its spellings."""

    code: int
    name: str
    """The oracle scripts' spelling (``["range"]``)."""
    file_name: str
    """The ops file's (and the memory harness's) spelling; "" when the ops file has
    none (iterator steps, checkpoints)."""
    arg: str
    """What the operation takes: ``"hint"``, ``"key"``, ``"id"`` or ""."""


OPS: tuple[OpSpec, ...] = (
    OpSpec(MAKE, "make", "make", "hint"),
    OpSpec(SET, "set", "set", "key"),
    OpSpec(GET, "get", "get", "key"),
    OpSpec(DEL, "del", "del", "key"),
    OpSpec(CLEAR, "clear", "clear", ""),
    OpSpec(RANGE, "range", "iter", ""),
    OpSpec(ITER, "iter", "", "id"),
    OpSpec(NEXT, "next", "", "id"),
    OpSpec(STOP, "stop", "", "id"),
    OpSpec(DUMP, "dump", "", ""),
    OpSpec(CLONE, "clone", "clone", ""),
    OpSpec(REBUILD, "rebuild", "rebuild", ""),
)
"""Every operation code, with its spelling in each format (the one table)."""

OP_NAMES: dict[int, str] = {op.code: op.name for op in OPS}
"""The name of each code (the oracle scripts' spelling)."""
CODES: dict[str, int] = {op.name: op.code for op in OPS}
FILE_OP_NAMES: dict[int, str] = {op.code: op.file_name for op in OPS if op.file_name}
"""The ops file's spelling of each code it has (``RANGE`` is ``iter``)."""
FILE_CODES: dict[str, int] = {name: code for code, name in FILE_OP_NAMES.items()}
"""The code of each ops-file word."""

Op = tuple[Any, ...]


def from_script(op: list[Any]) -> Op:
    """An oracle script's JSON list (``["set", k, v]``, ``["iter", 3]``) as an op."""
    try:
        return (CODES[op[0]], *op[1:])
    except KeyError:
        raise ValueError(f"unknown operation {op!r}") from None


def to_script(op: Op) -> list[Any]:
    """The inverse of :func:`from_script`."""
    return [OP_NAMES[op[0]], *op[1:]]


class Replayer:
    """Applies operations to one engine, keeping the iterators they open.

    ``new(hint)`` builds the engine at ``MAKE``; an engine passed as ``engine`` is
    used as it is (then the operations need not start with ``MAKE``). An iterator
    that has ended is not stepped again (a ``NEXT`` on it returns ``None``), as the
    oracle harnesses do with the runtime's.

    ``CLONE`` and ``REBUILD`` replace :attr:`engine` with the new map (the engine's
    ``clone()`` / ``rebuild()``; a plain engine is rebuilt through ``new``); open
    iterators stay on the old one, as a Go loop over the old map would.
    """

    __slots__ = ("ended", "engine", "iters", "new")

    def __init__(self, new: Callable[[int], Engine] | None = None,
                 engine: Engine | None = None) -> None:
        self.new = new
        self.engine: Any = engine
        self.iters: dict[Any, EngineIter] = {}
        self.ended: set[Any] = set()

    def apply(self, op: Op, elem: Any = None) -> Any:
        """Apply ``op``; return what Go would hand back: ``(ok, v)`` for ``GET``, the
        ``(key, elem)`` produced (or ``None`` at the end) for ``ITER`` and ``NEXT``,
        the number of entries produced for ``RANGE``, else ``None``. ``elem`` is the
        value a ``SET`` without one stores."""
        code = op[0]
        e = self.engine
        if code == SET:
            e.assign(op[1], op[2] if len(op) > 2 else elem)
        elif code == GET:
            return e.lookup(op[1])
        elif code == DEL:
            e.delete(op[1])
        elif code == RANGE:
            it = e.iterator()
            step = it.next
            n = 0
            while step() is not None:
                n += 1
            return n
        elif code == CLEAR:
            e.clear()
        elif code == ITER:
            it = self.iters[op[1]] = e.iterator()
            self.ended.discard(op[1])
            return self._step(op[1], it)
        elif code == NEXT:
            it = self.iters.get(op[1])
            if it is None:
                raise ValueError(f"no iterator {op[1]!r} is open")
            return self._step(op[1], it)
        elif code == STOP:
            self.iters.pop(op[1], None)
            self.ended.discard(op[1])
        elif code == MAKE:
            if self.new is None:
                raise ValueError("make: this replayer was given its engine")
            self.engine = self.new(op[1])
            self.iters.clear()
            self.ended.clear()
        elif code == CLONE:
            self.engine = e.clone()
        elif code == REBUILD:
            self.engine = self._rebuild(e)
        elif code != DUMP:
            raise ValueError(f"unknown operation {op!r}")
        return None

    def _rebuild(self, e: Any) -> Any:
        rebuild = getattr(e, "rebuild", None)
        if rebuild is not None:
            return rebuild()
        if self.new is None:
            raise ValueError("rebuild: this replayer cannot make a new map (no new=)")
        new = self.new(len(e))
        it = e.iterator()
        while (kv := it.next()) is not None:
            new.assign(kv[0], kv[1])
        return new

    def _step(self, ident: Any, it: EngineIter) -> Any:
        if ident in self.ended:
            return None
        kv = it.next()
        if kv is None:
            self.ended.add(ident)
        return kv


def run(engine: Engine, ops: Iterable[Op], subscribers: Iterable[Any] = ()
        ) -> Iterator[tuple[int, Op, Any]]:
    """Replay ``ops`` on ``engine`` (subscribing ``subscribers`` first), yielding
    ``(index, op, result)`` after each one."""
    for fn in subscribers:
        engine.subscribe(fn)
    r = Replayer(engine=engine)
    for i, op in enumerate(ops):
        yield i, op, r.apply(op)
