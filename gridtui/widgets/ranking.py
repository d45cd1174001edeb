"""The assessment ranking's columns: which fit a width, how wide each is, and a row's
cells (for :class:`~gridtui.widgets.rank_table.RankTable`, which makes only the rows
that show).

Widths come from the extremes of each figure over the rows (one pass of ``max``),
not from drawing every cell: a city has ten thousand workers.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.cells import cell_len
from rich.text import Text

from gridtui.data.sources.records import AssessmentRow
from gridtui.i18n import tr
from gridtui.widgets.assessment import (
    change_text,
    move_text,
    num,
    rate_text,
    score_text,
    signed,
    trend_values,
)
from gridtui.widgets.figures import spark
from gridtui.widgets.render import safe

#: the ranking's columns, in the order they stand
COLUMNS: tuple[str, ...] = (
    "rank", "move", "name", "score", "change", "intake", "closure", "on_time", "overdue",
    "breaches", "reopen", "satisfaction", "reports", "adjust", "trend",
)  # fmt: skip
#: the order columns are given room in: what an 80-column terminal must keep first;
#: ``+name`` is where the name gets its whole width (when it was given less before)
PRIORITY: tuple[str, ...] = (
    "rank", "name", "score", "change", "move", "closure", "on_time", "+name", "intake",
    "overdue", "satisfaction", "breaches", "reopen", "reports", "adjust", "trend",
)  # fmt: skip
#: a name is never cut below this many cells, nor given more than NAME_MAX
NAME_MIN = 10
NAME_MAX = 28
#: cells a table adds around each column (a blank before, two between)
CELL_PAD = 2
#: the widest a rate is drawn ("100.0%")
RATE_WIDTH = 6


def header(column: str, level: str, lang: str) -> str:
    """A column's header in ``lang`` (the name's is the level: 街道, 网格员 …)."""
    return tr(f"assess.level.{level}", lang) if column == "name" else tr(f"acol.{column}", lang)


def cells(row: AssessmentRow, lang: str) -> dict[str, Text]:
    """Every column's cell for ``row``."""
    f, r = row.figures, row.rates
    adjusted = f.adjustments != 0
    return {
        "rank": num(str(row.rank), "bold"),
        "move": move_text(row, lang),
        "name": safe(row.label(lang)),
        "score": score_text(row.score),
        "change": change_text(row),
        "intake": num(f"{f.intake:,}"),
        "closure": rate_text(r.closure),
        "on_time": rate_text(r.on_time),
        "overdue": num(f"{f.overdue_now:,}", "bold" if f.overdue_now else "dim"),
        "breaches": num(f"{f.breaches:,}", "bold" if f.breaches else "dim"),
        "reopen": rate_text(r.reopen),
        "satisfaction": rate_text(r.satisfaction),
        "reports": rate_text(r.reports),
        "adjust": num(signed(f.adjustments, 1) if adjusted else "—", "" if adjusted else "dim"),
        "trend": Text(spark(trend_values(row)), style="cyan", no_wrap=True),
    }


def _widest(texts: list[str]) -> int:
    return max((cell_len(t) for t in texts), default=1)


def natural_widths(rows: Sequence[AssessmentRow], lang: str) -> dict[str, int]:
    """Each column's widest cell over ``rows``, from the extremes of its figure."""
    if not rows:
        return dict.fromkeys(COLUMNS, 1)
    moves = [r.rank_change for r in rows]
    known = [m for m in moves if m is not None]
    scores = [r.score for r in rows]
    changes = [c for c in (r.score_change for r in rows) if c is not None]
    adjustments = [r.figures.adjustments for r in rows]
    return {
        "rank": len(str(max(r.rank for r in rows))),
        "move": _widest(
            ["—", f"↑{max(known, default=0)}", f"↓{-min(known, default=0)}"]
            + ([tr("assess.new", lang)] if None in moves else [])
        ),
        "name": max(cell_len(r.label(lang)) for r in rows),
        "score": _widest([f"{min(scores):.2f}", f"{max(scores):.2f}"]),
        "change": _widest(
            ["—", *(signed(c) for c in (min(changes, default=0), max(changes, default=0)))]
        ),
        "intake": len(f"{max(r.figures.intake for r in rows):,}"),
        "closure": RATE_WIDTH,
        "on_time": RATE_WIDTH,
        "overdue": len(f"{max(r.figures.overdue_now for r in rows):,}"),
        "breaches": len(f"{max(r.figures.breaches for r in rows):,}"),
        "reopen": RATE_WIDTH,
        "satisfaction": RATE_WIDTH,
        "reports": RATE_WIDTH,
        "adjust": _widest(["—", signed(min(adjustments), 1), signed(max(adjustments), 1)]),
        "trend": max(len(r.history) for r in rows) + 1,
    }


def fit_columns(widths: dict[str, int], room: int) -> tuple[list[str], int]:
    """The columns that fit ``room`` cells (in :data:`COLUMNS` order), given each
    column's width, and the width the name gets: columns are taken in
    :data:`PRIORITY` order while they fit, the name first with at least
    :data:`NAME_MIN` cells (its whole width when less), then (at ``+name``) with its
    whole width up to :data:`NAME_MAX` if that fits; rank and name always show."""
    name_full = min(widths["name"], NAME_MAX)
    name = min(name_full, NAME_MIN)
    chosen: set[str] = set()
    used = 1  # the blank before the first column
    for column in PRIORITY:
        if column == "+name":
            grow = min(name_full - name, max(0, room - used))
            name, used = name + grow, used + grow
            continue
        need = (name if column == "name" else widths[column]) + CELL_PAD
        if used + need <= room or column in ("rank", "name"):
            chosen.add(column)
            used += need
    name += min(name_full - name, max(0, room - used))
    return [c for c in COLUMNS if c in chosen], name


def ranking_columns(
    rows: Sequence[AssessmentRow], level: str, lang: str, room: int
) -> list[tuple[str, str, int]]:
    """The columns ((key, header, width)) of a ranking of ``rows`` in ``room`` cells."""
    widths = natural_widths(rows, lang)
    for column in COLUMNS:
        widths[column] = max(widths[column], cell_len(header(column, level, lang)))
    shown, name = fit_columns(widths, room)
    widths["name"] = max(name, cell_len(header("name", level, lang)))
    return [(c, header(c, level, lang), widths[c]) for c in shown]


def row_cells(row: AssessmentRow, lang: str, columns: Sequence[str]) -> list[Text]:
    """``row``'s cells for ``columns`` (a name longer than its column ends in "…"
    where the table cuts it)."""
    made = cells(row, lang)
    return [made[c] for c in columns]
