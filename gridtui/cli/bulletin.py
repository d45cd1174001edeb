"""``gridtui bulletin``: the bulletin (通报) of a week, a month or a year, written as
Markdown, an Excel workbook or a Word document (by the suffix of ``--out``), from the
database (``--db``) or a server's API (``--api``); and what ``gridtui serve
--bulletins DIR`` needs to write them on schedule.

A usage problem (an unknown suffix, a bad date or level, a file that cannot be
written) is a message and exit code 2; the source's problems are exit code 1.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from datetime import date, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from gridtui.cli.common import CliError, aware_time
from gridtui.cli.sources import as_data_source, open_source

if TYPE_CHECKING:
    from gridtui.bulletin.scheduled import ScheduleRules
    from gridtui.cli.common import Subcommands
    from gridtui.data.sources.local import LocalSource
    from gridtui.data.sources.source import DataSource

#: the levels a bulletin ranks (gridtui.data.sources.records.ASSESSMENT_LEVELS)
LEVELS = ("street", "community", "grid", "worker", "department")


def _moment(value: str) -> date | datetime:
    """``--at``: a date (the centre's local day) or an ISO 8601 moment."""
    if len(value) == 10:
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    try:
        return aware_time(value)
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not a date (2026-11-15) or an ISO 8601 time (2026-11-15T10:00:00+08:00)"
        ) from None


def _levels(value: str) -> list[str]:
    """``--level``: one level or a comma list."""
    chosen = [v.strip() for v in value.split(",") if v.strip()]
    unknown = [v for v in chosen if v not in LEVELS]
    if unknown or not chosen:
        raise argparse.ArgumentTypeError(
            f"unknown level {', '.join(unknown) or repr(value)}; choose from {', '.join(LEVELS)}"
        )
    return chosen


def _unwritable(out: Path) -> str | None:
    """Why ``out`` cannot be written, or None."""
    folder = out.parent
    if not folder.is_dir():
        return f"cannot write {out}: the folder {folder} does not exist"
    if out.is_dir():
        return f"cannot write {out}: it is a folder"
    if not os.access(folder, os.W_OK | os.X_OK):
        return f"cannot write {out}: no permission to write in {folder}"
    return None


def _usage(message: str) -> int:
    from gridtui.domain.text import shown_text

    print(f"gridtui bulletin: {shown_text(message)}", file=sys.stderr)
    return 2


def _resolve(at: date | datetime | None, source: DataSource) -> datetime:
    """``--at`` as a moment: a date is its local noon; nothing is the source's now."""
    from gridtui.bulletin.scheduled import source_now

    if at is None:
        return source_now(source)
    if isinstance(at, datetime):
        return at
    return datetime.combine(at, time(12), tzinfo=ZoneInfo(source.timezone))


def cmd_bulletin(args: argparse.Namespace) -> int:
    """``gridtui bulletin --period P [--at D] [--level L] [--lang zh|en] --out FILE``."""
    from gridtui.bulletin import bulletin_format, write_bulletin
    from gridtui.data.sources.source import SourceError

    out = Path(args.out)
    try:
        bulletin_format(out)
    except ValueError as exc:
        return _usage(str(exc))
    problem = _unwritable(out)
    if problem:
        return _usage(problem)
    levels = [level for chosen in args.level for level in chosen] if args.level else None
    source = open_source(args)
    try:
        at = _resolve(args.at, source)
        written = write_bulletin(source, out, period=args.period, at=at, levels=levels,
                                 lang=args.lang, issued=_resolve(None, source))  # fmt: skip
    except OSError as exc:
        return _usage(f"cannot write {out}: {exc.strerror or exc}")
    except SourceError as exc:
        raise CliError(f"cannot read the bulletin's figures: {exc}") from exc
    finally:
        source.close()
    print(f"{written} ({written.stat().st_size:,} bytes)")
    return 0


def add_bulletin_parser(sub: Subcommands) -> None:
    """``bulletin``."""
    p = sub.add_parser(
        "bulletin", help="write the bulletin (通报) of a week, month or year: .md, .xlsx, .docx",
        description="The bulletin of the period containing --at: headline figures against "
        "the previous period, rankings, overdue and reopened matters, spot checks, missing "
        "daily reports, the red list. The format is the suffix of --out; the file is "
        "readable by its owner only.",
    )  # fmt: skip
    p.add_argument("--db", dest="db_url", default=argparse.SUPPRESS, help="database URL")
    p.add_argument("--api", default=None, help="read from a `gridtui serve` instead")
    p.add_argument("--token", default=None, help="API token for --api (better: env GRIDTUI_TOKEN)")
    p.add_argument("--period", choices=["week", "month", "year"], required=True)
    p.add_argument(
        "--at", type=_moment, default=None, metavar="DATE",
        help="a day or moment in the period (2026-11-15 or ISO 8601; default: now)",
    )  # fmt: skip
    p.add_argument(
        "--level", type=_levels, action="append", default=None, metavar="LEVEL[,LEVEL]",
        help=f"a ranking to include, repeatable ({', '.join(LEVELS)}; "
        "default: the levels of [schedule] in assessment.toml)",
    )  # fmt: skip
    p.add_argument("--lang", choices=["zh", "en"], default="zh", help="default zh")
    p.add_argument("--out", required=True, metavar="FILE", help="FILE.md, FILE.xlsx or FILE.docx")
    p.set_defaults(func=cmd_bulletin)


def local_rules(local: LocalSource) -> Callable[[], ScheduleRules]:
    """What the scheduled bulletins of ``gridtui serve`` go by, read from the database
    each time: its scoring engine's period windows and time zone, its assessment
    rules."""
    from gridtui.bulletin.scheduled import ScheduleRules
    from gridtui.domain.scoring.engine import ScoringEngine
    from gridtui.domain.scoring.rules import ScoringConfig

    def rules() -> ScheduleRules:
        with local.factory() as s:
            _, engine = local.service.rules(s)
        if engine is None:
            engine = ScoringEngine(ScoringConfig(timezone=local.timezone))
        return ScheduleRules(engine, engine.config.tz, as_data_source(local).assessment_rules())

    return rules


def start_bulletins(folder: Path, local: LocalSource) -> Callable[[], None]:
    """Write the scheduled bulletins of ``local`` into ``folder`` in a background
    thread; the function that stops it."""
    from gridtui.bulletin.scheduled import BulletinScheduler

    scheduler = BulletinScheduler(as_data_source(local), folder, local_rules(local), now=local.now)
    return scheduler.start().close


def bulletin_folder(value: str) -> Path:
    """``serve --bulletins DIR``: the folder, created when missing.

    Raises:
        CliError: it cannot be made or is not a folder.
    """
    folder = Path(value)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CliError(f"--bulletins {value}: {exc.strerror or exc}") from exc
    return folder.resolve()
