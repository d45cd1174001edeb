"""The five risk colours (红橙黄蓝绿) and the SLA states' styles, per theme: one home.

Each theme has its own five colours, chosen so that any two differ by CIEDE2000 ≥ 20
in truecolour and stay five distinct colours when a terminal maps them down to 256
or to the 16 ANSI colours (``TERM=linux``): red → bright red, orange → ANSI yellow
(brown on a console), yellow → bright yellow, blue → bright blue, green → green.
Only 红 is bold: a console shows bold as bright, which would merge orange into
yellow. The ``ansi`` theme names ANSI colours only, so the terminal's own palette
draws them. Without colour (``NO_COLOR``) 红 is the loudest (bold, reversed), never
the faintest grey; every chip prints its name beside the swatch in any case.

Late is not a risk colour: a breached clock is reversed text in the plain
foreground with its own mark (:data:`OVERDUE_MARK`) and the word 超 / over.

The app calls :func:`activate` whenever its theme changes; renderers read
:func:`risk_style` and :func:`state_style` (tests: :data:`PALETTES`).
"""

from __future__ import annotations

from dataclasses import dataclass

#: the mark before every overdue time (with the word 超 / over after it)
OVERDUE_MARK = "‼"
#: the colours, most urgent first
ORDER = ("red", "orange", "yellow", "blue", "green")


@dataclass(frozen=True, slots=True)
class Palette:
    """Five risk colours (Rich colour names or ``#rrggbb``) and the state styles."""

    colours: dict[str, str]
    #: the style of 红 / RED beyond its colour
    red_extra: str = "bold"
    #: SLA clock states (超时, 临期 …): never a risk colour
    states: dict[str, str] | None = None

    def risk(self, colour: str) -> str:
        """The Rich style of a risk colour ("" for an unknown one)."""
        value = self.colours.get(colour)
        if value is None:
            return ""
        extra = self.red_extra if colour == "red" else ""
        return f"{extra} {value}".strip()

    def state(self, state: str) -> str:
        """The Rich style of an SLA clock state."""
        return (self.states or STATES).get(state, "")


STATES = {
    "breached": "bold reverse",
    "critical": "bold underline",
    "warning": "bold",
    "ok": "",
    "met": "dim",
    "pending": "dim",
}
#: without colour: 红 bold and reversed (the loudest), late reversed and underlined
NO_COLOUR_STATES = dict(STATES, breached="reverse underline", critical="bold")

PALETTES: dict[str, Palette] = {
    "textual-dark": Palette(
        {
            "red": "#ff4d4d",
            "orange": "#e68a00",
            "yellow": "#ffeb66",
            "blue": "#4da6ff",
            "green": "#3ccf6e",
        }
    ),
    "textual-light": Palette(
        {
            "red": "#b80f0a",
            "orange": "#f2711c",
            "yellow": "#a08000",
            "blue": "#1d5fd0",
            "green": "#138a36",
        }
    ),
    "gridtui-high-contrast": Palette(
        {
            "red": "#ff2020",
            "orange": "#ee9400",
            "yellow": "#ffff00",
            "blue": "#4d9fff",
            "green": "#00e040",
        }
    ),
    "ansi-dark": Palette(
        {
            "red": "bright_red",
            "orange": "yellow",
            "yellow": "bright_yellow",
            "blue": "bright_blue",
            "green": "green",
        }
    ),
}
#: NO_COLOR: no colour at all; 红 reversed, 橙 underlined, 黄 bold, 蓝 and 绿 plain
NO_COLOUR = Palette(
    {"red": "", "orange": "bold underline", "yellow": "bold", "blue": "", "green": ""},
    red_extra="bold reverse",
    states=NO_COLOUR_STATES,
)

_active: list[Palette] = [PALETTES["textual-dark"]]


def palette_for(theme: str, *, no_color: bool = False) -> Palette:
    """The palette of ``theme`` (the dark one for a theme without its own)."""
    if no_color:
        return NO_COLOUR
    return PALETTES.get(theme, PALETTES["textual-dark"])


def activate(theme: str, *, no_color: bool = False) -> Palette:
    """Make ``theme``'s palette the one every renderer reads; returns it."""
    _active[0] = palette_for(theme, no_color=no_color)
    return _active[0]


def active() -> Palette:
    """The palette in use."""
    return _active[0]


def risk_style(colour: str) -> str:
    """The active style of a risk colour."""
    return _active[0].risk(colour)


def state_style(state: str) -> str:
    """The active style of an SLA clock state."""
    return _active[0].state(state)
