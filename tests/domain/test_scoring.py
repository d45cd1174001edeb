"""The scoring engine: caps per period, penalties, adjustments, periods, totals, ranks,
and the config's error messages."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gridtui.domain.channels import Channel
from gridtui.domain.lifecycle import Action
from gridtui.domain.scoring.caps import Award, LedgerEntry, capped_award
from gridtui.domain.scoring.config import ScoringConfigError, parse_scoring_config
from gridtui.domain.scoring.engine import RankRow, ScoringEngine
from gridtui.domain.scoring.rules import (
    ADJUSTMENT,
    SYSTEM,
    AlertPolicy,
    Period,
    ScoringError,
    SubjectKind,
)

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "scoring.toml"
SH = ZoneInfo("Asia/Shanghai")
W, D = SubjectKind.WORKER, SubjectKind.DEPARTMENT

SMALL = """
timezone = "Asia/Shanghai"
week_starts = "monday"

[[rule]]
code = "resolve"
label_zh = "处置"
label_en = "Resolved"
subject = "worker"
on = "resolve"
points = 3
cap = 10
cap_period = "week"

[[rule]]
code = "verify"
label_zh = "验收"
label_en = "Verified"
subject = "worker"
on = "verify"
points = 2

[[penalty]]
code = "breach"
label_zh = "超时"
label_en = "Breach"
subject = "worker"
on = "sla_breach"
points = -1.5
cap = 4
cap_period = "day"
"""


def sh(y: int, m: int, d: int, h: int = 12, mi: int = 0) -> datetime:
    return datetime(y, m, d, h, mi, tzinfo=SH)


@pytest.fixture(scope="module")
def engine() -> ScoringEngine:
    return ScoringEngine(parse_scoring_config(FIXTURE.read_text(encoding="utf-8"), str(FIXTURE)))


@pytest.fixture(scope="module")
def small() -> ScoringEngine:
    return ScoringEngine(parse_scoring_config(SMALL))


def run(
    engine: ScoringEngine,
    event: str,
    times: list[datetime],
    kind: SubjectKind = W,
    sid: int = 1,
    **kw: object,
) -> list[LedgerEntry]:
    """Award ``event`` at each time, appending to a growing ledger."""
    ledger: list[LedgerEntry] = []
    for at in times:
        ledger += engine.award(ledger, kind, sid, event, at, **kw)  # type: ignore[arg-type]
    return ledger


def credited(entries: list[LedgerEntry]) -> float:
    return round(sum(e.points for e in entries), 2)


# -- the shipped config ------------------------------------------------------------


def test_fixture_config_has_the_published_rules(engine: ScoringEngine) -> None:
    cfg = engine.config
    assert cfg.timezone == "Asia/Shanghai" and cfg.week_starts == "monday"
    expect = {
        "patrol_report": (1, 30, Period.MONTH),
        "arrive_on_time": (2, 40, Period.MONTH),
        "resolve": (3, 60, Period.MONTH),
        "daily_report": (0.5, 15, Period.MONTH),
        "dept_resolve_on_time": (5, 200, Period.MONTH),
    }
    for code, (points, cap, period) in expect.items():
        rule = cfg.rule(code)
        assert (rule.points, rule.cap, rule.cap_period) == (points, cap, period)
    penalties = {p.code: p.points for p in cfg.penalties}
    assert penalties["late_arrival"] == -2 and penalties["sla_breach"] == -3
    assert penalties["reopen"] == -2 and penalties["missing_daily_report"] == -1
    assert all(p.cap is None for p in cfg.penalties)
    assert (cfg.adjustment.min, cfg.adjustment.max) == (-20, 20)
    assert cfg.rule("closure_verified").points == 2
    with pytest.raises(KeyError):
        cfg.rule("nope")


# -- caps ------------------------------------------------------------------------------


def test_cap_stops_accumulation_exactly_at_the_maximum(engine: ScoringEngine) -> None:
    times = [sh(2026, 11, 1) + timedelta(hours=i) for i in range(35)]
    ledger = run(engine, "open", times, channel="patrol")
    assert len(ledger) == 35  # capped awards are still recorded for the audit
    assert credited(ledger) == 30
    assert [e.points for e in ledger[29:]] == [1, 0, 0, 0, 0, 0]
    assert all(e.raw_points == 1 for e in ledger)
    assert [e.is_capped for e in ledger[29:31]] == [False, True]
    assert "cap 30 per month reached, 2026-11" in ledger[30].reason
    assert all(e.author == SYSTEM and e.code == "patrol_report" for e in ledger)


def test_partial_credit_at_the_boundary(small: ScoringEngine) -> None:
    ledger = run(small, "resolve", [sh(2026, 11, 24, h) for h in range(8, 13)])
    assert [e.points for e in ledger] == [3, 3, 3, 1, 0]
    assert [e.raw_points for e in ledger] == [3] * 5
    assert ledger[3].is_capped and "cap 10 per week reached, 2026-W48" in ledger[3].reason


def test_half_points_cap_exactly(engine: ScoringEngine) -> None:
    times = [sh(2026, 11, d) for d in range(1, 31)] + [sh(2026, 11, 30, 20)]
    ledger = run(engine, "daily_report", times)
    assert credited(ledger) == 15 and ledger[-1].points == 0 and ledger[-2].points == 0.5


def test_cap_resets_next_period_in_shanghai_time(engine: ScoringEngine) -> None:
    november = [sh(2026, 11, 2) + timedelta(minutes=i) for i in range(30)]
    ledger = run(engine, "open", november, channel="patrol")
    # 16:30 UTC on 30 November is already 00:30 on 1 December in Shanghai.
    first_dec = datetime(2026, 11, 30, 16, 30, tzinfo=UTC)
    assert [e.points for e in engine.award(ledger, W, 1, "open", first_dec, 7, "patrol")] == [1]
    last_nov = datetime(2026, 11, 30, 15, 59, tzinfo=UTC)
    assert [e.points for e in engine.award(ledger, W, 1, "open", last_nov, 7, "patrol")] == [0]


def test_weekly_cap_resets_on_monday_local(small: ScoringEngine) -> None:
    sunday = [sh(2026, 11, 29, 9), sh(2026, 11, 29, 10), sh(2026, 11, 29, 11), sh(2026, 11, 29, 12)]
    ledger = run(small, "resolve", sunday)
    assert credited(ledger) == 10
    # 23:30 UTC on Sunday is 07:30 on Monday in Shanghai: a new week.
    monday = datetime(2026, 11, 29, 23, 30, tzinfo=UTC)
    assert small.award(ledger, W, 1, "resolve", monday)[0].points == 3
    sunday_late = datetime(2026, 11, 29, 15, 59, tzinfo=UTC)  # 23:59 Sunday local
    assert small.award(ledger, W, 1, "resolve", sunday_late)[0].points == 0


def test_cap_counts_only_the_same_subject_and_rule(small: ScoringEngine) -> None:
    at = sh(2026, 11, 24)
    ledger = run(small, "resolve", [at] * 4, sid=1)
    ledger += run(small, "verify", [at] * 3, sid=1)
    assert small.award(ledger, W, 2, "resolve", at)[0].points == 3
    assert small.award(ledger, W, 1, "verify", at)[0].points == 2  # uncapped rule
    assert small.award(ledger, W, 1, "resolve", at)[0].points == 0
    others = run(small, "verify", [at] * 6) + run(small, "sla_breach", [at] * 3)
    assert small.award(others, W, 1, "resolve", at)[0].points == 3  # other codes do not count


def test_history_above_a_lowered_cap_credits_zero_not_negative(small: ScoringEngine) -> None:
    # 14 points were credited under an older, higher cap; the cap is now 10.
    at = sh(2026, 11, 24)
    old = [LedgerEntry(W, 1, at, "resolve", 3, 3, "old rules", SYSTEM) for _ in range(5)]
    [e] = small.award(old, W, 1, "resolve", at)
    assert (e.points, e.raw_points, e.is_capped) == (0, 3, True)
    [p] = small.award(
        [*old[:1], *[LedgerEntry(W, 1, at, "breach", -3, -3, "", SYSTEM)] * 2],
        W,
        1,
        "sla_breach",
        at,
    )
    assert p.points == 0 and p.raw_points == -1.5


def test_backdated_award_respects_the_cap(small: ScoringEngine) -> None:
    ledger = run(small, "resolve", [sh(2026, 11, 27), sh(2026, 11, 26), sh(2026, 11, 25)])
    assert small.award(ledger, W, 1, "resolve", sh(2026, 11, 23, 0, 1))[0].points == 1


# -- matching: events, channels, on-time, subjects -----------------------------------


def test_channel_and_on_time_filters(engine: ScoringEngine) -> None:
    at = sh(2026, 11, 24)
    assert [e.code for e in engine.award([], W, 1, "open", at, 1, Channel.PATROL)] == [
        "patrol_report"
    ]
    assert engine.award([], W, 1, "open", at, 1, "hotline") == []
    assert engine.award([], W, 1, Action.OPEN, at, 1) == []
    on_time = engine.award([], W, 1, Action.ARRIVE, at, 1, on_time=True)
    assert [(e.code, e.points, e.ticket_id) for e in on_time] == [("arrive_on_time", 2, 1)]
    assert engine.award([], W, 1, "arrive", at, 1, on_time=False) == []
    assert engine.award([], W, 1, "arrive", at, 1) == []


def test_unknown_events_and_channels_are_refused(engine: ScoringEngine) -> None:
    at = sh(2026, 11, 24)
    with pytest.raises(ScoringError, match="unknown event 'arive'"):
        engine.award([], W, 1, "arive", at)
    with pytest.raises(ScoringError, match="unknown channel"):
        engine.award([], W, 1, "open", at, channel="fax")
    with pytest.raises(ScoringError, match="unknown subject"):
        engine.award([], "grid", 1, "open", at)
    with pytest.raises(ScoringError, match="no time zone"):
        engine.award([], W, 1, "resolve", datetime(2026, 11, 24, 12))
    assert engine.award([], W, 1, "note", at) == []


def test_department_rules(engine: ScoringEngine) -> None:
    times = [sh(2026, 11, 1) + timedelta(hours=i) for i in range(41)]
    ledger = run(engine, "resolve", times, kind=D, sid=9, on_time=True)
    assert {e.code for e in ledger} == {"dept_resolve_on_time"}
    assert credited(ledger) == 200 and ledger[-1].points == 0
    assert all(e.subject_kind is D and e.subject_id == 9 for e in ledger)
    assert engine.award([], D, 9, "resolve", times[0], on_time=False) == []
    worker = engine.award([], W, 9, "resolve", times[0], on_time=True)
    assert [e.code for e in worker] == ["resolve"]  # worker rules never credit departments


def test_penalties(engine: ScoringEngine) -> None:
    at = sh(2026, 11, 24)

    def codes(kind: SubjectKind, event: str) -> list[tuple[str, float]]:
        return [(e.code, e.points) for e in engine.award([], kind, 3, event, at, 42)]

    assert codes(W, "late_arrival") == [("late_arrival", -2)]
    assert codes(W, "sla_breach") == [("sla_breach", -3)]
    assert codes(W, "reject") == [("reopen", -2)]
    assert codes(W, "reopen") == [("reopen", -2)]
    assert codes(W, "missing_daily_report") == [("missing_daily_report", -1)]
    assert codes(D, "sla_breach") == [("dept_sla_breach", -3)]
    assert codes(D, "late_arrival") == []


def test_penalties_are_uncapped_unless_configured(
    engine: ScoringEngine, small: ScoringEngine
) -> None:
    times = [sh(2026, 11, 24) + timedelta(minutes=i) for i in range(100)]
    assert credited(run(engine, "late_arrival", times)) == -200
    capped = run(small, "sla_breach", times[:4])
    assert [e.points for e in capped] == [-1.5, -1.5, -1, 0]
    assert all(e.raw_points == -1.5 for e in capped)
    assert small.award(capped, W, 1, "sla_breach", sh(2026, 11, 25))[0].points == -1.5


# -- the cap itself ----------------------------------------------------------------


def test_capped_award_credits_what_is_left_of_the_cap_with_the_rules_sign(
    small: ScoringEngine,
) -> None:
    resolve, verify, breach = (small.config.rule(c) for c in ("resolve", "verify", "breach"))
    assert capped_award(resolve, 0, "2026-W48") == Award(300, 300, "处置 / Resolved")
    assert capped_award(resolve, 800, "2026-W48") == Award(
        300, 200, "处置 / Resolved (cap 10 per week reached, 2026-W48)"
    )
    assert capped_award(resolve, 1200, "2026-W48").points == 0  # never below nothing
    assert capped_award(breach, 300, "2026-11-24").points == -100  # a penalty counts |deducted|
    assert capped_award(verify, 10**6, "").points == 200  # uncapped: used is ignored


# -- alerts -------------------------------------------------------------------------


def test_the_on_time_target_defaults_to_80_percent_when_absent(
    small: ScoringEngine, engine: ScoringEngine
) -> None:
    assert small.config.alerts == AlertPolicy(0.8)
    assert engine.config.alerts == AlertPolicy(0.8)  # fixtures/scoring.toml says so too


def test_the_on_time_alert_follows_the_configured_target() -> None:
    alerts = parse_scoring_config(SMALL + "\n[alerts]\non_time_rate = 0.99\n").alerts
    assert alerts.on_time_alert(0.98) and not alerts.on_time_alert(0.99)
    assert not alerts.on_time_alert(None)  # nothing with a deadline: nothing to flag
    assert not parse_scoring_config(SMALL + "[alerts]\non_time_rate = 0\n").alerts.on_time_alert(0)


# -- adjustments -------------------------------------------------------------------


def test_adjustment(engine: ScoringEngine) -> None:
    at = sh(2026, 11, 24)
    e = engine.adjust(W, 5, -20, " 抽查发现漏报 ", " 王督查 ", at, ticket_id=3)
    assert (e.code, e.points, e.raw_points, e.reason, e.author) == (
        ADJUSTMENT,
        -20,
        -20,
        "抽查发现漏报",
        "王督查",
    )
    assert e.subject_kind is W and e.ticket_id == 3 and not e.is_capped
    assert engine.adjust("department", 2, 20, "专项督查表扬", "李", at).points == 20
    assert engine.adjust(W, 5, 0.25, "r", "a", at).points == 0.25


@pytest.mark.parametrize(
    ("points", "reason", "author", "message"),
    [
        (5, "", "王", "reason"),
        (5, "  ", "王", "reason"),
        (5, "漏报", "", "author"),
        (5, "漏报", "system", "reserved"),
        (0, "漏报", "王", "non-zero"),
        (20.01, "漏报", "王", r"outside \[-20, 20\]"),
        (-21, "漏报", "王", r"outside \[-20, 20\]"),
        (1.234, "漏报", "王", "two decimals"),
        (float("nan"), "漏报", "王", "non-zero number"),
        (True, "漏报", "王", "non-zero number"),
    ],
)
def test_adjustment_validation(
    engine: ScoringEngine, points: float, reason: str, author: str, message: str
) -> None:
    with pytest.raises(ScoringError, match=message):
        engine.adjust(W, 1, points, reason, author, sh(2026, 11, 24))


# -- periods -------------------------------------------------------------------------


def test_period_keys(engine: ScoringEngine) -> None:
    at = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)  # Tuesday 10:00 in Shanghai
    assert engine.period_key(at, "day") == "2026-11-24"
    assert engine.period_key(at, Period.WEEK) == "2026-W48"
    assert engine.period_key(at, "month") == "2026-11"
    assert engine.period_key(at, "year") == "2026"
    sunday_night_utc = datetime(2026, 11, 29, 23, 30, tzinfo=UTC)
    assert engine.period_key(sunday_night_utc, "week") == "2026-W49"
    assert engine.period_key(sunday_night_utc, "day") == "2026-11-30"
    new_year = datetime(2026, 12, 31, 16, 0, tzinfo=UTC)
    assert engine.period_key(new_year, "year") == "2027"
    assert engine.period_key(new_year, "week") == "2026-W53"  # ISO week of Fri 1 Jan 2027
    assert engine.period_key(new_year - timedelta(seconds=1), "year") == "2026"
    with pytest.raises(ScoringError, match="unknown period"):
        engine.period_key(at, "fortnight")


def test_period_bounds(engine: ScoringEngine) -> None:
    at = datetime(2026, 11, 29, 23, 30, tzinfo=UTC)  # Monday 07:30 in Shanghai
    assert engine.period_of(at, "day") == (sh(2026, 11, 30, 0), sh(2026, 12, 1, 0))
    assert engine.period_of(at, "week") == (sh(2026, 11, 30, 0), sh(2026, 12, 7, 0))
    assert engine.period_of(at, "month") == (sh(2026, 11, 1, 0), sh(2026, 12, 1, 0))
    assert engine.period_of(at, "year") == (sh(2026, 1, 1, 0), sh(2027, 1, 1, 0))
    start, end = engine.period_of(sh(2028, 2, 29), "month")
    assert (start, end) == (sh(2028, 2, 1, 0), sh(2028, 3, 1, 0))
    assert start.utcoffset() == timedelta(hours=8)
    assert engine.period_of(sh(2026, 12, 31), "month")[1] == sh(2027, 1, 1, 0)


def test_weeks_can_start_on_sunday() -> None:
    eng = ScoringEngine(parse_scoring_config('week_starts = "sunday"'))
    sunday = sh(2026, 11, 29)
    assert eng.period_of(sunday, "week") == (sh(2026, 11, 29, 0), sh(2026, 12, 6, 0))
    assert eng.period_key(sunday, "week") == eng.period_key(sh(2026, 12, 5), "week") == "2026-W49"
    assert eng.period_key(sh(2026, 11, 28), "week") == "2026-W48"


@settings(max_examples=200, deadline=None)
@given(
    st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 1), timezones=st.just(UTC)
    ),
    st.sampled_from(list(Period)),
)
def test_period_contains_its_instant_and_has_one_key(at: datetime, period: Period) -> None:
    eng = ScoringEngine(parse_scoring_config(""))
    start, end = eng.period_of(at, period)
    assert start <= at < end
    assert eng.period_key(start, period) == eng.period_key(at, period)
    assert eng.period_key(end - timedelta(microseconds=1), period) == eng.period_key(at, period)
    assert eng.period_key(end, period) != eng.period_key(at, period)
    assert start.astimezone(SH).time().isoformat() == "00:00:00"


# -- totals and ranking ----------------------------------------------------------------


def entry(kind: SubjectKind, sid: int, at: datetime, points: float) -> LedgerEntry:
    return LedgerEntry(kind, sid, at, "resolve", points, points, "test", SYSTEM)


LEDGER = [
    entry(W, 1, sh(2026, 11, 23, 0, 5), 3),  # Monday of W48
    entry(W, 1, sh(2026, 11, 24), 2.5),
    entry(W, 2, sh(2026, 11, 29, 23, 59), 4),  # last minute of W48 (Sunday)
    entry(W, 2, sh(2026, 11, 30, 0, 0), 1),  # first minute of W49
    entry(W, 3, sh(2026, 11, 2), 7),
    entry(W, 1, sh(2026, 10, 31, 23, 59), 100),  # October
    entry(W, 1, sh(2025, 12, 31, 23, 59), 1000),  # last year
    entry(D, 1, sh(2026, 11, 24), 50),
]


def test_totals_by_week_month_year(engine: ScoringEngine) -> None:
    at = sh(2026, 11, 24)
    assert engine.totals(LEDGER, "week", at) == {(W, 1): 5.5, (W, 2): 4, (D, 1): 50}
    assert engine.totals(LEDGER, "month", at) == {(W, 1): 5.5, (W, 2): 5, (W, 3): 7, (D, 1): 50}
    assert engine.totals(LEDGER, "year", at) == {(W, 1): 105.5, (W, 2): 5, (W, 3): 7, (D, 1): 50}
    assert engine.totals(LEDGER, "day", at) == {(W, 1): 2.5, (D, 1): 50}
    assert engine.totals(LEDGER, "week", sh(2026, 12, 1)) == {(W, 2): 1}
    assert engine.totals([], "year", at) == {}


def test_totals_are_exact_in_hundredths(engine: ScoringEngine) -> None:
    entries = [entry(W, 1, sh(2026, 11, 24), 0.1) for _ in range(3)]
    assert engine.totals(entries, "day", sh(2026, 11, 24)) == {(W, 1): 0.3}


def test_rank_with_ties_shares_rank(engine: ScoringEngine) -> None:
    at = sh(2026, 11, 24)
    ledger = [entry(W, sid, at, pts) for sid, pts in [(7, 10), (3, 10), (5, 4), (4, 4), (9, 2)]]
    ledger += [entry(W, 9, at, 1), entry(W, 9, at, 1), entry(D, 1, at, 99)]
    rows = engine.rank(ledger, "month", at, "worker", subjects=[11, 3])
    assert rows == [
        RankRow(3, 10, 1, 1),
        RankRow(7, 10, 1, 1),
        RankRow(4, 4, 3, 1),
        RankRow(5, 4, 3, 1),
        RankRow(9, 4, 3, 3),
        RankRow(11, 0, 6, 0),
    ]
    assert engine.rank(ledger, "month", at, D) == [RankRow(1, 99, 1, 1)]
    assert engine.rank(ledger, "month", sh(2026, 12, 1), W) == []


def test_rank_places_negative_totals_last(engine: ScoringEngine) -> None:
    at = sh(2026, 11, 24)
    ledger = [entry(W, 1, at, -3), entry(W, 2, at, 0)]
    assert [(r.subject_id, r.rank) for r in engine.rank(ledger, "week", at, W)] == [(2, 1), (1, 2)]


# -- property: caps hold for any sequence ---------------------------------------------

EVENTS = ["open", "accept", "arrive", "resolve", "verify", "daily_report", "sla_breach", "reject"]
AWARD = st.tuples(
    st.sampled_from([W, D]),
    st.integers(1, 2),
    st.sampled_from(EVENTS),
    # minutes from 2026-11-20 00:00 UTC: a few days (caps bite), or ten weeks (caps reset)
    st.one_of(st.integers(0, 60 * 24 * 3), st.integers(0, 60 * 24 * 70)),
    st.sampled_from([None, "patrol", "hotline"]),
    st.sampled_from([None, True, False]),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(AWARD, min_size=20, max_size=150), st.booleans(), st.booleans())
def test_credited_never_exceeds_the_cap_nor_goes_negative(
    awards: list[tuple[SubjectKind, int, str, int, str | None, bool | None]],
    use_small: bool,
    whole_ledger: bool,
) -> None:
    """Also with the whole ledger as history: other subjects' entries must not count."""
    text = SMALL if use_small else FIXTURE.read_text(encoding="utf-8")
    eng = ScoringEngine(parse_scoring_config(text))
    ledger: list[LedgerEntry] = []
    counts: dict[tuple[SubjectKind, int, str, str], int] = defaultdict(int)
    origin = datetime(2026, 11, 20, tzinfo=UTC)
    for kind, sid, event, minutes, channel, on_time in awards:
        at = origin + timedelta(minutes=minutes)
        mine = [e for e in ledger if e.subject_kind is kind and e.subject_id == sid]
        history = ledger if whole_ledger else mine
        new = eng.award(history, kind, sid, event, at, None, channel, on_time=on_time)
        for e in new:
            rule = eng.config.rule(e.code)
            assert e.raw_points == rule.points
            assert abs(e.points) <= abs(e.raw_points) and e.points * e.raw_points >= 0
            if rule.cap_period is not None:
                counts[(kind, sid, e.code, eng.period_key(at, rule.cap_period))] += 1
        ledger += new
    sums: dict[tuple[SubjectKind, int, str, str], float] = defaultdict(float)
    for e in ledger:
        rule = eng.config.rule(e.code)
        if rule.cap is not None and rule.cap_period is not None:
            sums[(e.subject_kind, e.subject_id, e.code, eng.period_key(e.at, rule.cap_period))] += (
                e.points
            )
    for key, total in sums.items():
        rule = eng.config.rule(key[2])
        assert rule.cap is not None
        # Each award credits what is left, so the period's total is exactly this:
        expected = min(rule.cap, counts[key] * abs(rule.points))
        assert round(abs(total), 2) == expected
        assert (total >= 0) if not rule.is_penalty else (total <= 0)


# -- config errors ---------------------------------------------------------------------


def line_of(text: str, needle: str) -> int:
    """The last line containing ``needle``."""
    return [n for n, line in enumerate(text.splitlines(), 1) if needle in line][-1]


def broken(old: str, new: str) -> str:
    assert old in SMALL
    return SMALL.replace(old, new, 1)


CONFIG_ERRORS = [
    (broken("cap = 10", "cap = -5"), "rule[0].cap", "cap = -5", "positive number"),
    (broken("points = 2", "points = -2"), "rule[1].points", "points = -2", "positive"),
    (broken("points = -1.5", "points = 1.5"), "penalty[0].points", "points = 1.5", "negative"),
    (
        broken('cap_period = "week"', 'cap_peroid = "week"'),
        "rule[0].cap_peroid",
        "cap_peroid",
        "unknown key",
    ),
    (
        broken('cap_period = "week"', 'cap_period = "fortnight"'),
        "rule[0].cap_period",
        "fortnight",
        "day, week, month, year",
    ),
    (broken('cap_period = "day"', ""), "penalty[0].cap", "cap = 4", "cap_period (day"),
    (broken('on = "verify"', 'on = "verfy"'), "rule[1].on", "verfy", "ticket action"),
    (
        broken('on = "verify"', 'on = "late_arrival"'),
        "rule[1].on",
        "late_arrival",
        "penalty trigger",
    ),
    (
        broken('on = "resolve"', 'on = "resolve"\nchannel = "fax"'),
        "rule[0].channel",
        "fax",
        "patrol",
    ),
    (
        broken('subject = "worker"', 'subject = "team"'),
        "rule[0].subject",
        "team",
        "worker, department",
    ),
    (broken('label_en = "Verified"', ""), "rule[1].label_en", "[[rule]]", "non-empty string"),
    (
        broken('code = "verify"', 'code = "resolve"'),
        "rule[1].code",
        'code = "resolve"',
        "duplicate",
    ),
    (
        broken('code = "verify"', 'code = "adjustment"'),
        "rule[1].code",
        '"adjustment"',
        "lower_snake_case",
    ),
    (broken("points = 3", 'points = "3"'), "rule[0].points", 'points = "3"', "expected a number"),
    (broken("points = 3", "points = 0.125"), "rule[0].points", "0.125", "two decimals"),
    (
        broken('timezone = "Asia/Shanghai"', 'timezone = "Asia/Beijing"'),
        "timezone",
        "Beijing",
        "IANA",
    ),
    (
        broken('week_starts = "monday"', 'week_starts = "mon"'),
        "week_starts",
        'week_starts = "mon"',
        "monday",
    ),
    (SMALL + "\n[adjustment]\nmin = 5\n", "adjustment.min", "min = 5", "negative number"),
    (SMALL + "\n[adjustment]\nmax = -1\n", "adjustment.max", "max = -1", "positive number"),
    (
        SMALL + "\n[adjustment]\nmin = -5\nreason = true\n",
        "adjustment.reason",
        "reason = true",
        "unknown key",
    ),
    (SMALL + "\n[alerts]\non_time_rate = 1.2\n", "alerts.on_time_rate", "= 1.2", "0 to 1"),
    (SMALL + "\n[alerts]\non_time_rate = -0.1\n", "alerts.on_time_rate", "= -0.1", "0 to 1"),
    (SMALL + '\n[alerts]\non_time_rate = "80%"\n', "alerts.on_time_rate", "80%", "0 to 1"),
    (SMALL + "\n[alerts]\non_time = 0.8\n", "alerts.on_time", "on_time =", "unknown key"),
    ("alerts = 0.8\n" + SMALL, "alerts", "alerts = 0.8", "table [alerts]"),
    ('timezone = "UTC"\nrule = 3\n', "rule", "rule = 3", "array of tables"),
    (SMALL + "\n[bonus]\nx = 1\n", "bonus", "[bonus]", "unknown key"),
]


@pytest.mark.parametrize(
    ("text", "path", "needle", "expected"), CONFIG_ERRORS, ids=[c[1] for c in CONFIG_ERRORS]
)
def test_config_errors_name_file_line_field_and_expectation(
    text: str, path: str, needle: str, expected: str
) -> None:
    needle_line = line_of(text, needle)
    with pytest.raises(ScoringConfigError) as info:
        parse_scoring_config(text, "city/scoring.toml")
    err = info.value
    assert err.path == path and err.source == "city/scoring.toml"
    assert err.line == needle_line, str(err)
    assert str(err).startswith(f"city/scoring.toml:{needle_line}: {path}: ")
    assert expected in str(err)


def test_toml_syntax_errors_give_the_line() -> None:
    text = SMALL.replace("points = 3", "points = = 3")
    with pytest.raises(ScoringConfigError) as info:
        parse_scoring_config(text, "scoring.toml")
    assert info.value.line == line_of(text, "points = = 3")
    assert str(info.value).startswith(f"scoring.toml:{info.value.line}: invalid TOML")


def test_inline_rule_tables_fall_back_to_the_code_line() -> None:
    rule = '{code = "x", label_zh = "甲", label_en = "X", subject = "worker", points = -1}'
    text = f"rule = [\n  {rule},\n]\n"
    with pytest.raises(ScoringConfigError) as info:
        parse_scoring_config(text)
    assert info.value.path == "rule[0].on" and info.value.line == 2
    assert "expected a string or a non-empty list" in str(info.value)


def test_empty_config_has_defaults() -> None:
    cfg = parse_scoring_config("")
    assert (cfg.timezone, cfg.week_starts, cfg.rules, cfg.penalties) == (
        "Asia/Shanghai",
        "monday",
        (),
        (),
    )
