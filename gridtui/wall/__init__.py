"""The wall display (``gridtui wall``): the app is :mod:`gridtui.wall.app`, what it
alerts on :mod:`gridtui.wall.alerts`; its screens are :mod:`gridtui.wall.base` (the
frame), :mod:`gridtui.wall.overview` and :mod:`gridtui.wall.boards`, drawn with the
widgets of :mod:`gridtui.wall.widgets`; :mod:`gridtui.wall.output` writes only what
changed to the terminal.

The names here are importable without loading Textual (the CLI parses with them).
"""

#: the wall's screens, in default rotation order
WALL_SCREENS = ("overview", "risk", "sla", "scorecards")
#: every screen a wall can show (``--screens``): the default ones and the map
WALL_CHOICES = (*WALL_SCREENS, "map")
#: what an alert may do: ring the terminal bell, flash the header
ALERT_MODES = ("bell", "flash")
#: seconds on each screen by default
DEFAULT_ROTATE = 20.0

__all__ = ["ALERT_MODES", "DEFAULT_ROTATE", "WALL_CHOICES", "WALL_SCREENS"]
