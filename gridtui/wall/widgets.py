"""The wall's furniture: change-only text, big figures, fixed row lists, the header,
the outage banner and the rotation strip.

Everything here repaints only when what it shows has changed, and without a layout
pass where its size is fixed: a wall runs for weeks, often over a thin link, and every
repaint is bytes written to the terminal. None of these widgets takes focus or keys.
"""

from __future__ import annotations

from rich.console import RenderableType
from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.geometry import Size
from textual.widgets import Digits, Static

from gridtui.widgets.bigfont import big_text, big_width, can_draw

#: how each cell of a row is laid out: (content, width in cells or 0 for the rest, align)
Cell = tuple[Text, int, str]


def text_key(text: Text) -> tuple[object, ...]:
    """What decides how ``text`` looks (``Text.__eq__`` ignores the base style)."""
    return (text.plain, tuple(text.spans), str(text.style), text.justify)


def columns(*cells: Cell, gap: int = 2) -> Text:
    """One line of fixed-width columns (cut with an ellipsis, padded to the width);
    a width of 0 takes what is left, cut by the widget."""
    out = Text(no_wrap=True, overflow="ellipsis", end="")
    for i, (cell, width, align) in enumerate(cells):
        if i:
            out.append(" " * gap)
        part = cell.copy()
        pad = 0
        if width:
            part.truncate(width, overflow="ellipsis")
            pad = width - part.cell_len
        # the padding is plain: a styled cell (a red countdown) stays as wide as its text
        if align == "right":
            out.append(" " * pad)
        out.append_text(part)
        if align != "right":
            out.append(" " * pad)
    return out


class WallText(Static):
    """A :class:`Static` that ignores an update with the same content (no repaint).

    ``fixed``: the CSS gives its size, so a change repaints it without a layout pass.
    """

    DEFAULT_CSS = """
    WallText { text-wrap: nowrap; text-overflow: ellipsis; }
    """
    can_focus = False

    def __init__(self, *, fixed: bool = True, id: str | None = None, classes: str = "") -> None:
        super().__init__(id=id, classes=classes, markup=False)
        self.fixed = fixed
        self.shown = Text()
        self._key: tuple[object, ...] = text_key(self.shown)
        self.updates = 0  # repaints asked for, for tests

    def set(self, text: Text) -> bool:
        """Show ``text`` unless it is already shown; whether anything changed."""
        key = text_key(text)
        if key == self._key:
            return False
        self.shown, self._key = text, key
        self.updates += 1
        self.update(text, layout=not self.fixed)
        return True


class BigDigits(Digits):
    """A figure in the 3-line block font (:mod:`gridtui.widgets.bigfont`), bold, in
    an optional colour, centred; repainted only when the value changes. When its box
    is too narrow for the glyphs (an 80-column terminal, a six-digit count) or the
    value has a character the font lacks, it falls back to one bold line."""

    DEFAULT_CSS = """
    BigDigits { width: 1fr; height: 3; text-align: center; }
    """
    can_focus = False

    def __init__(self, value: str = "", *, tone: str = "", id: str | None = None) -> None:
        super().__init__(value, id=id)
        self.tone = tone

    def show(self, value: str, tone: str | None = None) -> None:
        """Display ``value`` (digits, ``.``, ``%``, ``:``) in ``tone`` (a Rich colour)."""
        if tone is not None and tone != self.tone:
            self.tone = tone
            self.refresh()
        if value != self.value:
            self.update(value)

    def update(self, value: str) -> None:
        """Show ``value``; a new width lays the box out again."""
        layout = big_width(value) != big_width(self.value)
        super().update(value)
        if layout:
            self.refresh(layout=True)

    def get_content_width(self, container: Size, viewport: Size) -> int:
        """As wide as the value in the big font."""
        return big_width(self.value) if can_draw(self.value) else len(self.value)

    def fits(self) -> bool:
        """Whether the glyphs fit the box (unknown before layout: assume they do)."""
        width = self.content_size.width
        return can_draw(self.value) and (not width or big_width(self.value) <= width)

    def render(self) -> RenderableType:
        """The 3-line glyphs, or the value in bold on the middle line."""
        style = self.rich_style + Style(bold=True)
        if self.tone:
            style += Style.parse(self.tone)
        if not self.fits():
            line = Text(self.value, style=style, justify="center", no_wrap=True)
            return Text("\n", end="") + line
        return big_text(self.value, style)


class BigFigure(Vertical):
    """A tile: its label in the border, a big figure, and a one-line note below
    (the note row shows only on tall screens: ``.-tall`` on an ancestor)."""

    DEFAULT_CSS = """
    BigFigure {
        width: 1fr;
        height: auto;
        border: round $primary-darken-1;
        border-title-align: center;
        padding: 0;
    }
    BigFigure.-alert { border: heavy $error; }
    BigFigure > .note { height: 1; text-align: center; color: $text-muted; display: none; }
    .-tall BigFigure > .note { display: block; }
    """
    can_focus = False

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.digits = BigDigits()
        self.note = WallText(classes="note")
        self.value_text = ""

    def compose(self) -> ComposeResult:
        """Figure and note."""
        yield self.digits
        yield self.note

    def set_value(
        self, label: str, value: str, note: str = "", *, alert: bool = False, tone: str = ""
    ) -> None:
        """Show ``value`` (already formatted) under ``label``; ``alert`` frames it red."""
        self.value_text = value
        if self.border_title != label:
            self.border_title = label
        self.set_class(alert, "-alert")
        self.digits.show(value, "bold red" if alert and not tone else tone)
        self.note.set(Text(note, justify="center"))


class RowList(Vertical):
    """A fixed number of one-line rows made once; :meth:`set_rows` repaints only the
    rows whose text changed (a countdown ticking repaints one row, not the list).
    Rows beyond the height are clipped, so they cost nothing on screen."""

    DEFAULT_CSS = """
    RowList { height: 1fr; overflow: hidden hidden; }
    RowList > WallText { height: 1; padding: 0 1; }
    """
    can_focus = False

    def __init__(self, capacity: int, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.capacity = capacity
        self.rows = [WallText() for _ in range(capacity)]

    def compose(self) -> ComposeResult:
        """The rows, empty."""
        yield from self.rows

    def set_rows(self, lines: list[Text]) -> int:
        """Show ``lines`` from the top (extra lines are dropped, missing ones blanked);
        how many rows were repainted."""
        changed = 0
        for i, row in enumerate(self.rows):
            changed += row.set(lines[i] if i < len(lines) else Text())
        return changed


class WallHeader(Horizontal):
    """Title and screen (or the alert, in red), the big clock, and the freshness."""

    DEFAULT_CSS = """
    WallHeader { height: 3; background: $panel; color: $foreground; }
    WallHeader #wall-brand { width: 1fr; height: 3; padding: 0 1; }
    WallHeader #wall-brand.-alert { background: $error; color: $text; text-style: bold; }
    WallHeader #wall-clock { width: auto; height: 3; padding: 0 2; }
    WallHeader #wall-fresh { width: 28; height: 3; padding: 0 1; }
    WallHeader #wall-fresh.-stale { background: $error; color: $text; text-style: bold; }
    """
    can_focus = False

    def __init__(self) -> None:
        super().__init__()
        self.brand = WallText(id="wall-brand")
        self.clock = BigDigits(id="wall-clock")
        self.fresh = WallText(id="wall-fresh")

    def compose(self) -> ComposeResult:
        """Brand, clock, freshness."""
        yield self.brand
        yield self.clock
        yield self.fresh

    def show(self, *, brand: Text, alert: bool, clock: str, fresh: Text, stale: bool) -> None:
        """Update whatever changed."""
        self.brand.set_class(alert, "-alert")
        self.brand.set(brand)
        self.clock.show(clock)
        self.fresh.set_class(stale, "-stale")
        self.fresh.set(fresh)


class OutageBanner(WallText):
    """The outage warning across the screen: hidden while the data is fresh."""

    DEFAULT_CSS = """
    OutageBanner {
        height: 3; padding: 0 2; display: none;
        background: $error; color: $text; text-style: bold; content-align: left middle;
    }
    """

    def show(self, text: Text | None) -> None:
        """Show ``text``, or hide the banner (``None``)."""
        visible = text is not None
        if text is not None:
            self.set(text)
        if self.display != visible:
            self.display = visible


class RotationStrip(Horizontal):
    """The screens in rotation (the current one marked) and the progress to the next."""

    DEFAULT_CSS = """
    RotationStrip { height: 1; background: $panel; color: $foreground; }
    RotationStrip #wall-screens { width: 1fr; height: 1; padding: 0 1; }
    RotationStrip #wall-progress { width: 38; height: 1; padding: 0 1; }
    RotationStrip #wall-progress.-paused { background: $warning; color: $background; }
    """
    can_focus = False

    def __init__(self) -> None:
        super().__init__()
        self.screens = WallText(id="wall-screens")
        self.progress = WallText(id="wall-progress")

    def compose(self) -> ComposeResult:
        """The screen list and the progress."""
        yield self.screens
        yield self.progress

    def show(self, *, screens: Text, progress: Text, paused: bool) -> None:
        """Update whatever changed."""
        self.screens.set(screens)
        self.progress.set_class(paused, "-paused")
        self.progress.set(progress)
