"""The bulletin's lists from its facts (:class:`BulletinFacts`): overdue and breached
tickets, reopened and unsatisfied ones (倒查线索), spot checks, missing daily reports
and the red list; and the two helpers every section uses for outside text and times.
"""

from __future__ import annotations

from datetime import date, datetime, tzinfo

from gridtui.bulletin.model import Block, Cell, Column, Paragraph, Table
from gridtui.bulletin.numbers import count_text
from gridtui.bulletin.words import entity_kind_label, say, subject_label
from gridtui.data.sources.records import (
    AdjustmentRow,
    BulletinFacts,
    MissingReports,
    RedEntity,
    Reference,
    TicketRow,
)
from gridtui.domain.assessment.config import BulletinLayout
from gridtui.domain.callback import Satisfaction
from gridtui.domain.text import shown_text
from gridtui.i18n import colour_label, status_label, tr
from gridtui.labels import actor_label

#: the most characters of one outside value a bulletin prints (the rest: "…")
OUTSIDE_MAX = 200
#: the most days of one worker's missing reports listed by date
DAYS_MAX = 10


def outside(value: str) -> str:
    """Outside text as a bulletin prints it: on one line, without control characters,
    bidi and zero-width controls made visible (``<U+202E>``), at most
    :data:`OUTSIDE_MAX` characters."""
    text = shown_text(value, one_line=True).strip()
    return text if len(text) <= OUTSIDE_MAX else text[:OUTSIDE_MAX] + "…"


def local(at: datetime, tz: tzinfo) -> datetime:
    """An aware time as the centre's local wall time (naive: what a cell shows)."""
    return at.astimezone(tz).replace(tzinfo=None)


def fact_sections(
    facts: BulletinFacts, ref: Reference, tz: tzinfo, layout: BulletinLayout, lang: str
) -> list[tuple[str, list[Block]]]:
    """The headings and blocks of the list sections, in the bulletin's order."""
    return [
        (say("section.overdue", lang), _overdue(facts, ref, tz, lang)),
        (say("section.review", lang), _review(facts, ref, tz, lang)),
        (say("section.spot", lang), _spot(facts.adjustments, ref, tz, layout, lang)),
        (say("section.missing", lang), _missing(facts.missing_reports, layout, lang)),
        (say("section.red", lang), _red(facts.red_list, layout, lang)),
    ]


def _overdue(facts: BulletinFacts, ref: Reference, tz: tzinfo, lang: str) -> list[Block]:
    text = say("overdue.text", lang, overdue=count_text(facts.overdue_total),
               breached=count_text(facts.breached_total))  # fmt: skip
    return [
        Paragraph(text),
        _tickets("list.overdue", facts.overdue, facts.overdue_total, ref, tz, lang),
        _tickets("list.breached", facts.breached, facts.breached_total, ref, tz, lang),
    ]


def _review(facts: BulletinFacts, ref: Reference, tz: tzinfo, lang: str) -> list[Block]:
    text = say("review.text", lang, reopened=count_text(facts.reopened_total),
               unsatisfied=count_text(facts.unsatisfied_total))  # fmt: skip
    return [
        Paragraph(text),
        _tickets("list.reopened", facts.reopened, facts.reopened_total, ref, tz, lang),
        _tickets("list.unsatisfied", facts.unsatisfied, facts.unsatisfied_total, ref, tz, lang,
                 callback=True),
    ]  # fmt: skip


def _tickets(
    caption_key: str,
    tickets: list[TicketRow],
    total: int,
    ref: Reference,
    tz: tzinfo,
    lang: str,
    *,
    callback: bool = False,
) -> Table:
    caption = say(caption_key, lang)
    if total > len(tickets):
        caption += say("list.shown", lang, shown=count_text(len(tickets)), total=count_text(total))
    columns = [
        Column(tr("col.id", lang), "id"), Column(tr("col.title", lang)),
        Column(tr("col.colour", lang)), Column(tr("col.status", lang)),
        Column(tr("col.category", lang)), Column(tr("col.grid", lang)),
        Column(tr("col.assignee", lang)), Column(say("col.opened", lang), "time"),
        Column(say("col.due", lang), "time"),
    ]  # fmt: skip
    if callback:
        columns.append(Column(tr("ticket.callback", lang)))
    rows: list[list[Cell]] = []
    for t in tickets:
        category = ref.categories.get(t.category)
        cells: list[Cell] = [
            t.id, outside(t.title), colour_label(t.colour, lang), status_label(t.status, lang),
            outside(category.label(lang) if category else t.category),
            outside(ref.node_label(t.grid_id, lang)), _assignee(t, ref, lang),
            local(t.opened_at, tz), local(t.due_at, tz) if t.due_at else None,
        ]  # fmt: skip
        if callback:
            cells.append(_satisfaction(t.satisfaction, lang))
        rows.append(cells)
    return Table(caption, columns, rows)


def _assignee(t: TicketRow, ref: Reference, lang: str) -> str:
    worker = ref.workers.get(t.worker_id) if t.worker_id is not None else None
    if worker is not None:
        return outside(worker.label(lang))
    dept = ref.departments.get(t.department_id) if t.department_id is not None else None
    return outside(dept.label(lang)) if dept is not None else say("none", lang)


def _satisfaction(value: str | None, lang: str) -> str:
    try:
        return Satisfaction(value or "").label(lang)
    except ValueError:
        return say("none", lang)


def _limited(text: str, shown: int, layout: BulletinLayout, lang: str) -> str:
    """``text``, saying the list may be cut when it is as long as a list may be."""
    return (
        text + say("list.limit", lang, n=layout.list_limit) if shown >= layout.list_limit else text
    )


def _spot(
    rows: list[AdjustmentRow], ref: Reference, tz: tzinfo, layout: BulletinLayout, lang: str
) -> list[Block]:
    if not rows:
        return [Paragraph(say("spot.none", lang))]
    text = _limited(say("spot.text", lang, n=count_text(len(rows))), len(rows), layout, lang)
    columns = [
        Column(tr("col.when", lang), "time"), Column(say("col.subject_kind", lang)),
        Column(say("col.subject", lang)), Column(say("col.adjust_points", lang), "points"),
        Column(tr("adjust.reason", lang)), Column(say("col.author", lang)),
        Column(say("col.ticket", lang), "id"),
    ]  # fmt: skip
    cells: list[list[Cell]] = [
        [local(a.at, tz), subject_label(a.subject_kind, lang), outside(a.subject.label(lang)),
         a.points, outside(a.reason), outside(actor_label(a.author, ref, lang)), a.ticket_id]
        for a in rows
    ]  # fmt: skip
    return [Paragraph(text), Table("", columns, cells)]


def _days(days: list[date], lang: str) -> str:
    shown = ("、" if lang == "zh" else ", ").join(f"{d:%m-%d}" for d in days[:DAYS_MAX])
    return shown + say("days.more", lang, n=len(days)) if len(days) > DAYS_MAX else shown


def _missing(rows: list[MissingReports], layout: BulletinLayout, lang: str) -> list[Block]:
    if not rows:
        return [Paragraph(say("missing.none", lang))]
    text = _limited(say("missing.text", lang, n=count_text(len(rows))), len(rows), layout, lang)
    columns = [
        Column(say("col.worker", lang)), Column(tr("col.code", lang)),
        Column(say("col.reports_due", lang), "count"),
        Column(say("col.reports_missing", lang), "count"), Column(say("col.missing_days", lang)),
    ]  # fmt: skip
    cells: list[list[Cell]] = [
        [outside(m.worker.label(lang)), outside(m.worker.code), m.due, m.missing,
         _days(m.days, lang)]
        for m in rows
    ]  # fmt: skip
    return [Paragraph(text), Table("", columns, cells)]


def _red(rows: list[RedEntity], layout: BulletinLayout, lang: str) -> list[Block]:
    if not rows:
        return [Paragraph(say("red.none", lang))]
    patrol = sum(1 for e in rows if e.patrol_point)
    text = say("red.text", lang, n=count_text(len(rows)), patrol=count_text(patrol))
    columns = [
        Column(tr("col.code", lang)), Column(say("col.kind", lang)),
        Column(say("col.entity", lang)), Column(tr("col.grid", lang)),
        Column(tr("col.reason", lang)), Column(say("col.patrol_point", lang)),
    ]  # fmt: skip
    cells: list[list[Cell]] = [
        [outside(e.code), entity_kind_label(e.kind, lang), outside(e.name),
         outside(e.grid.label(lang)), outside(e.reason),
         say("yes" if e.patrol_point else "no", lang)]
        for e in rows
    ]  # fmt: skip
    return [Paragraph(_limited(text, len(rows), layout, lang)), Table("", columns, cells)]
