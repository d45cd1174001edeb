"""A bulletin's content from the records: the title and period lines, the headline
figures against the previous period, and one ranking section per level; the lists
of the bulletin facts are :mod:`gridtui.bulletin.lists`.

Every figure and rate is the records' own (the domain computed them); the only
arithmetic here is a change from the previous period (this minus that), and what
to name and list (``[bulletin]`` of ``assessment.toml``: :class:`BulletinLayout`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from gridtui.bulletin.lists import fact_sections, local, outside
from gridtui.bulletin.model import (
    Block,
    Bulletin,
    Cell,
    Chart,
    Column,
    Kind,
    Paragraph,
    Section,
    Table,
)
from gridtui.bulletin.model import Typed as T
from gridtui.bulletin.numbers import count_text, rate_text
from gridtui.bulletin.words import MONTHS_EN, level_label, say, section_number
from gridtui.data.sources.records import (
    Assessment,
    AssessmentRow,
    BulletinFacts,
    Reference,
)
from gridtui.domain.assessment.config import BulletinLayout
from gridtui.i18n import tr

#: the levels whose rows name the place one level up (a community's street …)
_WITH_PARENT = ("community", "grid", "worker")


@dataclass(frozen=True, slots=True)
class Inputs:
    """What a bulletin is made of: the records and how to lay them out."""

    reference: Reference
    tz: tzinfo
    lang: str
    layout: BulletinLayout
    headline: Assessment
    rankings: list[Assessment]
    facts: BulletinFacts
    #: when it is issued (the date under the issuer; None: no date)
    issued: datetime | None = None


def compose(i: Inputs) -> Bulletin:
    """The bulletin of ``i``."""
    lang, a = i.lang, i.headline
    city = _city(i.reference, lang)
    period = period_label(a, i.tz, lang)
    parts: list[tuple[str, list[Block]]] = [
        (say("section.headline", lang), headline_blocks(a, lang))
    ]
    for ranked in i.rankings:
        heading = say("section.ranking", lang, level=level_label(ranked.level, lang))
        parts.append((heading, ranking_blocks(ranked, i.reference, i.layout, lang)))
    parts += fact_sections(i.facts, i.reference, i.tz, i.layout, lang)
    sections = [Section(section_number(n, lang), h, b) for n, (h, b) in enumerate(parts, 1)]
    return Bulletin(
        lang=lang,
        title=say("title", lang, city=city, period=period)
        if city
        else say("title.no_city", lang, period=period),
        period_line=period_line(a, i.tz, lang),
        issuer=say("issuer", lang, city=city) if city else say("issuer.no_city", lang),
        issued=date_text(local(i.issued, i.tz).date(), lang) if i.issued else "",
        sections=sections,
        closing=say("closing", lang),
    )


def _city(ref: Reference, lang: str) -> str:
    root = ref.nodes.get(ref.root_id) if ref.root_id is not None else None
    return outside(root.label(lang)) if root is not None else ""


def date_text(day: date, lang: str) -> str:
    """``2026年11月1日`` / ``1 November 2026``."""
    return say("date", lang, year=day.year, month=day.month, day=day.day,
               month_name=MONTHS_EN[day.month - 1])  # fmt: skip


def period_label(a: Assessment, tz: tzinfo, lang: str) -> str:
    """``2026年11月`` / ``November 2026``, ``2026年第48周`` / ``week 48 of 2026``."""
    start = local(a.start, tz).date()
    if a.period == "week":
        year, _, week = a.period_key.partition("-W")
        return say("period.week", lang, year=year, week=int(week or 0))
    if a.period == "month":
        return say("period.month", lang, year=start.year, month=start.month,
                   month_name=MONTHS_EN[start.month - 1])  # fmt: skip
    return say("period.year", lang, year=start.year)


def period_line(a: Assessment, tz: tzinfo, lang: str) -> str:
    """The period's first and last days, and "so far" while it runs."""
    first = local(a.start, tz).date()
    last = local(a.end - timedelta(microseconds=1), tz).date()
    line = say("period.line", lang, start=date_text(first, lang), end=date_text(last, lang))
    if not a.closed:
        at = local(a.at, tz)
        line += say("period.so_far", lang, at=f"{date_text(at.date(), lang)} {at:%H:%M}")
    return line


# -- the headline ----------------------------------------------------------------------


def headline_blocks(a: Assessment, lang: str) -> list[Block]:
    """The headline sentence and the table of this period against the previous."""
    f, r = a.totals, a.totals_rates
    text = say("headline.text", lang, intake=count_text(f.intake), closure=rate_text(r.closure),
               on_time=rate_text(r.on_time), overdue=count_text(f.overdue_at_end),
               breaches=count_text(f.breaches), reopen=rate_text(r.reopen),
               satisfaction=rate_text(r.satisfaction), reports=rate_text(r.reports))  # fmt: skip
    pf, pr = a.previous_totals, a.previous_rates
    counts = [
        ("ind.intake", f.intake, pf.intake if pf else None),
        ("ind.overdue", f.overdue_at_end, pf.overdue_at_end if pf else None),
        ("ind.breaches", f.breaches, pf.breaches if pf else None),
    ]
    rates = [
        ("ind.closure", r.closure, pr.closure if pr else None),
        ("ind.on_time", r.on_time, pr.on_time if pr else None),
        ("ind.reopen", r.reopen, pr.reopen if pr else None),
        ("ind.satisfaction", r.satisfaction, pr.satisfaction if pr else None),
        ("ind.reports", r.reports, pr.reports if pr else None),
    ]
    rows: list[list[Cell]] = [
        [say(key, lang), now, before, None if before is None else now - before]
        for key, now, before in counts
    ]
    for key, rate, prev in rates:
        change = None if rate is None or prev is None else round((rate - prev) * 100, 2)
        rows.append([say(key, lang), T(rate, "rate"), T(prev, "rate"), T(change, "rate_change")])
    columns = [Column(say("col.indicator", lang)), Column(say("col.this", lang), "count"),
               Column(say("col.previous", lang), "count"),
               Column(say("col.change", lang), "count_change")]  # fmt: skip
    charts = [
        Chart(say("chart.counts", lang), 0, (1, 2), 0, len(counts) - 1),
        Chart(say("chart.rates", lang), 0, (1, 2), len(counts), len(rows) - 1),
    ]
    blocks: list[Block] = [Paragraph(text)]
    if pf is None:
        blocks.append(Paragraph(say("headline.no_previous", lang)))
    blocks.append(Table(say("headline.caption", lang), columns, rows, charts))
    return blocks


# -- rankings --------------------------------------------------------------------------


def ranking_blocks(a: Assessment, ref: Reference, layout: BulletinLayout, lang: str) -> list[Block]:
    """A level's ranking: how many were assessed, the first and last places named, and
    the whole table when it is short (``full_table_max``), else its top and bottom."""
    level = level_label(a.level, lang)
    rows = sorted(a.rows, key=lambda r: (r.rank, r.code))
    n = len(rows)
    if n == 0:
        return [Paragraph(say("rank.none", lang, level=level))]
    count_key = "rank.count.worker" if a.level == "worker" else "rank.count"
    sentences = [say(count_key, lang, level=level, n=count_text(n))]
    first = rows[: max(layout.top, 0)]
    last = rows[max(len(first), n - max(layout.bottom, 0)) :]
    if first:
        sentences.append(say("rank.first", lang, names=_named(first, lang)))
    if last:
        sentences.append(say("rank.last", lang, names=_named(last, lang)))
    blocks: list[Block] = [Paragraph(("" if lang == "zh" else " ").join(sentences))]
    shown = rows
    if n > max(layout.full_table_max, layout.top + layout.bottom):
        shown = rows[: layout.top] + rows[n - layout.bottom :]
        blocks.append(
            Paragraph(say("rank.cut", lang, n=count_text(n), top=layout.top, bottom=layout.bottom))
        )
    blocks.append(_ranking_table(a.level, shown, ref, lang))
    return blocks


def _named(rows: list[AssessmentRow], lang: str) -> str:
    names = [
        say("rank.named", lang, name=outside(r.label(lang)), score=f"{r.score:.2f}") for r in rows
    ]
    return say("rank.sep", lang).join(names)


#: a ranking's columns: (heading: this catalogue's key, or "i18n:" the screens'; kind;
#: printed on a page-wide document). The workbook and Markdown keep them all.
_RANKING_COLUMNS: tuple[tuple[str, Kind, bool], ...] = (
    ("i18n:col.rank", "count", True), ("col.name", "text", True),
    ("i18n:col.code", "text", False), ("col.parent", "text", True),
    ("col.score", "score", True), ("col.score_change", "score_change", True),
    ("col.rank_change", "rank_change", True), ("col.intake", "count", True),
    ("col.closure", "rate", True), ("i18n:col.on_time", "rate", True),
    ("col.overdue", "count", True), ("col.breaches", "count", False),
    ("col.reopen", "rate", False), ("i18n:col.satisfied", "rate", True),
    ("i18n:col.reports", "rate", False), ("col.adjustments", "points", False),
)  # fmt: skip


def _ranking_cells(r: AssessmentRow, ref: Reference, lang: str) -> list[Cell]:
    f, rates = r.figures, r.rates
    return [r.rank, outside(r.label(lang)), outside(r.code),
            outside(ref.node_label(r.parent_id, lang)), r.score, r.score_change,
            r.rank_change, f.intake, rates.closure, rates.on_time, f.overdue_at_end, f.breaches,
            rates.reopen, rates.satisfaction, rates.reports, f.adjustments]  # fmt: skip


def _ranking_table(level: str, rows: list[AssessmentRow], ref: Reference, lang: str) -> Table:
    # streets and departments have no parent column
    keep = [i for i, (key, _, _) in enumerate(_RANKING_COLUMNS)
            if key != "col.parent" or level in _WITH_PARENT]  # fmt: skip
    columns = []
    for i in keep:
        key, kind, _ = _RANKING_COLUMNS[i]
        heading = tr(key[5:], lang) if key.startswith("i18n:") else say(key, lang)
        columns.append(Column(heading, kind))
    table_rows = [
        [cells[i] for i in keep] for cells in (_ranking_cells(r, ref, lang) for r in rows)
    ]
    score = next(n for n, i in enumerate(keep) if _RANKING_COLUMNS[i][0] == "col.score")
    chart = Chart(say("chart.scores", lang, level=level_label(level, lang)), 1, (score,),
                  horizontal=True)  # fmt: skip
    narrow = tuple(n for n, i in enumerate(keep) if _RANKING_COLUMNS[i][2])
    return Table("", columns, table_rows, [chart], narrow)
