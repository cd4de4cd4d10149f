""""What changes when I upgrade Go": one workload on several Go releases, with every
difference in bytes and growth events put down to the release rule that caused it.

For two releases of the same map design the differing rules (:data:`gomap.versions.RULES`)
are switched from the old release's value to the new one's one at a time, and the
workload is re-run after each switch: the change each step makes is that rule's
effect on this workload (a rule the workload never reaches changes nothing). After
the last switch the model *is* the new release, so the steps add up to the whole
difference — checked, and reported as a remainder if they ever did not. When the
design itself changes (Go 1.23 → 1.24: buckets → Swiss tables), that is the cause.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from gomap.sim.simulator import SimReport
from gomap.versions import GoBehaviour, Rule, differing_rules

FIGURES = ("live_bytes", "peak_live_bytes", "allocated_bytes", "allocations")
"""The figures whose differences are attributed."""

Runner = Callable[[str, GoBehaviour, bool], SimReport]
"""``run(impl, behaviour, final)``: simulate the workload (``final``: a run shown to the
user, with the rebuild account; otherwise an attribution step)."""


@dataclass
class Effect:
    """What one rule (or the design change) does to the workload."""

    cause: str
    """The rule's switch name, ``design`` or ``unattributed``."""
    rule: Rule | None
    deltas: dict[str, int]
    """new minus old for each of :data:`FIGURES`."""
    growth: dict[str, int]
    """new minus old count per growth event label (non-zero ones)."""

    @property
    def reached(self) -> bool:
        """Whether the workload reached the rule at all."""
        return any(self.deltas.values()) or bool(self.growth)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"cause": self.cause, "reached": self.reached,
                               **self.deltas, "growth": self.growth}
        if self.rule is not None:
            out.update(since=self.rule.since, go_source=self.rule.go_source,
                       summary=self.rule.summary)
        return out


@dataclass
class Upgrade:
    """From report ``old`` to report ``new``."""

    old: SimReport
    new: SimReport
    effects: list[Effect] = field(default_factory=list)

    @property
    def design_changed(self) -> bool:
        return self.old.impl != self.new.impl

    def totals(self) -> tuple[dict[str, int], dict[str, int]]:
        """The whole difference: figures and growth counts, new minus old."""
        return _diff(self.old, self.new)

    def as_dict(self) -> dict[str, Any]:
        d, g = self.totals()
        return {"from": {"go": self.old.go, "impl": self.old.impl},
                "to": {"go": self.new.go, "impl": self.new.impl},
                "design_changed": self.design_changed, "total": {**d, "growth": g},
                "effects": [e.as_dict() for e in self.effects]}


def _diff(a: SimReport, b: SimReport) -> tuple[dict[str, int], dict[str, int]]:
    deltas = {f: int(getattr(b, f)) - int(getattr(a, f)) for f in FIGURES}
    growth = {}
    for label in dict.fromkeys([*a.event_counts, *b.event_counts]):
        d = b.event_counts.get(label, 0) - a.event_counts.get(label, 0)
        if d:
            growth[label] = d
    return deltas, growth


def compare_releases(releases: list[GoBehaviour], impl: str | None,
                     run: Runner) -> tuple[list[SimReport], list[Upgrade]]:
    """Run the workload on each release (on ``impl``, or each release's default map
    design) and explain each step from one release to the next."""
    designs = []
    for b in releases:
        design = impl or b.default_impl
        b.check_impl(design)
        designs.append(design)
    reports = [run(d, b, True) for d, b in zip(designs, releases, strict=True)]
    upgrades = []
    for i in range(1, len(releases)):
        up = Upgrade(reports[i - 1], reports[i])
        old_b, new_b = releases[i - 1], releases[i]
        if designs[i - 1] != designs[i]:
            d, g = up.totals()
            up.effects.append(Effect("design", None, d, g))
        else:
            design = designs[i]
            prev = reports[i - 1]
            cur = old_b
            for rule in differing_rules(old_b, new_b, design):
                cur = replace(cur, **{rule.switch: getattr(new_b, rule.switch)})
                step = run(design, cur, False)
                d, g = _diff(prev, step)
                up.effects.append(Effect(rule.switch, rule, d, g))
                prev = step
            d, g = _diff(prev, reports[i])
            if any(d.values()) or g:
                # Not expected: every difference between releases is a switch.
                up.effects.append(Effect("unattributed", None, d, g))
        upgrades.append(up)
    return reports, upgrades


def _signed(n: int, unit: str = " B") -> str:
    return "0" if n == 0 else f"{n:+,}{unit}"


def _growth_text(g: dict[str, int]) -> str:
    return ", ".join(f"{label} {n:+d}" for label, n in g.items()) or "none"


def render_upgrades(console: Any, reports: list[SimReport], upgrades: list[Upgrade]) -> None:
    """Print the releases side by side, then each upgrade step rule by rule."""
    from rich.markup import escape
    from rich.panel import Panel
    from rich.table import Table
    from rich.text import Text

    from gomap.sim.report import layout_line, run_label, summary_table

    r0 = reports[0]
    console.print(Panel(
        Text.from_markup(f"[bold]{escape(f'map[{r0.key}]{r0.value}')}[/] — "
                         f"{escape(r0.workload or 'ops')}: {r0.ops:,} operations, "
                         + " vs ".join(f"Go {r.go}" for r in reports)),
        title="gomap compare --go", title_align="left"))
    for r in reports:
        console.print(Text(f"Go {r.go} ({r.impl}): {layout_line(r)}", style="dim"))
    console.print(summary_table(reports))
    for up in upgrades:
        t = Table(title=f"Go {up.old.go} → Go {up.new.go} ({run_label(up.new)}): what changed "
                  "and which rule did it", title_justify="left", header_style="bold")
        for col in ("cause", "live bytes", "peak live", "allocated", "growth events"):
            t.add_column(col, justify="left" if col in ("cause", "growth events") else "right")
        notes: list[str] = []
        unreached: list[str] = []
        for e in up.effects:
            if e.cause == "design":
                cause = f"map design {up.old.impl} → {up.new.impl} (Go 1.24)"
                notes.append(f"{cause}: internal/runtime/maps replaces runtime/map.go")
            elif e.rule is not None:
                if not e.reached:
                    unreached.append(f"{e.rule.switch} (Go {e.rule.since})")
                    continue
                cause = f"{e.rule.switch} (Go {e.rule.since})"
                notes.append(f"{e.rule.switch}: {e.rule.summary} — {e.rule.go_source}")
            else:
                cause = "unattributed"
                notes.append("unattributed: a difference no modelled rule explains")
            t.add_row(escape(cause), _signed(e.deltas["live_bytes"]),
                      _signed(e.deltas["peak_live_bytes"]), _signed(e.deltas["allocated_bytes"]),
                      escape(_growth_text(e.growth)))
        d, g = up.totals()
        t.add_row("[bold]total[/]", _signed(d["live_bytes"]), _signed(d["peak_live_bytes"]),
                  _signed(d["allocated_bytes"]), escape(_growth_text(g)))
        console.print(t)
        for line in notes:
            console.print(Text(f"  {line}", style="dim"))
        if unreached:
            console.print(Text("  not reached by this workload: " + ", ".join(unreached),
                               style="dim"))
        elif not up.effects:
            console.print(Text("  no map rule differs between these releases", style="dim"))
