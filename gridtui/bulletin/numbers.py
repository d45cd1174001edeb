"""How the text formats (Markdown, Word) show a cell, and the workbook's number
formats for the same kinds: one table, so the three formats agree.

Rates come from the records (:func:`gridtui.domain.assessment.figures.rates_of`
computed them); here they are only shown: with one decimal, like the overview's
KPIs (``99.7%``), because a whole percentage would round 99.6 % up to 100 %.
"""

from __future__ import annotations

import unicodedata
from datetime import datetime

from gridtui.bulletin.model import Kind, Value
from gridtui.bulletin.words import say

#: the workbook's number format of each kind (the text ones have none)
EXCEL_FORMATS: dict[str, str] = {
    "count": "#,##0",
    "rate": "0.0%",
    "score": "0.00",
    "points": "+0.00;-0.00;0.00",
    "count_change": "+#,##0;-#,##0;0",
    "score_change": "+0.00;-0.00;0.00",
    "rank_change": '"↑"0;"↓"0;0',
    "time": "yyyy-mm-dd hh:mm",
    "id": '"#"0',
}


def excel_format(kind: Kind, lang: str) -> str | None:
    """The workbook's number format for ``kind`` (None: text)."""
    if kind == "rate_change":
        unit = say("pp", lang, value="").replace('"', "")
        return f'+0.0"{unit}";-0.0"{unit}";0.0"{unit}"'
    return EXCEL_FORMATS.get(kind)


def rate_text(rate: float | None) -> str:
    """A rate as a percentage with one decimal (``99.7%``), ``—`` without one."""
    return "—" if rate is None else f"{rate:.1%}"


def count_text(n: int | None) -> str:
    """A count with thousands separators."""
    return "—" if n is None else f"{n:,}"


def _signed(value: float, decimals: int) -> str:
    text = f"{value:+,.{decimals}f}"
    zero = f"{0:.{decimals}f}"
    return zero if text[1:] == zero else text


def show(value: Value, kind: Kind, lang: str) -> str:
    """``value`` as the text formats show a cell of ``kind``."""
    if value is None:
        return "—"
    if isinstance(value, datetime):
        return f"{value:%Y-%m-%d %H:%M}"
    if isinstance(value, str):
        return value
    return _number(value, kind, lang)


def _number(value: float, kind: Kind, lang: str) -> str:
    if kind == "rate":
        return rate_text(value)
    if kind == "id":
        return f"#{int(value)}"
    if kind in ("score",):
        return f"{value:.2f}"
    if kind in ("points", "score_change"):
        return _signed(value, 2)
    if kind == "count_change":
        return _signed(value, 0)
    if kind == "rate_change":
        return say("pp", lang, value=_signed(value, 1))
    if kind == "rank_change":
        n = int(value)
        return f"↑{n}" if n > 0 else f"↓{-n}" if n < 0 else say("same", lang)
    if isinstance(value, int):
        return count_text(value)
    return f"{value:,.2f}"


#: the kinds shown right-aligned (numbers)
NUMERIC: frozenset[str] = frozenset(EXCEL_FORMATS) - {"time"} | {"rate_change"}


def text_width(text: str) -> int:
    """Columns ``text`` takes in a table: two for each wide (CJK) character."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
