"""The one list of the top-level screens and of the themes: what a person can pick.

Adding a screen is one line here (and its module): the app's modes and number keys,
the command palette's screen commands, ``--screen`` (``gridtui tui``, ``gridtui
snapshot``) and the catalogue's ``screen.<name>`` labels are all built from
:data:`SCREENS`; the themes (``--theme``, the ``t`` key, the palette, the
``theme.<name>`` labels) from :data:`THEMES`.

Importable without loading Textual (the CLI parses with it; the app loads the classes).
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module
from typing import Any


@dataclass(frozen=True, slots=True)
class ScreenEntry:
    """One top-level screen."""

    #: the mode name, the ``--screen`` choice and the catalogue key ``screen.<name>``
    name: str
    #: the key that shows it
    key: str
    #: where its class is: ``module:Class``
    target: str
    #: its title in Chinese and in English
    zh: str
    en: str

    def load(self) -> type[Any]:
        """The screen class (imports its module)."""
        module, _, cls = self.target.partition(":")
        loaded: type[Any] = getattr(import_module(module), cls)
        return loaded


@dataclass(frozen=True, slots=True)
class ThemeEntry:
    """One theme."""

    #: the ``--theme`` choice and the catalogue key ``theme.<name>``
    name: str
    #: the Textual theme it is
    textual: str
    #: its name for people in Chinese and in English
    zh: str
    en: str


#: the screens, in number-key order
SCREENS = (
    ScreenEntry("overview", "1", "gridtui.screens.overview:OverviewScreen", "总览", "Overview"),
    ScreenEntry("queue", "2", "gridtui.screens.queue:QueueScreen", "工单队列", "Queue"),
    ScreenEntry("risk", "3", "gridtui.screens.risk:RiskScreen", "五色风险", "Risk board"),
    ScreenEntry("sla", "4", "gridtui.screens.sla:SlaScreen", "时限监控", "SLA board"),
    ScreenEntry(
        "scorecards", "5", "gridtui.screens.scorecards:ScorecardsScreen", "考核积分", "Scorecards"
    ),
    ScreenEntry("ticket", "6", "gridtui.screens.ticket:TicketScreen", "工单详情", "Ticket"),
    ScreenEntry("grids", "7", "gridtui.screens.grids:GridsScreen", "网格树", "Grid browser"),
    ScreenEntry(
        "assessment", "8", "gridtui.screens.assessment:AssessmentScreen", "考核评估", "Assessment"
    ),
    ScreenEntry("map", "9", "gridtui.screens.map:MapScreen", "民情地图", "Map"),
)
#: their names, in number-key order
SCREEN_NAMES = tuple(s.name for s in SCREENS)

#: the themes, in the order the ``t`` key cycles through them
THEMES = (
    ThemeEntry("dark", "textual-dark", "深色", "dark"),
    ThemeEntry("light", "textual-light", "浅色", "light"),
    ThemeEntry("high-contrast", "gridtui-high-contrast", "高对比度", "high contrast"),
    ThemeEntry("ansi", "ansi-dark", "终端 16 色", "terminal 16 colours"),
)
#: ``--theme`` name → Textual theme
TEXTUAL_THEMES = {t.name: t.textual for t in THEMES}
#: the ``--theme`` choices
THEME_NAMES = tuple(TEXTUAL_THEMES)
