"""One module per screen. The names here are importable without loading Textual."""

#: the screens, in number-key order; the same names serve ``--screen``, the palette
#: and ``gridtui snapshot``
SCREEN_NAMES = ("overview", "queue", "risk", "sla", "scorecards", "ticket", "grids")
#: ``--theme`` choices
THEME_NAMES = ("dark", "light", "high-contrast", "ansi")
