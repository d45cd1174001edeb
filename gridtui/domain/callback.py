"""The resident in the loop (回访): the callback result that ``feedback`` records.

After a matter is resolved the centre calls the resident back: satisfied (满意),
basically satisfied (基本满意), not satisfied (不满意), or not reached (未联系上).
The satisfaction rate counts the residents reached: (satisfied + basically
satisfied) / reached. Pure code.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from gridtui.domain.tomlconf import ConfTable


class Satisfaction(StrEnum):
    """A callback's result, as stored in the ``feedback`` step's target."""

    SATISFIED = "satisfied"
    BASIC = "basic"
    UNSATISFIED = "unsatisfied"
    UNREACHED = "unreached"

    @property
    def reached(self) -> bool:
        """Whether the resident was reached at all."""
        return self is not Satisfaction.UNREACHED

    @property
    def content(self) -> bool:
        """Satisfied or basically satisfied."""
        return self in (Satisfaction.SATISFIED, Satisfaction.BASIC)

    def label(self, lang: str) -> str:
        """The name in ``lang``."""
        return (_ZH if lang.startswith("zh") else _EN)[self]

    @classmethod
    def parse(cls, text: str | None) -> Satisfaction:
        """A result from its value or its Chinese name.

        Raises:
            ValueError: anything else, listing what is accepted.
        """
        value = (text or "").strip()
        for s in cls:
            if value in (s.value, _ZH[s], _EN[s].lower(), _EN[s]):
                return s
        accepted = ", ".join(f"{s.value} ({_ZH[s]})" for s in cls)
        raise ValueError(f"expected a callback result: {accepted}; got {text!r}")


_ZH = {
    Satisfaction.SATISFIED: "满意",
    Satisfaction.BASIC: "基本满意",
    Satisfaction.UNSATISFIED: "不满意",
    Satisfaction.UNREACHED: "未联系上",
}
_EN = {
    Satisfaction.SATISFIED: "Satisfied",
    Satisfaction.BASIC: "Basically satisfied",
    Satisfaction.UNSATISFIED: "Not satisfied",
    Satisfaction.UNREACHED: "Not reached",
}


def satisfaction_rate(results: Iterable[Satisfaction | str | None]) -> float | None:
    """(satisfied + basically satisfied) / residents reached; ``None`` when nobody was."""
    reached = content = 0
    for r in results:
        if r is None:
            continue
        s = Satisfaction(r)
        if s.reached:
            reached += 1
            content += s.content
    return content / reached if reached else None


@dataclass(frozen=True, slots=True)
class LoopRules:
    """The closed loop's rules (``[loop]`` in ``sla.toml``).

    ``inspection``: category patterns (``"*"``, ``"safety.*"``, ``"dispute.wages"``)
    whose tickets need on-site inspection (查验, ``arrive``) before ``resolve``; a
    category's own ``inspection`` flag, when set, overrides them.
    ``unsatisfied_reopens``: a callback 不满意 reopens the ticket (else it only blocks
    acceptance until a later callback is content).
    """

    inspection: tuple[str, ...] = ()
    unsatisfied_reopens: bool = True

    def inspection_required(self, category: str, category_flag: bool | None = None) -> bool:
        """Whether a ticket of ``category`` must be inspected on site before it is resolved."""
        if category_flag is not None:
            return category_flag
        return any(category_matches(p, category) for p in self.inspection)


def category_matches(pattern: str, category: str) -> bool:
    """``"*"`` matches any category, ``"safety.*"`` a family, anything else exactly."""
    if pattern == "*":
        return True
    if pattern.endswith(".*"):
        return category.startswith(pattern[:-1])
    return category == pattern


def parse_loop_rules(table: ConfTable) -> LoopRules:
    """The ``[loop]`` table of ``sla.toml`` (absent: no inspection required, 不满意 reopens).

    Raises:
        ConfigError: naming the key and what was expected.
    """
    table.only("inspection", "unsatisfied_reopens")
    reopen = table.data.get("unsatisfied_reopens", True)
    if not isinstance(reopen, bool):
        table.fail(f"expected true or false, got {reopen!r}", "unsatisfied_reopens")
    inspection = tuple(table.texts("inspection")) if "inspection" in table.data else ()
    return LoopRules(inspection, reopen)
