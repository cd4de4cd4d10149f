"""One validated request for a run: the map's types, the workload, the Go release.

``gomap simulate``, ``compare``, ``trace`` and ``viz`` parse their flags, then ask
:meth:`SimRequest.from_options` for a request; everything the flags can get wrong
is checked here, in the order a user meets it (the ops file's header, the types,
the counts, the workload, the release), and raised as
:class:`~gomap.errors.RequestError` with the message the command prints (exit 2).
The command then hands the request to the simulator (:meth:`SimRequest.run`), the
release comparison, the tracer or the page builder.

The Go toolchain is needed only for named types (``types``, ``time.Time``); the ops
file is read exactly once, as the run consumes it (so a pipe or ``-`` works).
"""

from __future__ import annotations

import itertools
import os
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from gomap.errors import RequestError

if TYPE_CHECKING:
    from gomap.sim.simulator import SimReport
    from gomap.versions import GoBehaviour

__all__ = [
    "HOST_BYTES_PER_ENTRY",
    "RequestError",
    "SimRequest",
    "Workload",
    "check_memory",
    "check_types",
    "load_types",
    "make_workload",
    "read_header",
]

HOST_BYTES_PER_ENTRY = 150
"""About what the simulator itself holds per live entry: peak RSS over entries of
``fill:n=1e6`` and ``fill:n=2e5`` with int64, string and interface keys, either backend,
measured at 88-150 B; the largest is used."""


def _available_memory() -> int | None:
    """Bytes of memory available to this process now (Linux's MemAvailable), else the
    machine's physical memory, else None."""
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (OSError, ValueError, AttributeError):
        return None


def _size(n: float) -> str:
    for unit, div in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= div:
            return f"{n / div:,.1f} {unit}"
    return f"{n:,.0f} B"


def check_memory(what: str, max_live: int, available: int | None = None) -> None:
    """Refuse a workload whose live entries cannot fit in this machine's memory,
    saying why (:data:`HOST_BYTES_PER_ENTRY` per entry against what is available)."""
    avail = _available_memory() if available is None else available
    need = max_live * HOST_BYTES_PER_ENTRY
    if avail is not None and need > avail:
        raise RequestError(
            f"{what} holds up to {max_live:,} entries at once: simulating it needs about "
            f"{_size(need)} of memory (about {HOST_BYTES_PER_ENTRY} B per live entry), and "
            f"{_size(avail)} is available. Simulate fewer entries: the map's bytes grow "
            f"in proportion (see the bytes per entry in a smaller run's report).")


# --- types ------------------------------------------------------------------------------
def read_header(ops: str | None, warn: Callable[[str], None]) -> dict[str, str]:
    """The ``#@`` header of the ops file ``ops`` (empty for a pipe, which is read once,
    or no file); ``warn`` is told, loudly, of a recording with lost events or one that
    started after the map held entries."""
    from gomap.sim.ops import OpsFileError, read_ops_header

    hdr: dict[str, str] = {}
    if isinstance(ops, str) and ops.strip() and os.path.isfile(ops):
        try:
            hdr = read_ops_header(ops)
        except OpsFileError as e:
            raise RequestError(str(e), located=True) from None
    lost = hdr.get("events-lost", "0")
    if lost not in ("", "0"):
        warn(f"{ops}: WARNING: this recording LOST {lost} events (the kernel ring buffer "
             f"overflowed while gomap record ran): the replay is missing operations and "
             f"its figures are not the program's")
    if hdr.get("initial-len", "0") not in ("", "0"):
        warn(f"{ops}: WARNING: the map held {hdr['initial-len']} entries before the "
             f"recording began; the replay starts from an empty map")
    return hdr


def load_types(paths: Sequence[str]) -> None:
    """Register the named types of these Go packages (``--types DIR|FILE.go``)."""
    if not paths:
        return
    from gomap.layout.named import NamedTypeError
    from gomap.layout.named import load_types as load

    for path in paths:
        try:
            load(path)
        except NamedTypeError as e:
            raise RequestError(str(e)) from None


def check_types(key: str, value: str, types: Sequence[str] = ()) -> None:
    """Load ``types``, then check that ``map[key]value`` is a Go map type."""
    from gomap.layout.maplayout import map_layout
    from gomap.layout.types import GoTypeError

    load_types(types)
    try:
        map_layout(key, value)
    except GoTypeError as e:
        raise RequestError(str(e)) from None


# --- the workload -----------------------------------------------------------------------
@dataclass(frozen=True)
class Workload:
    """What a run replays: ``ops()`` gives a fresh iterator of operations (the first
    one ``make``), ``total`` how many there are when known (a pattern), ``name``
    how reports call it."""

    ops: Callable[[], Iterator[Any]]
    total: int | None
    name: str


def make_workload(key: str, *, ops: str | None = None, pattern: str | None = None,
                  hint: int | None = None, runs: int = 1,
                  on_empty: Callable[[str], None] | None = None) -> Workload:
    """The workload of an ops file (``ops``; ``-`` is standard input) or a built-in
    ``pattern`` (default ``default``), for ``runs`` runs. An ops file is read exactly
    once, as the run consumes it; a bad line stops the run with its error.
    ``on_empty`` is told (once) when the ops file has no operations."""
    from gomap.layout.types import GoTypeError, parse_key_type
    from gomap.sim.ops import (
        MAKE,
        MAX_INT,
        KeyDomain,
        OpsFileError,
        open_ops_reader,
        ops_file_lines,
        parse_ops_lines,
    )

    try:
        domain = KeyDomain(parse_key_type(key))
    except GoTypeError as e:
        raise RequestError(f"--key: {e}") from None
    if ops is not None and pattern is not None:
        raise RequestError("give either --ops FILE or --pattern, not both")
    if hint is not None and not 0 <= hint <= MAX_INT:
        raise RequestError(f"--hint must be from 0 to {MAX_INT:,} (math.MaxInt), not {hint}")
    if ops is not None:
        path = ops
        if not path.strip():
            raise RequestError("--ops: the file name is empty (use - for standard input)")
        if path != "-" and not os.path.exists(path):
            raise RequestError(f"{path}: cannot read the file: No such file or directory",
                               located=True)
        name = "<stdin>" if path == "-" else path
        warned = [False]  # the empty-file warning is given once, not once per run

        def warn_empty() -> None:
            if not warned[0] and on_empty is not None:
                on_empty(f"{name} has no operations (empty, or only comments and make): "
                         "the report is of an empty map")
            warned[0] = True

        if runs == 1 or (path != "-" and os.path.isfile(path)):
            # Read as the run goes, by the C reader where it is built (a regular file
            # is simply read again by a later run).
            def read() -> Any:
                try:
                    it = open_ops_reader(path, domain)
                    first = next(it, None)
                    lead = []
                    if first is not None and first[0] == MAKE:
                        if hint is not None:
                            raise RequestError(
                                f"{name} starts with make; drop --hint or the make line")
                        lead.append(first)
                        first = next(it, None)
                    else:
                        lead.append((MAKE, hint or 0))
                except OpsFileError as e:
                    raise RequestError(str(e), located=True) from None
                if first is None:
                    warn_empty()
                    return iter(lead)
                lead.append(first)
                if hasattr(it, "unread"):  # the C reader: the loop runs on it directly
                    for op in reversed(lead):
                        it.unread(op)
                    return it
                return itertools.chain(lead, it)

            return Workload(read, None, f"ops file {name}")
        # A pipe read by several runs (compare, --seeds K): the first run spools the
        # lines it reads for the later ones.
        spool: Any = tempfile.TemporaryFile("w+", encoding="utf-8") if runs > 1 else None  # noqa: SIM115  (closed when collected)
        used = [False]

        def source() -> Any:
            if not used[0]:
                used[0] = True
                for line in ops_file_lines(path):
                    if spool is not None:
                        spool.write(line if line.endswith("\n") else line + "\n")
                    yield line
                return
            if spool is None:
                raise RequestError(f"{name}: an ops file is read once; it cannot be replayed")
            spool.seek(0)
            yield from spool

        def streamed() -> Any:
            try:
                it = parse_ops_lines(source(), domain, name)
                first = next(it, None)
                if first is not None and first[0] == MAKE:
                    if hint is not None:
                        raise RequestError(
                            f"{name} starts with make; drop --hint or the make line")
                    yield first
                    first = next(it, None)
                else:
                    yield (MAKE, hint or 0)
                if first is None:
                    warn_empty()
                    return
                yield first
                yield from it
            except OpsFileError as e:
                raise RequestError(str(e), located=True) from None

        return Workload(streamed, None, f"ops file {name}")
    if pattern is not None and not pattern.strip():
        raise RequestError("--pattern: the pattern is empty (e.g. --pattern fill:n=1000)")
    from gomap.sim.workloads import WorkloadError, parse_pattern

    try:
        w = parse_pattern(pattern or "default")
        if hint is not None:
            w.hint = hint
        w.check(domain)
    except WorkloadError as e:
        raise RequestError(f"--pattern: {e}") from None
    check_memory(f"--pattern {w.spec()}", w.max_live())
    return Workload(lambda: w.ops(domain), w.total, w.spec())


# --- the release ------------------------------------------------------------------------
def parse_releases(text: str) -> list[GoBehaviour]:
    """The Go releases of ``--go A[,B...]``."""
    from gomap.versions import UnsupportedGoVersion, parse_go_list

    try:
        return parse_go_list(text)
    except UnsupportedGoVersion as e:
        raise RequestError(f"--go: {e}") from None


def resolve_release(go: str | None, impl: str | None) -> tuple[str, GoBehaviour | None]:
    """(engine, Go release) of ``--impl`` and ``--go`` (one release): without ``go``,
    ``impl`` or the default engine; with it, ``impl`` or the release's default map."""
    from gomap.engines import DEFAULT_ENGINE
    from gomap.versions import UnsupportedGoVersion

    if not go:
        return impl or DEFAULT_ENGINE, None
    rels = parse_releases(go)
    if len(rels) != 1:
        raise RequestError(f"--go takes one release here, not {go!r}")
    chosen = impl or rels[0].default_impl
    try:
        rels[0].check_impl(chosen)
    except UnsupportedGoVersion as e:
        raise RequestError(str(e)) from None
    return chosen, rels[0]


# --- the request ------------------------------------------------------------------------
@dataclass(frozen=True)
class SimRequest:
    """A checked request for the simulator.

    ``impl``: the engine (``None`` for a comparison of every engine, or of each
    release's default map); ``release``: the one Go release modelled (``None``: the
    engine's pinned one); ``releases``: the Go releases a comparison walks through
    (empty: compare the engines); ``seeds``: runs with hash seeds ``seed``,
    ``seed + 1``, ...; ``samples``: timeline points kept."""

    key: str
    value: str
    workload: Workload
    impl: str | None = None
    release: GoBehaviour | None = None
    releases: tuple[GoBehaviour, ...] = ()
    seed: int = 1
    seeds: int = 1
    samples: int = 1000

    @classmethod
    def from_options(
        cls,
        *,
        key: str | None = None,
        value: str | None = None,
        types: Sequence[str] = (),
        ops: str | None = None,
        pattern: str | None = None,
        hint: int | None = None,
        impl: str | None = None,
        go: str | None = None,
        seed: int = 1,
        seeds: int = 1,
        samples: int = 1000,
        compare: bool = False,
        header: bool = True,
        warn: Callable[[str], None] | None = None,
        on_empty: Callable[[str], None] | None = None,
        check_outputs: Callable[[], None] | None = None,
    ) -> SimRequest:
        """Check the options of a run and build its request, or raise
        :class:`RequestError` at the first problem.

        ``key`` / ``value`` not given: the ops file's header (``header``), else
        ``int64``. ``compare``: a comparison (two runs; ``go`` then lists two or more
        releases, and ``impl`` needs ``go``). ``warn``: where the header's warnings
        go; ``on_empty``: told when the ops file holds no operation;
        ``check_outputs``: the caller's checks of its output files, run after the
        counts and before the workload is read."""
        hdr = read_header(ops, warn or (lambda msg: None)) if header else {}
        key = key if key is not None else hdr.get("key", "int64")
        value = value if value is not None else hdr.get("value", "int64")
        check_types(key, value, types)
        if seeds < 1:
            raise RequestError("--seeds must be at least 1")
        if samples < 2:
            raise RequestError("--samples must be at least 2")
        if check_outputs is not None:
            check_outputs()
        workload = make_workload(key, ops=ops, pattern=pattern, hint=hint,
                                 runs=2 if compare else seeds, on_empty=on_empty)
        if not compare:
            chosen, release = resolve_release(go, impl)
            return cls(key, value, workload, chosen, release, (), seed, seeds, samples)
        if not go:
            if impl:
                raise RequestError(
                    "--impl needs --go A,B (compare one engine across Go releases)")
            return cls(key, value, workload, None, None, (), seed, seeds, samples)
        rels = parse_releases(go)
        if len(rels) < 2:
            raise RequestError(
                "--go needs two or more releases to compare, e.g. --go 1.24,1.27")
        return cls(key, value, workload, impl, None, tuple(rels), seed, seeds, samples)

    def run(self, impl: str | None = None, *, seed: int | None = None,
            release: GoBehaviour | None = None, rebuild: bool = True,
            progress: Callable[[int], None] | None = None) -> SimReport:
        """One simulation of this request: on ``impl`` (default the request's), with
        hash seed ``seed`` (default the request's), modelling ``release`` (default
        the request's). A bad ops line met during the run raises :class:`RequestError`."""
        from gomap.sim.ops import OpsFileError
        from gomap.sim.simulator import simulate

        engine = impl or self.impl
        if engine is None:
            raise ValueError("SimRequest.run: name the engine of a comparison's run")
        try:
            return simulate(engine, self.key, self.value, self.workload.ops(),
                            total=self.workload.total, workload=self.workload.name,
                            seed=self.seed if seed is None else seed,
                            samples=self.samples,
                            go=self.release if release is None else release,
                            rebuild=rebuild, progress=progress)
        except OpsFileError as e:  # a bad line met during the run (the C reader's)
            raise RequestError(str(e), located=True) from None
