"""Risk colours (五色管控): red > orange > yellow > blue > green."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum


class RiskColour(StrEnum):
    """A risk level. Compare by :attr:`rank`: higher is more urgent."""

    RED = "red"
    ORANGE = "orange"
    YELLOW = "yellow"
    BLUE = "blue"
    GREEN = "green"

    @property
    def rank(self) -> int:
        """5 for red down to 1 for green."""
        return _RANK[self]

    @property
    def zh(self) -> str:
        """The Chinese name, e.g. 红."""
        return _ZH[self]

    @property
    def en(self) -> str:
        """The English name in capitals, e.g. RED (readable without colour)."""
        return self.value.upper()

    def label(self, lang: str) -> str:
        """The name in ``lang`` ("zh" or "en")."""
        return self.zh if lang.startswith("zh") else self.en

    @classmethod
    def by_severity(cls) -> list[RiskColour]:
        """All colours, most urgent first."""
        return sorted(cls, key=lambda c: -c.rank)

    @classmethod
    def parse(cls, value: str) -> RiskColour:
        """Read a colour from its English or Chinese name (``red``, ``RED``, ``红``, ``红色``).

        Raises:
            ValueError: naming the value and the accepted names.
        """
        v = value.strip()
        key = v.lower()
        for colour in cls:
            if key == colour.value or v in (colour.zh, colour.zh + "色"):
                return colour
        names = ", ".join(f"{c.value}/{c.zh}" for c in cls)
        raise ValueError(f"unknown risk colour {value!r}; expected one of {names}")

    # Severity order, not alphabetical (str's comparisons would say blue < green < red).
    def __lt__(self, other: object) -> bool:
        if not isinstance(other, RiskColour):
            return NotImplemented
        return self.rank < other.rank

    def __gt__(self, other: object) -> bool:
        if not isinstance(other, RiskColour):
            return NotImplemented
        return self.rank > other.rank

    def __le__(self, other: object) -> bool:
        if not isinstance(other, RiskColour):
            return NotImplemented
        return self.rank <= other.rank

    def __ge__(self, other: object) -> bool:
        if not isinstance(other, RiskColour):
            return NotImplemented
        return self.rank >= other.rank


_RANK = {
    RiskColour.RED: 5,
    RiskColour.ORANGE: 4,
    RiskColour.YELLOW: 3,
    RiskColour.BLUE: 2,
    RiskColour.GREEN: 1,
}
#: the colours' names, most urgent first
_SEVERITY = ("red", "orange", "yellow", "blue", "green")
_ZH = {
    RiskColour.RED: "红",
    RiskColour.ORANGE: "橙",
    RiskColour.YELLOW: "黄",
    RiskColour.BLUE: "蓝",
    RiskColour.GREEN: "绿",
}


def worst_colour(*counts: Mapping[str, int]) -> str | None:
    """The most urgent colour present in any of ``counts`` (things counted by colour:
    open tickets, registered entities …), None when none is: the colour an area is
    shown in on the risk board and the map."""
    for colour in _SEVERITY:
        if any(c.get(colour) for c in counts):
            return colour
    return None


def risk_rank_key(*counts: Mapping[str, int]) -> tuple[int, ...]:
    """How areas are ranked by risk, most at risk first (sort ascending by this key).

    ``counts`` count things by colour (open tickets, registered entities …), taken
    together: an area with more red comes first, ties go to more orange, then yellow,
    blue and green. So the worst colour present leads (the order agrees with the
    "worst" column), and one red outranks any number of orange: counts, not a
    weighted score (红 is what the duty officer acts on).
    """
    return tuple(
        -sum(int(c.get(colour.value, 0)) for c in counts) for colour in RiskColour.by_severity()
    )
