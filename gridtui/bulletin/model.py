"""A bulletin's content, whatever its format: a title, the period and issuing lines,
numbered sections of paragraphs and tables, and a closing line.

Every value is already in the bulletin's language, and every piece of outside text
(a title, a name, a reason) is already cleaned of control characters and newlines
(:func:`gridtui.domain.text.shown_text`); each writer still escapes what its format
would read as markup. Table cells keep their type (a count, a rate 0..1, a score, a
local time) so that a workbook stores numbers as numbers and dates as dates; the
text writers format them with :mod:`gridtui.bulletin.numbers`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

#: how a column's (or a cell's) value is shown: ``text``; ``count`` (an int);
#: ``rate`` (0..1); ``score`` and ``points`` (floats, points signed); the changes
#: from the previous period: ``count_change``, ``rate_change`` (percentage points),
#: ``score_change``, ``rank_change`` (places gained); ``time`` (a local datetime);
#: ``id`` (a ticket number)
Kind = Literal[
    "text", "count", "rate", "score", "points", "count_change", "rate_change",
    "score_change", "rank_change", "time", "id",
]  # fmt: skip
Value = str | int | float | datetime | None


@dataclass(frozen=True, slots=True)
class Typed:
    """A cell whose kind differs from its column's (the headline's mixed rows)."""

    value: Value
    kind: Kind


Cell = Value | Typed


@dataclass(frozen=True, slots=True)
class Column:
    """A table column: its heading and how its values are shown."""

    heading: str
    kind: Kind = "text"


@dataclass(frozen=True, slots=True)
class Chart:
    """A chart of a table (the workbook draws it natively; text formats leave it out):
    bars of the ``values`` columns over the ``category`` column, for the rows
    ``first`` … ``last`` (0-based, inclusive; None: all rows)."""

    title: str
    category: int
    values: tuple[int, ...]
    first: int = 0
    last: int | None = None
    #: a horizontal bar per row (long names), else vertical columns
    horizontal: bool = False


@dataclass(frozen=True, slots=True)
class Table:
    """A captioned table; ``rows`` of cells in ``columns`` order."""

    caption: str
    columns: list[Column]
    rows: list[list[Cell]]
    charts: list[Chart] = field(default_factory=list)
    #: the columns a page-wide document prints (None: all); a workbook and Markdown
    #: keep every column
    narrow: tuple[int, ...] | None = None

    def printed(self) -> list[int]:
        """The columns a page-wide document prints."""
        return list(range(len(self.columns))) if self.narrow is None else list(self.narrow)


@dataclass(frozen=True, slots=True)
class Paragraph:
    """A paragraph of body text."""

    text: str


Block = Paragraph | Table


@dataclass(frozen=True, slots=True)
class Section:
    """One numbered section: ``number`` is ``一、`` / ``1.``, ``heading`` its words."""

    number: str
    heading: str
    blocks: list[Block]

    @property
    def label(self) -> str:
        """The numbered heading: ``一、总体情况``, ``1. Headline figures``."""
        sep = "" if self.number.endswith("、") else " "
        return f"{self.number}{sep}{self.heading}"

    @property
    def tables(self) -> list[Table]:
        """The section's tables, in order."""
        return [b for b in self.blocks if isinstance(b, Table)]


@dataclass(frozen=True, slots=True)
class Bulletin:
    """A whole bulletin (通报)."""

    lang: str
    title: str
    period_line: str
    #: who issues it, and the date line under it ("" when no date was given)
    issuer: str
    issued: str
    sections: list[Section]
    closing: str


def cell_value(cell: Cell) -> Value:
    """A cell's value."""
    return cell.value if isinstance(cell, Typed) else cell


def cell_kind(cell: Cell, column: Column) -> Kind:
    """How a cell is shown: its own kind, else its column's."""
    return cell.kind if isinstance(cell, Typed) else column.kind
