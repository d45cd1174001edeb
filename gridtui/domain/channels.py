"""Intake channels and the category catalogue's record type."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from gridtui.domain.colours import RiskColour


class Channel(StrEnum):
    """Where a ticket came from."""

    PATROL = "patrol"  # 网格排查: a grid worker's report from the mobile app
    CITIZEN_APP = "citizen_app"  # 群众上报: app / WeChat
    HOTLINE = "hotline"  # 12345 政务服务便民热线
    DEPARTMENT = "department"  # 部门提交
    LEADER = "leader"  # 领导交办

    @property
    def zh(self) -> str:
        """The Chinese name."""
        return _ZH[self]

    @property
    def en(self) -> str:
        """The English name."""
        return _EN[self]

    def label(self, lang: str) -> str:
        """The name in ``lang``."""
        return self.zh if lang.startswith("zh") else self.en


_ZH = {
    Channel.PATROL: "网格巡查",
    Channel.CITIZEN_APP: "群众上报",
    Channel.HOTLINE: "12345热线",
    Channel.DEPARTMENT: "部门移交",
    Channel.LEADER: "领导交办",
}
_EN = {
    Channel.PATROL: "Grid patrol",
    Channel.CITIZEN_APP: "Citizen app",
    Channel.HOTLINE: "12345 hotline",
    Channel.DEPARTMENT: "Dept referral",
    Channel.LEADER: "Leader assigned",
}


@dataclass(frozen=True, slots=True)
class Category:
    """One item of the service catalogue (e.g. 矛盾纠纷 / dispute mediation)."""

    code: str
    name_zh: str
    name_en: str
    function: str
    default_colour: RiskColour = RiskColour.BLUE
    is_dispute: bool = False
    department: str | None = None

    def label(self, lang: str) -> str:
        """The name in ``lang``."""
        return self.name_zh if lang.startswith("zh") else self.name_en
