"""Bulk writes for the seeder: raw ``executemany`` on SQLite, ``COPY`` on PostgreSQL.

The ORM would spend most of a city-scale seed building objects; these writers send
plain tuples. Times arrive as UTC epoch seconds and leave in each backend's own form
(SQLite: the text SQLAlchemy itself writes, so ORM reads see the same values).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Engine, Index

from gridtui.data.seeding.seedgen import GenTicket
from gridtui.data.storage.models import Base

TICKET_COLS = (
    "id, source, title, description, address, channel, category, colour, status, "
    "district_id, street_id, community_id, grid_id, department_id, worker_id, "
    "opened_at, due_at, next_deadline, closed_at, updated_at, sla_policy, "
    "mediation_failures, reopen_count, merged_into, version, level, satisfaction, lat, lon"
)
EVENT_COLS = "ticket_id, at, action, actor, from_status, to_status, note, target"
SCORE_COLS = "subject_kind, subject_id, at, code, raw_points, points, reason, author, ticket_id"
REPORT_COLS = "worker_id, day, at, kind, events, note"

BULK_TABLES = ("tickets", "ticket_events", "score_entries", "daily_reports")
#: (subject_kind, subject_id, at, code, raw_points, points, reason, author, ticket_id)
ScoreRow = tuple[str, int, int, str, float, float, str, str, int | None]


def _sqlite_time(ts: int | None) -> str | None:
    if ts is None:
        return None
    return time.strftime("%Y-%m-%d %H:%M:%S.000000", time.gmtime(ts))


def _pg_time(ts: int | None) -> datetime | None:
    return None if ts is None else datetime.fromtimestamp(ts, UTC)


class BulkWriter:
    """Appends seed rows to one database, one transaction per call."""

    def __init__(self, engine: Engine, *, defer_indexes: bool = False) -> None:
        """``defer_indexes``: drop the bulk tables' secondary indexes now and build them
        in :meth:`finish` (much faster, and denser, when the tables start empty)."""
        self.engine = engine
        self.sqlite = engine.dialect.name == "sqlite"
        self.ts = _sqlite_time if self.sqlite else _pg_time
        self.counts = {"tickets": 0, "ticket_events": 0, "score_entries": 0, "daily_reports": 0}
        self.deferred: list[Index] = []
        if defer_indexes:
            for table in BULK_TABLES:
                for index in sorted(
                    Base.metadata.tables[table].indexes, key=lambda i: i.name or ""
                ):
                    index.drop(engine, checkfirst=True)
                    self.deferred.append(index)
        self.raw = engine.raw_connection()
        if self.sqlite:
            cur = self.raw.cursor()
            # One writer, one load: no fsync per batch, a large page cache.
            cur.execute("PRAGMA synchronous=OFF")
            cur.execute("PRAGMA cache_size=-262144")
            cur.execute("PRAGMA temp_store=MEMORY")
            cur.close()

    def _send(self, table: str, cols: str, rows: Sequence[tuple[Any, ...]]) -> None:
        if not rows:
            return
        raw = self.raw
        cur = raw.cursor()
        try:
            if self.sqlite:
                marks = ", ".join("?" * len(rows[0]))
                cur.executemany(f"INSERT INTO {table} ({cols}) VALUES ({marks})", rows)
            else:
                with cur.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            raw.commit()
        except BaseException:
            raw.rollback()
            raise
        finally:
            cur.close()
        self.counts[table] += len(rows)

    def write_tickets(
        self,
        rows: Sequence[tuple[GenTicket, int | None, int | None, str]],
        now: datetime,
    ) -> None:
        """Tickets with (resolution deadline, next running deadline, policy name)."""
        ts = self.ts
        updated = ts(int(now.timestamp()))
        tickets = []
        events = []
        for t, due, next_deadline, policy in rows:
            g = t.grid
            last = t.events[-1][1]
            tickets.append(
                (
                    t.id, "seed", t.title, "", t.address, t.channel, t.category.code, t.colour,
                    t.status, g.district_id, g.street_id, g.community_id, g.id,
                    t.department_id, g.worker_id, ts(t.opened), ts(due), ts(next_deadline),
                    ts(t.closed), ts(last) if last else updated, policy,
                    t.mediation_failures, t.reopen_count, t.merged_into, 1, t.level,
                    t.satisfaction, t.lat, t.lon,
                )
            )  # fmt: skip
            for action, at, actor, before, after, note, target in t.events:
                events.append((t.id, ts(at), action, actor, before, after, note, target))
        self._send("tickets", TICKET_COLS, tickets)
        self._send("ticket_events", EVENT_COLS, events)

    def write_scores(self, rows: Sequence[ScoreRow]) -> None:
        """Points ledger lines."""
        ts = self.ts
        self._send(
            "score_entries",
            SCORE_COLS,
            [(k, i, ts(at), c, r, p, why, who, tid) for k, i, at, c, r, p, why, who, tid in rows],
        )

    def write_reports(self, rows: Sequence[tuple[int, date, int, str, int, str]]) -> None:
        """Daily reports (worker, day, at, kind, events, note)."""
        ts = self.ts
        sqlite = self.sqlite
        self._send(
            "daily_reports",
            REPORT_COLS,
            [(w, d.isoformat() if sqlite else d, ts(at), k, e, n) for w, d, at, k, e, n in rows],
        )

    def finish(self) -> None:
        """Build deferred indexes, refresh the planner's statistics, release the connection."""
        self.raw.close()
        for index in self.deferred:
            index.create(self.engine)
        self.deferred = []
        raw = self.engine.raw_connection()
        try:
            cur = raw.cursor()
            if not self.sqlite:
                # Tickets were copied in with their ids: move the id sequence past them,
                # or the next ticket opened on the live system collides with one of them.
                cur.execute(
                    "SELECT setval(pg_get_serial_sequence('tickets', 'id'), "
                    "(SELECT coalesce(max(id), 0) + 1 FROM tickets), false)"
                )
            cur.execute("ANALYZE")
            raw.commit()
        finally:
            raw.close()
