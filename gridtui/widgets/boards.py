"""What the interactive boards and the wall's boards share: the order of the colours,
of a node's children and of the SLA board's clocks, and the scorecards' titles.

Pure functions of the records (no widgets): a screen and its wall version draw the
same rows in the same order.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from gridtui.data.sources.records import BoardCell, Scorecards, SlaRow
from gridtui.domain.colours import risk_rank_key
from gridtui.i18n import tr
from gridtui.widgets.palette import ORDER

#: the five risk colours, most urgent first (the palette's order)
COLOURS = ORDER
#: the kinds of registered entity (人、事、地、物、组织), in display order
KINDS = ("person", "event", "place", "thing", "org")
#: tickets (not clocks) one load of an SLA board brings (the screen's and the wall's)
SLA_LIMIT = 200
#: order of the states on the SLA board; anything else (pending, met) goes last
SEVERITY = {"breached": 0, "critical": 1, "warning": 2, "ok": 3}


def ranked(cells: Sequence[BoardCell]) -> list[BoardCell]:
    """Children most at risk first (the domain's rule: most red among open tickets and
    registered entities, then orange …), in code order among equals."""
    return sorted(cells, key=lambda c: risk_rank_key(c.tickets, c.entities))


def state_of(row: SlaRow, now: datetime) -> str:
    """The clock's state at ``now`` (no query: from the instants the load brought)."""
    return row.clock.state_at(now)


def ordered(rows: Iterable[SlaRow], now: datetime) -> list[SlaRow]:
    """``rows`` in board order as of ``now`` (stable: ties keep the source's order)."""
    far = datetime.max.replace(tzinfo=now.tzinfo)
    return sorted(
        rows,
        key=lambda r: (
            SEVERITY.get(state_of(r, now), len(SEVERITY)),
            r.clock.deadline or far,
            r.ticket.id,
        ),
    )


def board_titles(cards: Scorecards | None, lang: str) -> tuple[str, str]:
    """The titles of the worker and department leaderboards, with how many show."""
    workers = tr("score.workers", lang)
    departments = tr("score.departments", lang)
    if cards is not None:
        shown = tr("score.shown", lang, n=len(cards.workers), total=cards.workers_total)
        workers += f" · {shown}"
        departments += f" · {tr('score.dept_count', lang, n=len(cards.departments))}"
    return workers, departments
