"""TEMPORARY stand-in for helper A's ``config.py`` (issue 15): only the shapes the
bulletins build on, as agreed in the contract. Replaced by A's module when ``main``
brings it (take theirs on the merge)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time

INDICATORS = (
    "closure", "on_time", "overdue", "breaches", "reopen", "satisfaction", "reports", "points",
)  # fmt: skip


@dataclass(frozen=True)
class BulletinSchedule:
    """``[schedule]``: when the weekly and monthly bulletins are due."""

    week_day: int = 1
    week_time: time = time(9, 0)
    month_day: int = 1
    month_time: time = time(9, 0)
    lang: str = "zh"
    formats: tuple[str, ...] = ("docx", "xlsx")
    levels: tuple[str, ...] = ("street", "community", "department")


@dataclass(frozen=True)
class BulletinLayout:
    """``[bulletin]``: how much of each ranking and list a bulletin prints."""

    top: int = 3
    bottom: int = 3
    list_limit: int = 20
    full_table_max: int = 30


@dataclass(frozen=True)
class AssessmentConfig:
    """The assessment rules."""

    weights: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    adjustment_factor: float = 1.0
    schedule: BulletinSchedule = BulletinSchedule()
    bulletin: BulletinLayout = BulletinLayout()


DEFAULT_ASSESSMENT = AssessmentConfig()
