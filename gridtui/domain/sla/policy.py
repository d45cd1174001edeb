"""What ``sla.toml`` says, parsed: the clocks of each :class:`Policy`, their
:class:`Thresholds`, and the :class:`SlaConfig` that picks a ticket's policy
(:meth:`SlaConfig.policy_for`: the most specific match of its colour, category,
channel and assignee kind). Pure code; the parsing is :mod:`.config`'s.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from gridtui.domain.calendars import Calendar
from gridtui.domain.callback import LoopRules
from gridtui.domain.reports import ReportRules

#: holder kinds a policy's ``assignee`` may name (see :mod:`gridtui.domain.handling`)
ASSIGNEES = ("worker", "department", "community", "street", "district", "centre")


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Shares of a clock's budget at which it turns warning and critical."""

    warning: float = 0.5
    critical: float = 0.8


@dataclass(frozen=True, slots=True)
class ClockSpec:
    """One clock of a policy."""

    name: str
    label_zh: str
    label_en: str
    duration: timedelta
    calendar: str
    starts: frozenset[str]
    stops: frozenset[str]
    thresholds: Thresholds
    escalate_on_breach: bool = False
    resolution: bool = False

    def label(self, lang: str) -> str:
        """The name in ``lang``."""
        return self.label_zh if lang.startswith("zh") else self.label_en


@dataclass(frozen=True, slots=True)
class Policy:
    """A set of clocks and the tickets it applies to (``None``: any)."""

    name: str
    clocks: tuple[ClockSpec, ...]
    colours: frozenset[str] | None = None
    categories: tuple[str, ...] | None = None
    channels: frozenset[str] | None = None
    assignee: str | None = None

    @property
    def specificity(self) -> int:
        """How many match keys constrain this policy."""
        keys = (self.colours, self.categories, self.channels, self.assignee)
        return sum(k is not None for k in keys)

    @property
    def resolution_clock(self) -> ClockSpec | None:
        """The clock whose deadline is the ticket's due date."""
        return next((c for c in self.clocks if c.resolution), None)

    def matches(self, colour: str, category: str, channel: str, assignee: str | None) -> bool:
        """Whether a ticket of this kind falls under the policy."""
        if self.colours is not None and colour not in self.colours:
            return False
        if self.channels is not None and channel not in self.channels:
            return False
        if self.assignee is not None and assignee != self.assignee:
            return False
        if self.categories is not None:
            return any(_category_match(p, category) for p in self.categories)
        return True


def _category_match(pattern: str, category: str) -> bool:
    if pattern.endswith(".*"):
        return category.startswith(pattern[:-1])
    return category == pattern


@dataclass(frozen=True)
class SlaConfig:
    """A parsed ``sla.toml``."""

    thresholds: Thresholds
    calendars: dict[str, Calendar]
    policies: tuple[Policy, ...]
    daily_report: ReportRules = field(default_factory=ReportRules)
    loop: LoopRules = field(default_factory=LoopRules)
    _chosen: dict[tuple[str, str, str, str | None], Policy] = field(
        default_factory=dict, compare=False, repr=False
    )

    def policy_for(self, colour: str, category: str, channel: str, assignee: str | None) -> Policy:
        """The policy of a holder of kind ``assignee``: among the policies naming that
        kind, the most specific match; when none names it, the most specific match
        among the policies without ``assignee`` (ties: the first in the file)."""
        key = (colour, category, channel, assignee)
        chosen = self._chosen.get(key)
        if chosen is None:
            chosen = self._choose(colour, category, channel, assignee)
            if len(self._chosen) < 65_536:
                self._chosen[key] = chosen
        return chosen

    def _choose(self, colour: str, category: str, channel: str, assignee: str | None) -> Policy:
        for own in (True, False):
            best: Policy | None = None
            for policy in self.policies:
                if (policy.assignee is not None) != own:
                    continue
                if policy.matches(colour, category, channel, assignee) and (
                    best is None or policy.specificity > best.specificity
                ):
                    best = policy
            if best is not None:
                return best
        raise AssertionError("parse_sla_config guarantees a catch-all policy")
