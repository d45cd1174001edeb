"""One cap rule, three ways to count what is used: the live service (the ledger in
the database), the seed's running counters and the engine's history scan give the
same ledger for the same credits, period boundaries and daylight saving included."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from gridtui.data.seeding.seedwrite import ScoreRow
from gridtui.data.storage.db import make_engine, session_factory, upgrade
from gridtui.data.storage.models import ScoreEntry, Ticket
from gridtui.data.writes.bookkeeping import award
from gridtui.data.writes.scoring_runtime import ScoreAccumulator
from gridtui.domain.credits import Credit
from gridtui.domain.scoring.caps import LedgerEntry
from gridtui.domain.scoring.config import parse_scoring_config
from gridtui.domain.scoring.engine import ScoringEngine
from gridtui.domain.scoring.rules import PENALTY_TRIGGERS, WEEKDAYS, SubjectKind

TICKET, CHANNEL = 42, "patrol"
#: zones with daylight saving, half-hour and 45-minute offsets
ZONES = ["Asia/Shanghai", "America/New_York", "Australia/Lord_Howe", "Asia/Kathmandu"]
#: local midnights a few days before a year's end and before spring DST changes
BASES = [(2026, 12, 27), (2027, 3, 9), (2027, 3, 28)]
#: few events and subjects, so that rules match often and caps bite
EVENTS = ["resolve", "sla_breach", "reopen"]

RULE = st.tuples(
    st.sampled_from([SubjectKind.WORKER, SubjectKind.DEPARTMENT]),
    st.sampled_from(EVENTS),
    st.integers(1, 450),  # |points| in hundredths
    st.booleans(),  # a penalty
    st.sampled_from([None, "day", "week", "month", "year"]),
    st.integers(1, 1500),  # cap in hundredths
)
CREDIT = st.tuples(
    st.sampled_from([SubjectKind.WORKER, SubjectKind.DEPARTMENT]),
    st.integers(1, 2),
    st.sampled_from(EVENTS),
    st.one_of(st.integers(0, 2), st.integers(0, 40)),  # days after the base
    # seconds from that local midnight: on the boundary, beside it, or anywhere in the day
    st.one_of(st.sampled_from([-1, 0, 1]), st.integers(-120, 120), st.integers(0, 86_399)),
    st.sampled_from([None, True, False]),
)

RuleSpec = tuple[SubjectKind, str, int, bool, str | None, int]
CreditSpec = tuple[SubjectKind, int, str, int, int, bool | None]


def config_text(zone: str, week_starts: str, rules: list[RuleSpec]) -> str:
    """A scoring.toml with ``rules``: positive ones as [[rule]], negative as [[penalty]]."""
    out = [f'timezone = "{zone}"', f'week_starts = "{week_starts}"']
    for n, (kind, event, cents, penalty, period, cap) in enumerate(rules):
        if not penalty and event in PENALTY_TRIGGERS:
            event = "resolve"  # a trigger only penalties may listen to
        points = -cents if penalty else cents
        out += [
            "[[penalty]]" if penalty else "[[rule]]",
            f'code = "r{n}"',
            f'label_zh = "规则{n}"',
            f'label_en = "Rule {n}"',
            f'subject = "{kind.value}"',
            f'on = "{event}"',
            f"points = {points / 100}",
        ]
        if period is not None:
            out += [f"cap = {cap / 100}", f'cap_period = "{period}"']
    return "\n".join(out) + "\n"


def credits_of(zone: str, base: tuple[int, int, int], specs: list[CreditSpec]) -> list[Credit]:
    tz = ZoneInfo(zone)
    out = []
    for kind, sid, event, days, seconds, on_time in specs:
        day = datetime(*base, tzinfo=tz).date() + timedelta(days=days)
        midnight = datetime(day.year, day.month, day.day, tzinfo=tz).astimezone(UTC)
        out.append(Credit(kind, sid, event, midnight + timedelta(seconds=seconds), on_time))
    return out


def as_row(e: LedgerEntry | ScoreEntry) -> ScoreRow:
    """A ledger line as the seed writes it."""
    kind = e.subject_kind if isinstance(e.subject_kind, str) else e.subject_kind.value
    return (
        kind,
        e.subject_id,
        int(e.at.timestamp()),
        e.code,
        e.raw_points,
        e.points,
        e.reason,
        e.author,
        e.ticket_id,
    )


def live(
    factory: sessionmaker[Session], engine: ScoringEngine, credits: list[Credit]
) -> list[ScoreRow]:
    """The credits through the live service's award, read back from the ledger.

    Rolled back afterwards, so one database serves every example.
    """
    with factory() as session:
        ticket = Ticket(id=TICKET, channel=CHANNEL)  # only its id and channel are read
        award(session, engine, credits, ticket)
        rows = [as_row(r) for r in session.scalars(select(ScoreEntry).order_by(ScoreEntry.id))]
        session.rollback()
    return rows


def bulk(engine: ScoringEngine, credits: list[Credit]) -> list[ScoreRow]:
    """The credits through the seed's accumulator."""
    acc = ScoreAccumulator(engine.config)
    acc.add_all(credits, TICKET, CHANNEL)
    return acc.drain()


def scanned(engine: ScoringEngine, credits: list[Credit]) -> list[ScoreRow]:
    """The credits through the engine's history scan."""
    ledger: list[LedgerEntry] = []
    for c in credits:
        ledger += engine.award(
            ledger, c.subject_kind, c.subject_id, c.event, c.at, TICKET, CHANNEL, on_time=c.on_time
        )
    return [as_row(e) for e in ledger]


@pytest.fixture(scope="module")
def ledger_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[sessionmaker[Session]]:
    url = f"sqlite:///{tmp_path_factory.mktemp('caps') / 'ledger.sqlite'}"
    upgrade(url)
    engine = make_engine(url)
    yield session_factory(engine)
    engine.dispose()


@settings(max_examples=150, deadline=None)
@given(
    st.sampled_from(ZONES),
    st.sampled_from(WEEKDAYS),
    st.sampled_from(BASES),
    st.lists(RULE, min_size=1, max_size=5),
    st.lists(CREDIT, min_size=10, max_size=60),
)
def test_live_and_bulk_scoring_cap_the_same_way(
    ledger_db: sessionmaker[Session],
    zone: str,
    week_starts: str,
    base: tuple[int, int, int],
    rules: list[RuleSpec],
    specs: list[CreditSpec],
) -> None:
    engine = ScoringEngine(parse_scoring_config(config_text(zone, week_starts, rules)))
    credits = credits_of(zone, base, specs)
    expected = bulk(engine, credits)
    assert live(ledger_db, engine, credits) == expected
    assert scanned(engine, credits) == expected


CAPPED = """
timezone = "Asia/Shanghai"
[[rule]]
code = "resolve"
label_zh = "处置"
label_en = "Resolved"
subject = "worker"
on = "resolve"
points = 0.35
cap = 1
cap_period = "day"
[[penalty]]
code = "breach"
label_zh = "超时"
label_en = "Breach"
subject = "department"
on = "sla_breach"
points = -1.5
cap = 4
cap_period = "week"
"""


def test_the_ledger_query_counts_caps_on_every_backend(factory: sessionmaker[Session]) -> None:
    """The live count is SQL (absolute, rounded hundredths, a half-open window):
    PostgreSQL must agree, on the boundary and out of time order too."""
    engine = ScoringEngine(parse_scoring_config(CAPPED))
    monday = datetime(2026, 11, 22, 16, tzinfo=UTC)  # Monday 00:00 in Shanghai
    credits = [
        Credit(kind, 1, event, monday + timedelta(seconds=seconds))
        for seconds in (0, -30, 20, -10, 40, 60, -20)
        for kind, event in ((SubjectKind.WORKER, "resolve"), (SubjectKind.DEPARTMENT, "sla_breach"))
    ]
    rows = live(factory, engine, credits)
    assert rows == bulk(engine, credits)
    # Sunday and Monday each reach the cap of 1 (.35 + .35 + .30), Monday first
    assert [r[5] for r in rows if r[0] == "worker"] == [0.35, 0.35, 0.35, 0.35, 0.3, 0, 0.3]
    # weeks 47 and 48 each reach the cap of 4 (1.5 + 1.5 + 1)
    assert [r[5] for r in rows if r[0] == "department"] == [-1.5, -1.5, -1.5, -1.5, -1, 0, -1]
    assert rows[-1][6] == "超时 / Breach (cap 4 per week reached, 2026-W47)"
