"""What each internal event means: the narration of :data:`gomap.events.EVENTS`.

Every event an engine emits is narrated from its :class:`gomap.events.EventSpec`:
a one-line title, a sentence saying what happened, the rule that fired with its
numbers (``count+1 = 14 > 6.5 × 2^1 = 13 → hashGrow (doubling)``), and the Go
function with its file and line in the pinned release (classic: Go 1.23.9
``runtime/map.go``; Swiss: Go 1.27.3 ``internal/runtime/maps``). The texts live in
the event table; this module renders them.

A spec's ``capture`` reads a few engine fields at the moment of the event (values
the event does not carry, e.g. the old-bucket mask during a growth); its ``rule``
and ``detail`` get the details, the captured values and the op's counters before
(``pre``) and after (``post``) as one :class:`Ctx`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from gomap.events import EVENTS, Ctx, EventSpec, Text

__all__ = ["CLASSIC", "CLASSIC_GO", "GO_FILES", "GO_VERSION", "SWISS", "SWISS_GO", "TABLES",
           "Ctx", "Narration", "event_kinds", "narrate", "narration"]

from gomap.versions import pinned_release

CLASSIC_GO = "go" + pinned_release("classic")
SWISS_GO = "go" + pinned_release("swiss")

GO_FILES = {"classic": "runtime/map.go", "swiss": "internal/runtime/maps/"}

GO_VERSION = {"classic": CLASSIC_GO, "swiss": SWISS_GO}


@dataclass(frozen=True)
class Narration:
    """One event's narration: title, detail sentence, rule, and where it lives in Go
    (in the pinned release), read off its :class:`~gomap.events.EventSpec`."""

    spec: EventSpec
    release: str
    """The pinned Go release (``"1.23.9"``) whose lines are cited."""

    @property
    def title(self) -> str:
        return self.spec.title

    @property
    def detail(self) -> Text:
        return self.spec.detail

    @property
    def rule(self) -> Text | None:
        return self.spec.rule

    @property
    def capture(self) -> Callable[[Any], dict[str, Any]] | None:
        return self.spec.capture

    @property
    def kind(self) -> str:
        """The page's "jump to next …" family (grow, split, prune, …); empty: none."""
        return self.spec.kind

    @property
    def go_func(self) -> str:
        return self.spec.go.func

    @property
    def go_file(self) -> str:
        """``path:line`` of the Go function in the pinned release."""
        return self.spec.go.where(self.release)

    @property
    def go_by(self) -> Callable[[dict[str, Any]], tuple[str, str]] | None:
        """When the Go function depends on the details: ``details -> (func, file:line)``."""
        if not self.spec.go_by_reason:
            return None

        def go_by(d: dict[str, Any]) -> tuple[str, str]:
            site = self.spec.go_site(d)
            return site.func, site.where(self.release)

        return go_by


TABLES: dict[str, dict[str, Narration]] = {}
for (_impl, _event), _spec in EVENTS.items():
    TABLES.setdefault(_impl, {})[_event] = Narration(_spec, GO_VERSION[_impl].removeprefix("go"))

CLASSIC = TABLES["classic"]
SWISS = TABLES["swiss"]


def narration(impl: str, event: str) -> Narration | None:
    """The row narrating ``event`` of engine ``impl``, or None for an unknown event."""
    return TABLES[impl].get(event)


def narrate(impl: str, event: str, ctx: Ctx) -> dict[str, Any]:
    """``{title, detail, rule, go}`` for one event (an unknown event is named as is)."""
    row = narration(impl, event)
    if row is None:
        return {"title": event, "detail": "", "rule": None, "go": None}
    spec = row.spec
    go: dict[str, str] | None
    if spec.go_by_reason:
        site = spec.go_site(ctx.d)
        go = {"func": site.func, "file": site.where(row.release), "version": GO_VERSION[impl]}
    else:
        go = _GO_CACHE.get((impl, event))
        if go is None:
            go = _GO_CACHE[(impl, event)] = {"func": row.go_func, "file": row.go_file,
                                             "version": GO_VERSION[impl]}
    return {
        "title": spec.title,
        "detail": spec.detail(ctx),
        "rule": spec.rule(ctx) if spec.rule is not None else None,
        "go": go,
    }


_GO_CACHE: dict[tuple[str, str], dict[str, str]] = {}


def event_kinds(impl: str) -> dict[str, str]:
    """Event name → its jump family (only events that have one)."""
    return {e: r.kind for e, r in TABLES[impl].items() if r.kind}
