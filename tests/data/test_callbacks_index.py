"""The satisfaction rates read the callbacks through their partial index (a full scan
of the timeline table took 3 s of each risk-board answer at city scale)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import text

from gridtui.data.reads.callbacks import callbacks_query, satisfaction_by
from gridtui.data.storage.models import Ticket
from tests.conftest import NOW, fill_demo_city


def test_callbacks_are_read_through_their_index(db_url, factory, demo_city):
    fill_demo_city(db_url, factory, demo_city, 3)
    since = NOW - timedelta(days=30)
    sqlite = db_url.startswith("sqlite")
    with factory() as s:
        if not sqlite:
            s.execute(text("ANALYZE ticket_events"))
            s.execute(text("SET LOCAL enable_seqscan = off"))  # the demo city is small
        stmt = callbacks_query(Ticket.district_id, since, NOW)
        sql = str(stmt.compile(s.get_bind(), compile_kwargs={"literal_binds": True}))
        explain = "EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN "
        plan = " | ".join(str(row[-1]) for row in s.execute(text(explain + sql)))
        assert "ix_ticket_events_feedback" in plan, plan
        assert "SCAN ticket_events" not in plan and "Seq Scan on ticket_events" not in plan
        # and the figures are there: the demo city's callbacks rate its districts
        rates = satisfaction_by(s, Ticket.district_id, since, NOW)
        assert rates and all(r is None or 0 <= r <= 1 for r in rates.values())
