"""Satisfaction rates (满意率) from the residents' callbacks (回访), grouped any way.

One read for the scorecards (by worker, by department), the risk board (by
hierarchy node) and the assessment (counts by several columns at once): every
``feedback`` step in a time window on the tickets in a group, rated by the domain's
rule (:func:`gridtui.domain.callback.satisfaction_rate`; reached and content:
:class:`~gridtui.domain.callback.Satisfaction`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, func, literal_column, select
from sqlalchemy.orm import Session

from gridtui.data.storage.models import Ticket, TicketEvent
from gridtui.domain.callback import Satisfaction, satisfaction_rate

_RESULTS = frozenset(s.value for s in Satisfaction)


def satisfaction_by(
    session: Session,
    group: Any,
    since: datetime,
    until: datetime,
    *where: ColumnElement[bool],
) -> dict[int, float | None]:
    """Group value -> satisfaction rate of the callbacks in ``[since, until]`` on the
    tickets matching ``where`` (a group nobody in it was reached rates ``None``)."""
    results: dict[int, list[str]] = {}
    for key, result in session.execute(callbacks_query(group, since, until, *where)):
        if key is not None and result in _RESULTS:
            results.setdefault(int(key), []).append(result)
    return {key: satisfaction_rate(r) for key, r in results.items()}


def callback_counts(
    session: Session,
    groups: Sequence[Any],
    since: datetime,
    until: datetime,
    *where: ColumnElement[bool],
) -> dict[tuple[Any, ...], tuple[int, int]]:
    """Values of ``groups`` -> (residents reached, of whom satisfied or basically
    satisfied) by the callbacks in ``[since, until]`` on the tickets matching
    ``where``: one grouped read, counted by the domain's rule."""
    out: dict[tuple[Any, ...], tuple[int, int]] = {}
    stmt = (
        _callbacks_select([*groups, TicketEvent.target, func.count()], since, until, *where)
        .group_by(*groups, TicketEvent.target)
    )  # fmt: skip
    for *key, result, n in session.execute(stmt):
        if result not in _RESULTS:
            continue
        s = Satisfaction(result)
        if s.reached:
            reached, content = out.get(tuple(key), (0, 0))
            out[tuple(key)] = (reached + int(n), content + (int(n) if s.content else 0))
    return out


def callbacks_query(
    group: Any, since: datetime, until: datetime, *where: ColumnElement[bool]
) -> Select[Any]:
    """(group value, callback result) of every ``feedback`` step in ``[since, until]``
    on the tickets matching ``where``: read through the partial index of feedback
    steps by time (``ix_ticket_events_feedback``), not the whole timeline table."""
    return _callbacks_select([group, TicketEvent.target], since, until, *where)


def _callbacks_select(
    columns: Sequence[Any], since: datetime, until: datetime, *where: ColumnElement[bool]
) -> Select[Any]:
    return (
        select(*columns)
        .join(Ticket, Ticket.id == TicketEvent.ticket_id)
        .where(
            # a literal, not a parameter: the planner then uses the partial index
            TicketEvent.action == literal_column("'feedback'"),
            TicketEvent.at >= since,
            TicketEvent.at <= until,
            *where,
        )
    )
