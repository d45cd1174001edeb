"""A bulletin's content read from a :class:`~gridtui.data.sources.source.DataSource`:
the reference (names), one assessment per ranking level (the first also gives the
headline: every assessment carries the city's totals), and the bulletin facts."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import cast
from zoneinfo import ZoneInfo

from gridtui.bulletin.compose import Inputs, compose
from gridtui.bulletin.model import Bulletin
from gridtui.data.sources.records import ASSESSMENT_LEVELS, AssessmentLevel, Period
from gridtui.data.sources.source import DataSource
from gridtui.domain.assessment.config import AssessmentConfig
from gridtui.domain.assessment.schedule import LANGS, PERIODS

Progress = Callable[[float], None]


def check_request(period: str, levels: Sequence[str], lang: str) -> None:
    """Refuse an unknown period, level or language.

    Raises:
        ValueError: naming what is accepted.
    """
    if period not in PERIODS:
        raise ValueError(f"unknown period {period!r}; expected one of {', '.join(PERIODS)}")
    for level in levels:
        if level not in ASSESSMENT_LEVELS:
            raise ValueError(
                f"unknown level {level!r}; expected some of {', '.join(ASSESSMENT_LEVELS)}"
            )
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}; expected zh or en")


def build_bulletin(
    source: DataSource,
    *,
    period: Period,
    at: datetime,
    levels: Sequence[str] | None = None,
    lang: str = "zh",
    config: AssessmentConfig | None = None,
    issued: datetime | None = None,
    progress: Progress | None = None,
    share: float = 1.0,
) -> Bulletin:
    """The bulletin of the period containing ``at``.

    ``levels``: the ranking sections (default: ``[schedule] levels`` of ``config``);
    ``config``: the assessment rules (default: the source's, :meth:`assessment_rules`);
    ``progress`` is told the fraction done, reaching ``share`` at the end.

    Raises:
        ValueError: an unknown period, level or language.
        SourceError: the source could not answer.
    """
    check_request(period, list(levels or ()), lang)  # before anything is read
    rules = config or source.assessment_rules()
    chosen = list(dict.fromkeys(levels if levels is not None else rules.schedule.levels))
    check_request(period, chosen, lang)
    steps = len(chosen) + 3
    done = 0

    def step() -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(share * done / steps)

    reference = source.reference()
    step()
    rankings = []
    for level in chosen:
        rankings.append(source.assessment(cast(AssessmentLevel, level), period, at))
        step()
    headline = rankings[0] if rankings else source.assessment("street", period, at)
    step()
    facts = source.bulletin_facts(period, at, rules.bulletin.list_limit)
    step()
    tz = ZoneInfo(source.timezone)
    return compose(Inputs(reference, tz, lang, rules.bulletin, headline, rankings, facts, issued))
