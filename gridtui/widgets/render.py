"""Rich renderables for outside text, colours, statuses and countdowns.

Everything that came from outside (titles, names, notes) becomes a
:class:`rich.text.Text` built from the plain string, so ``[bold]`` stays brackets,
and is cleaned of control characters on the way, so nothing reaches the terminal
as an escape sequence; bidi and zero-width controls show as ``<U+202E>``
(:func:`~gridtui.domain.text.shown_text`). However long it is, no more than
:data:`LINE_MAX` characters of one value (:data:`TEXT_MAX` for a block of text) are
drawn: the rest is counted ("… 还有 n 个字符") and may be read in
:mod:`gridtui.widgets.longtext`. Colour is never the only signal: every chip carries its
name (红 / RED) beside the swatch.
"""

from __future__ import annotations

from datetime import datetime, tzinfo

from rich.text import Text
from textual.widgets import DataTable

from gridtui.data.sources.records import Overview
from gridtui.domain.handling import LADDER
from gridtui.domain.text import cut, shown_text
from gridtui.i18n import clock_state_label, colour_label, duration, status_label, tr
from gridtui.widgets.figures import spark
from gridtui.widgets.palette import OVERDUE_MARK, risk_style, state_style

SWATCH = "■"
__all__ = ["spark"]  # where the screens found it first


#: the most characters of one outside value a line or a table cell draws
LINE_MAX = 500
#: the most characters of a block of outside text (a description) drawn at once
TEXT_MAX = 20_000


def safe(
    value: object,
    *,
    one_line: bool = True,
    style: str = "",
    limit: int | None = None,
    lang: str | None = None,
) -> Text:
    """Outside text as literal, cleaned :class:`Text` (never markup), bidi and
    zero-width controls visible; cut after ``limit`` characters (default
    :data:`LINE_MAX`, or :data:`TEXT_MAX` when not ``one_line``): "… 还有 n 个字符"
    with ``lang``, else "…"."""
    head, more = cut(str(value), limit or (LINE_MAX if one_line else TEXT_MAX))
    out = Text(shown_text(head, one_line=one_line), style=style)
    if more:
        out.append(tr("text.more", lang, n=f"{more:,}") if lang else "…", style="dim")
    return out


def colour_chip(colour: str | None, lang: str, *, count: int | None = None) -> Text:
    """``■ 红`` (or ``■ RED 12``): swatch and name in the colour's style."""
    if not colour:
        return Text("—")
    label = f"{SWATCH} {colour_label(colour, lang)}"
    if count is not None:
        label += f" {count}"
    return Text(label, style=risk_style(colour))


def status_text(status: str, lang: str) -> Text:
    """A ticket status label."""
    style = "bold" if status in ("new", "escalated", "reopened") else ""
    return Text(status_label(status, lang), style=style)


def remaining_text(
    deadline: datetime | None, now: datetime, lang: str, state: str | None = None
) -> Text:
    """Time left to ``deadline`` (or over it), styled by urgency.

    Seconds show only in the last ten minutes: a countdown changes at the rate a
    person needs, which keeps the bytes sent to a terminal low.
    """
    if deadline is None:
        return Text("—", style="dim")
    left = deadline - now
    secs = left.total_seconds()
    near = abs(secs) < 600
    if secs < 0:
        return overdue_text(tr("time.overdue", lang, d=duration(left, lang, seconds=near)))
    text = tr("time.left", lang, d=duration(left, lang, seconds=near))
    style = state_style(state or ("critical" if secs < 3600 else "ok"))
    return Text(text, style=style)


def overdue_text(text: str) -> Text:
    """``‼ 超2小时``: a late time in the overdue style, with its mark (never a risk colour)."""
    return Text(f"{OVERDUE_MARK} {text}", style=state_style("breached"))


def state_text(state: str, lang: str) -> Text:
    """An SLA clock state (超时 / BREACHED …) in its style."""
    return Text(clock_state_label(state, lang), style=state_style(state))


def fit_flex_column(rows: list[list[Text]], headers: list[str], flex: int, width: int) -> None:
    """Truncate column ``flex`` of ``rows`` (in place, with an ellipsis) so that a
    table of these rows fits ``width`` cells: the other columns keep their natural
    width, so the table never needs to scroll sideways."""
    from rich.cells import cell_len

    others = sum(
        max([cell_len(h)] + [r[i].cell_len for r in rows])
        for i, h in enumerate(headers)
        if i != flex
    )
    room = max(8, width - others - 2 * len(headers) - 2)
    for r in rows:
        r[flex].truncate(room, overflow="ellipsis")


def fill_table(
    table: DataTable[Text],
    columns: list[tuple[str, str]],
    rows: list[tuple[str, list[Text]]],
) -> None:
    """Replace ``table``'s columns and rows, each column as wide as its widest cell.

    The widths are given, not left for ``DataTable`` to measure on its next idle:
    a frame drawn before that measurement stays cached with header-wide columns
    (seen on busy machines: a cut-off timeline until the next change).
    """
    from rich.cells import cell_len

    table.clear(columns=True)
    for i, (key, label) in enumerate(columns):
        width = max([cell_len(label)] + [cells[i].cell_len for _, cells in rows])
        table.add_column(label, key=key, width=width)
    for key, cells in rows:
        table.add_row(*cells, key=key)


def reports_alert(o: Overview) -> bool:
    """Whether the daily-report line is an alert: the reports are due and someone has
    not filed."""
    return o.reports_past_due and o.missing_count > 0


def reports_title(o: Overview, lang: str) -> str:
    """The daily-report section's title: "Missing daily reports" once it alerts."""
    return tr("overview.missing" if reports_alert(o) else "overview.reports", lang)


def missing_reports(o: Overview, lang: str, *, shown: int, codes: bool, tz: tzinfo) -> Text:
    """Today's daily reports. Before the due time (read in ``tz``), how many are in
    ("due 20:00: 41/75 filed"); after it, who has not filed, as an alert: the count,
    then up to ``shown`` names (with their codes when ``codes``), or a green "all
    filed". A day that owes no report says so."""
    out = Text(no_wrap=False)
    if o.report_due_at is None:
        out.append(tr("overview.reports_off", lang, filed=o.reports_filed), style="dim")
        return out
    if not o.reports_past_due:
        due = f"{o.report_due_at.astimezone(tz):%H:%M}"
        filed, expected = o.reports_filed, o.reports_expected
        out.append(tr("overview.reports_due", lang, due=due, filed=filed, expected=expected))
        return out
    if not o.missing_count:
        out.append(f"{SWATCH} " + tr("overview.none_missing", lang), style=risk_style("green"))
        return out
    alert = risk_style("orange")
    out.append(
        "⚠ " + tr("overview.missing_count", lang, n=o.missing_count, total=o.reports_expected,
                  day=o.report_day.isoformat()),
        style=alert,
    )  # fmt: skip
    names = [f"{w.name}({w.code})" if codes else w.name for w in o.missing_reports]
    out.append("\n")
    more = "…" if o.missing_count > shown else ""
    # spaces between the names: a line breaks between two names, never inside one
    out.append_text(safe(" · ".join(names[:shown]) + more, style=alert))
    return out


def levels_text(by_level: dict[str, int], lang: str) -> Text:
    """Open tickets by handling level: "办理层级 网格 30 · 社区 12 · 街道 1 · 区 0"; the
    rungs above the grid in bold when they hold any (大事不出社区、难事不出街道)."""
    out = Text(tr("level.title", lang) + " ", style="bold")
    for i, level in enumerate(LADDER):
        if i:
            out.append(" · ", style="dim")
        n = by_level.get(level.value, 0)
        out.append(f"{level.label(lang)} {n:,}", style="bold" if n and i else "")
    return out


def percent(rate: float | None) -> str:
    """A rate as a whole percentage ("93%"), or "—" when there is none."""
    return "—" if rate is None else f"{rate:.0%}"
