"""Drawing the assessment records (考核评估): a rank and its move, a score and its
change, rates with the counts behind them, the parts of a score, the city's totals
(the ranking's columns: :mod:`gridtui.widgets.ranking`).

Everything here shows what a record says: the rates, scores, ranks and their changes
come computed from the data source (:mod:`gridtui.domain.assessment`); nothing is
derived again.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.cells import cell_len
from rich.text import Text

from gridtui.data.sources.records import Assessment, AssessmentRow
from gridtui.domain.assessment.figures import Figures, Rates, ScorePart
from gridtui.i18n import CATALOG, tr
from gridtui.widgets.figures import spark
from gridtui.widgets.render import safe

UP, DOWN = "green", "red"


def num(text: str, style: str = "") -> Text:
    """A right-aligned figure."""
    return Text(text, style=style, justify="right")


def rate_text(value: float | None) -> Text:
    """A rate as ``96.5%`` (``—`` without a base)."""
    return num("—", "dim") if value is None else num(f"{value:.1%}")


def score_text(score: float | None, style: str = "bold") -> Text:
    """A score to two decimals (``—`` when there is none)."""
    return num("—", "dim") if score is None else num(f"{score:.2f}", style)


def signed(value: float, decimals: int = 2) -> str:
    """``+1.25`` / ``−0.50`` / ``0.00`` (a true minus sign)."""
    text = f"{abs(value):.{decimals}f}"
    return f"+{text}" if value > 0 else f"−{text}" if value < 0 else text


def move_text(row: AssessmentRow, lang: str) -> Text:
    """Places gained since the previous period: ``↑2`` / ``↓1`` / ``—`` / ``新``."""
    change = row.rank_change
    if change is None:
        return num(tr("assess.new", lang), "bold")
    if change > 0:
        return num(f"↑{change}", UP)
    if change < 0:
        return num(f"↓{-change}", DOWN)
    return num("—", "dim")


def change_text(row: AssessmentRow) -> Text:
    """The score's change from the previous period (``—`` when not assessed then)."""
    change = row.score_change
    if change is None:
        return num("—", "dim")
    return num(signed(change), UP if change > 0 else DOWN if change < 0 else "dim")


def trend_values(row: AssessmentRow) -> list[float | None]:
    """The row's scores, oldest first, this period's last."""
    return [*row.history, row.score]


def score_line(row: AssessmentRow) -> Text:
    """``86.25 +1.20``: the score and its change."""
    out = score_text(row.score)
    out.justify = None
    out.append(" ")
    out.append_text(change_text(row))
    out.justify = None
    return out


def rank_text(row: AssessmentRow, ranked: int, lang: str) -> Text:
    """``第 3 名 / 12 ↑2``: the rank among the ``ranked`` of its level, and its move."""
    out = Text(tr("assess.rank_of", lang, rank=row.rank, n=ranked) + " ")
    out.append_text(move_text(row, lang))
    out.justify = None
    return out


def previous_text(row: AssessmentRow, lang: str) -> Text:
    """``上期 85.05 · 第 5 名`` (or: not assessed then)."""
    if row.previous_score is None or row.previous_rank is None:
        return Text(tr("assess.previous_none", lang), style="dim")
    score = f"{row.previous_score:.2f}"
    return Text(tr("assess.previous", lang, score=score, rank=row.previous_rank))


def row_line(row: AssessmentRow | None, ranked: int, lang: str, *, loaded: bool) -> Text:
    """The selected row on one line: name, score and change, trend, rank, previous."""
    line = Text(no_wrap=True, overflow="ellipsis")
    if row is None:
        line.append(tr("assess.empty", lang) if loaded else "", style="dim")
        return line
    line.append_text(safe(row.label(lang), style="bold"))
    line.append(" ")
    line.append_text(score_line(row))
    line.append(f" {spark(trend_values(row))}", style="cyan")
    line.append(" · ")
    line.append_text(rank_text(row, ranked, lang))
    line.append(" · ")
    line.append_text(previous_text(row, lang))
    return line


def totals_text(assessment: Assessment, lang: str) -> Text:
    """The city's figures for the period (the bulletin's headline), on one line."""
    f, r = assessment.totals, assessment.totals_rates
    out = Text(no_wrap=True, overflow="ellipsis")
    out.append(tr("assess.totals", lang) + " ", style="bold")
    items = [
        ("acol.intake", f"{f.intake:,}"),
        ("acol.closure", rate_text(r.closure).plain),
        ("acol.on_time", rate_text(r.on_time).plain),
        ("acol.overdue", f"{f.overdue_now:,}"),
        ("acol.breaches", f"{f.breaches:,}"),
        ("acol.reopen", rate_text(r.reopen).plain),
        ("acol.satisfaction", rate_text(r.satisfaction).plain),
        ("acol.reports", rate_text(r.reports).plain),
    ]
    out.append(" · ".join(f"{tr(key, lang)} {value}" for key, value in items))
    return out


# -- the figures behind a score ------------------------------------------------------------


def indicator_label(indicator: str, lang: str) -> str:
    """An indicator's name (办结率, 抽查加减分 …); an unknown one by its key."""
    key = f"ind.{indicator}"
    return tr(key, lang) if key in CATALOG else tr("ind.other", lang, name=indicator)


def part_cells(part: ScorePart, lang: str) -> list[Text]:
    """(indicator, value, weight, points) of one part of a score. The spot-check part
    has no weight: its value is the adjustments' sum, added as they are."""
    label = Text(indicator_label(part.indicator, lang))
    if part.value is None:
        return [label, num(tr("assess.no_data", lang), "dim"), num("—", "dim"), num("0.00", "dim")]
    if not part.weight:
        value = num(signed(part.value, 1) if part.value else "0")
        return [label, value, num("—", "dim"), num(signed(part.points), "bold")]
    return [
        label,
        num(f"{part.value:.1f}"),
        num(f"{part.weight:.1%}"),
        num(f"{part.points:.2f}", "bold"),
    ]


def parts_lines(parts: Sequence[ScorePart], lang: str) -> Text:
    """The parts of a score, one a line, aligned: ``办结率  83.3 × 25.0% = 20.83``
    (``抽查加减分 +1.5 = +1.50``; an indicator without data says so)."""
    labels = [indicator_label(p.indicator, lang) for p in parts]
    pad = max((cell_len(label) for label in labels), default=0)
    out = Text(no_wrap=True, overflow="ellipsis")
    for i, (part, label) in enumerate(zip(parts, labels, strict=True)):
        if i:
            out.append("\n")
        out.append(label + " " * (pad - cell_len(label) + 1))
        if part.value is None:
            out.append(tr("assess.no_data", lang), style="dim")
        elif not part.weight:  # the spot checks: their sum, added as it is
            out.append(f"{signed(part.value, 1):>5}{'':9} = ")
            out.append(f"{signed(part.points):>6}", style="bold")
        else:
            out.append(f"{part.value:5.1f} × {part.weight:6.1%} = ")
            out.append(f"{part.points:6.2f}", style="bold")
    return out


#: the rows of the figures table: a count (a Figures field) or a rate (a Rates field,
#: after the counts it divides)
FIGURE_ROWS: tuple[tuple[str, str], ...] = (
    ("count", "intake"), ("count", "closed"), ("rate", "closure"),
    ("count", "closed_with_deadline"), ("count", "on_time"), ("rate", "on_time"),
    ("count", "closed_in_period"), ("count", "reopened"), ("rate", "reopen"),
    ("count", "callbacks"), ("count", "satisfied"), ("rate", "satisfaction"),
    ("count", "reports_due"), ("count", "reports_filed"), ("rate", "reports"),
    ("count", "overdue_now"), ("count", "overdue_at_end"), ("count", "breaches"),
    ("count", "adjustment_count"), ("count", "adjustments"), ("count", "points"),
)  # fmt: skip
#: the catalogue key of a rate row (a count row's is ``fig.<field>``)
RATE_LABELS = {
    "closure": "fig.closure",
    "on_time": "fig.on_time_rate",
    "reopen": "fig.reopen",
    "satisfaction": "fig.satisfaction",
    "reports": "fig.reports",
}


def figure_label(kind: str, name: str, lang: str) -> str:
    """The label of a row of :data:`FIGURE_ROWS`."""
    return tr(RATE_LABELS[name] if kind == "rate" else f"fig.{name}", lang)


def figure_text(kind: str, name: str, figures: Figures | None, rates: Rates | None) -> Text:
    """One figure of a record (``—`` when there is no record)."""
    if figures is None or rates is None:
        return num("—", "dim")
    if kind == "rate":
        return rate_text(getattr(rates, name))
    value = getattr(figures, name)
    if name in ("adjustments", "points"):
        return num(signed(value, 2) if name == "adjustments" and value else f"{value:,.2f}")
    return num(f"{value:,}")
