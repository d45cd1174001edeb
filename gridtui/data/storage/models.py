"""SQLAlchemy 2.x typed models: the city's hierarchy, people, tickets and their ledger.

Every stored time is timezone-aware UTC (:class:`UtcDateTime`). Tickets carry their
whole hierarchy path (district, street, community, grid) so that board aggregates at
any level are one indexed ``GROUP BY``, and ``next_deadline`` (the earliest running
SLA clock) so that the queue can sort by time remaining from an index.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
    true,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# SQLite only autoincrements INTEGER PRIMARY KEY; PostgreSQL gets BIGINT.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class UtcDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out, on SQLite and PostgreSQL alike.

    Raises:
        ValueError: on a naive datetime (a time without a zone is a bug upstream).
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: store aware UTC times only")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base of every gridtui table."""

    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UtcDateTime(),
        dict[str, Any]: JSON(),
    }


class Node(Base):
    """One node of the hierarchy: city → district → street → community → grid."""

    __tablename__ = "nodes"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("nodes.id"), index=True)
    level: Mapped[str] = mapped_column(String(12))  # city|district|street|community|grid
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120), default="")
    kind: Mapped[str | None] = mapped_column(String(16))  # grid kind: urban|rural|dedicated|…
    households: Mapped[int | None] = mapped_column(Integer)
    # Denormalised ancestors, so a subtree is an equality filter.
    district_id: Mapped[int | None] = mapped_column(BigId)
    street_id: Mapped[int | None] = mapped_column(BigId)
    community_id: Mapped[int | None] = mapped_column(BigId)


class Department(Base):
    """A functional department that takes escalations (吹哨报到)."""

    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120), default="")


class Worker(Base):
    """A grid worker (网格员) or grid leader, attached to one grid."""

    __tablename__ = "workers"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    role: Mapped[str] = mapped_column(String(16))  # leader|full_time|part_time
    grid_id: Mapped[int] = mapped_column(ForeignKey("nodes.id"), index=True)
    phone: Mapped[str] = mapped_column(String(32), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Category(Base):
    """An item of the service catalogue."""

    __tablename__ = "categories"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120))
    function: Mapped[str] = mapped_column(String(32))
    default_colour: Mapped[str] = mapped_column(String(8), default="blue")
    is_dispute: Mapped[bool] = mapped_column(Boolean, default=False)
    department_code: Mapped[str | None] = mapped_column(String(32))
    #: about a person (disputes, visits, counselling …): withheld from public reads
    personal: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    #: on-site inspection (查验, ``arrive``) before ``resolve``; None: as ``sla.toml`` says
    inspection: Mapped[bool | None] = mapped_column(Boolean)


class Entity(Base):
    """A registered person, event, place, thing or organisation (人、事、地、物、组织)."""

    __tablename__ = "entities"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    kind: Mapped[str] = mapped_column(String(12))  # person|event|place|thing|org
    name: Mapped[str] = mapped_column(String(200))
    grid_id: Mapped[int] = mapped_column(ForeignKey("nodes.id"))
    district_id: Mapped[int | None] = mapped_column(BigId)
    street_id: Mapped[int | None] = mapped_column(BigId)
    community_id: Mapped[int | None] = mapped_column(BigId)
    colour: Mapped[str] = mapped_column(String(8))
    patrol_point: Mapped[bool] = mapped_column(Boolean, default=False)  # 日巡查必到点
    reason: Mapped[str] = mapped_column(Text, default="")
    #: where it is (WGS84 degrees), when known: the map places it there
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)

    __table_args__ = (Index("ix_entities_grid_colour", "grid_id", "colour"),)


def _open_index(name: str, *cols: str) -> Index:
    where = text("closed_at IS NULL")
    return Index(name, *cols, sqlite_where=where, postgresql_where=where)


class Ticket(Base):
    """A ticket (事件 / 工单) and its current state."""

    __tablename__ = "tickets"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    external_id: Mapped[str | None] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(32), default="gridtui")
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    address: Mapped[str] = mapped_column(String(200), default="")
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    channel: Mapped[str] = mapped_column(String(16))
    category: Mapped[str] = mapped_column(String(64))
    colour: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(12))
    district_id: Mapped[int | None] = mapped_column(BigId)
    street_id: Mapped[int | None] = mapped_column(BigId)
    community_id: Mapped[int | None] = mapped_column(BigId)
    grid_id: Mapped[int | None] = mapped_column(BigId)
    department_id: Mapped[int | None] = mapped_column(BigId)
    worker_id: Mapped[int | None] = mapped_column(BigId)
    opened_at: Mapped[datetime]
    due_at: Mapped[datetime | None]  # the resolution deadline
    next_deadline: Mapped[datetime | None]  # earliest running SLA clock
    closed_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]
    sla_policy: Mapped[str] = mapped_column(String(64), default="")
    mediation_failures: Mapped[int] = mapped_column(Integer, default=0)
    reopen_count: Mapped[int] = mapped_column(Integer, default=0)
    merged_into: Mapped[int | None] = mapped_column(BigId)
    version: Mapped[int] = mapped_column(Integer, default=1)
    #: handling level on the ladder: grid → community → street → district
    level: Mapped[str] = mapped_column(String(12), default="grid", server_default="grid")
    #: the resident's latest callback result (回访): satisfied|basic|unsatisfied|unreached
    satisfaction: Mapped[str | None] = mapped_column(String(16))

    __table_args__ = (
        UniqueConstraint("source", "external_id", name="uq_tickets_source_external"),
        # History: age order, intake and closure trends.
        Index("ix_tickets_opened", "opened_at", "id"),
        Index("ix_tickets_closed", "closed_at"),
        # The live queue, board and assignee lists read open tickets only: partial
        # indexes over ``closed_at IS NULL`` stay tiny at a million tickets.
        _open_index("ix_tickets_open_deadline", "next_deadline", "id"),
        _open_index("ix_tickets_open_opened", "opened_at", "id"),
        _open_index("ix_tickets_open_status", "status", "next_deadline", "id"),
        _open_index("ix_tickets_open_grid", "grid_id", "colour"),
        _open_index("ix_tickets_open_community", "community_id", "colour"),
        _open_index("ix_tickets_open_street", "street_id", "colour"),
        _open_index("ix_tickets_open_district", "district_id", "colour"),
        _open_index("ix_tickets_open_worker", "worker_id", "status"),
        _open_index("ix_tickets_open_department", "department_id", "status"),
        _open_index("ix_tickets_open_level", "level", "colour"),
    )


#: the timeline steps the assessment counts by time: rework (``reject``, ``reopen``) and
#: the sweeper's breach marks (a note whose target is ``breach:<holder>/<clock>``); the
#: predicate of the partial index ``ix_ticket_events_marks``, which a query must repeat
#: word for word for SQLite to use it
MARKS_WHERE = "action IN ('reject', 'reopen') OR target LIKE 'breach:%'"


class TicketEvent(Base):
    """One transition or note on a ticket's timeline (the audit trail)."""

    __tablename__ = "ticket_events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    at: Mapped[datetime]
    action: Mapped[str] = mapped_column(String(20))
    actor: Mapped[str] = mapped_column(String(80))
    from_status: Mapped[str | None] = mapped_column(String(12))
    to_status: Mapped[str] = mapped_column(String(12))
    note: Mapped[str] = mapped_column(Text, default="")
    target: Mapped[str | None] = mapped_column(String(80))

    # A timeline is a handful of rows: found by ticket, sorted in memory.
    __table_args__ = (
        Index("ix_ticket_events_ticket", "ticket_id"),
        # the callbacks by time (satisfaction rates), a small partial index
        Index(
            "ix_ticket_events_feedback",
            "at",
            sqlite_where=text("action = 'feedback'"),
            postgresql_where=text("action = 'feedback'"),
        ),
        # rework steps and breach marks by time (the assessment's counts), partial too
        Index(
            "ix_ticket_events_marks",
            "at",
            sqlite_where=text(MARKS_WHERE),
            postgresql_where=text(MARKS_WHERE),
        ),
    )


class ScoreEntry(Base):
    """One line of the append-only points ledger."""

    __tablename__ = "score_entries"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    subject_kind: Mapped[str] = mapped_column(String(12))  # worker|department
    subject_id: Mapped[int] = mapped_column(BigId)
    at: Mapped[datetime]
    code: Mapped[str] = mapped_column(String(40))
    raw_points: Mapped[float] = mapped_column(Float)
    points: Mapped[float] = mapped_column(Float)
    reason: Mapped[str] = mapped_column(Text, default="")
    author: Mapped[str] = mapped_column(String(80), default="system")
    ticket_id: Mapped[int | None] = mapped_column(BigId)

    __table_args__ = (
        Index("ix_score_subject_at", "subject_kind", "subject_id", "at"),
        Index("ix_score_at", "at"),
    )


class DailyReportRow(Base):
    """A worker's daily report (日报告、零报告)."""

    __tablename__ = "daily_reports"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    worker_id: Mapped[int] = mapped_column(ForeignKey("workers.id"))
    day: Mapped[date] = mapped_column(Date)
    at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(12))  # all_safe|events
    events: Mapped[int] = mapped_column(Integer, default=0)
    note: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (
        UniqueConstraint("worker_id", "day", name="uq_daily_reports_worker_day"),
        Index("ix_daily_reports_day", "day"),
    )


class Change(Base):
    """The change feed: one row per write, in commit order (``seq`` is monotonic)."""

    __tablename__ = "changes"

    seq: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(16))  # ticket|score|report|config|bulk
    entity_id: Mapped[int | None] = mapped_column(BigId)
    op: Mapped[str] = mapped_column(String(24))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)

    __table_args__ = ({"sqlite_autoincrement": True},)


class ConfigDoc(Base):
    """The text of a rules file (``sla.toml``, ``scoring.toml``, ``assessment.toml``)
    as last loaded."""

    __tablename__ = "config_docs"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    loaded_at: Mapped[datetime]


class ConfigProblemRow(Base):
    """A rules file whose current text was refused: the last good text stays in force.

    One row per file name while its edit is broken; fixing the file deletes it.
    ``digest`` is the SHA-256 of the refused text, so several watchers of one folder
    record one problem (and one change) per broken text, not one each.
    """

    __tablename__ = "config_problems"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    line: Mapped[int | None] = mapped_column(Integer)
    message: Mapped[str] = mapped_column(Text)
    digest: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime]


class InboxFile(Base):
    """A file the drop folder imported, by content: the same bytes are never imported
    twice, under any name, by any process, across restarts."""

    __tablename__ = "inbox_files"

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)  # SHA-256 of the bytes
    name: Mapped[str] = mapped_column(String(255))
    size: Mapped[int] = mapped_column(BigInteger)
    rows: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(32))  # the import map's source
    at: Mapped[datetime]


class ApiToken(Base):
    """A bearer token for the API; only its hash is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(128), unique=True)
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class IdempotencyKey(Base):
    """A write that carried an ``Idempotency-Key``: a retry gets this result back.

    Stored in the same transaction as the write it answers, so a write and its key
    exist together or not at all.
    """

    __tablename__ = "idempotency_keys"

    scope: Mapped[str] = mapped_column(String(100), primary_key=True)  # who sent it
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    result: Mapped[dict[str, Any]] = mapped_column(default=dict)
    at: Mapped[datetime]


class SshKey(Base):
    """A public key ``gridtui ssh-serve`` lets in, with the role its holder gets and the
    name the audit trail gives them (``ssh:<name>``). Revoking keeps the row (the audit
    trail names it) and stamps ``revoked_at``; a revoked key is never let in again."""

    __tablename__ = "ssh_keys"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    key_type: Mapped[str] = mapped_column(String(64))  # ssh-ed25519, ecdsa-sha2-nistp256 …
    key_base64: Mapped[str] = mapped_column(Text)  # the public key blob, as in the .pub file
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True)  # SHA256:… of the blob
    added_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class Boundary(Base):
    """The outline of one hierarchy node (a street, community or grid; the district and
    city may have one too): a GeoJSON ``Polygon`` or ``MultiPolygon`` geometry in WGS84
    longitude/latitude, with its bounding box for cheap window queries. Loaded by
    ``gridtui geo load`` (all of a file or nothing), the fixtures and the seeder; a
    change of boundaries is recorded on the change feed as kind ``geo``."""

    __tablename__ = "boundaries"

    node_id: Mapped[int] = mapped_column(ForeignKey("nodes.id"), primary_key=True)
    level: Mapped[str] = mapped_column(String(12))  # the node's level, for level queries
    geometry: Mapped[str] = mapped_column(Text)  # GeoJSON geometry object, as text
    min_lon: Mapped[float] = mapped_column(Float)
    min_lat: Mapped[float] = mapped_column(Float)
    max_lon: Mapped[float] = mapped_column(Float)
    max_lat: Mapped[float] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(200), default="")  # the file it came from
    loaded_at: Mapped[datetime]

    __table_args__ = (Index("ix_boundaries_level", "level"),)


class SandboxRequest(Base):
    """A report filed at Open311's test endpoint (the sandbox): apart from the tickets,
    so never on the queue, the counts, the change feed or the ledger; deleted once
    older than the sandbox's retention. ``client`` and ``key`` are its idempotency key
    (the client's, or its content's), as production keeps in ``idempotency_keys``."""

    __tablename__ = "open311_sandbox"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    client: Mapped[str] = mapped_column(String(100))  # open311:<token name>
    key: Mapped[str | None] = mapped_column(String(100))
    request_hash: Mapped[str] = mapped_column(String(64))
    category: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    address: Mapped[str] = mapped_column(String(200), default="")
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    grid: Mapped[str] = mapped_column(String(64))  # the grid's node code
    opened_at: Mapped[datetime]
    due_at: Mapped[datetime | None]

    __table_args__ = (
        UniqueConstraint("client", "key", name="uq_open311_sandbox_key"),
        Index("ix_open311_sandbox_opened", "opened_at", "id"),
        {"sqlite_autoincrement": True},  # a cleared id is never given again
    )


__all__ = [
    "MARKS_WHERE",
    "ApiToken",
    "Base",
    "Boundary",
    "Category",
    "Change",
    "ConfigDoc",
    "ConfigProblemRow",
    "DailyReportRow",
    "Department",
    "Entity",
    "IdempotencyKey",
    "InboxFile",
    "Node",
    "SandboxRequest",
    "ScoreEntry",
    "SshKey",
    "Ticket",
    "TicketEvent",
    "UtcDateTime",
    "Worker",
]
