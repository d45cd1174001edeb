"""The scheduled bulletins' writer over a source of hand-made records: the due week's
and month's bulletins written once, on the source's (simulated) clock, and the
thread stopping at once; and the ``gridtui bulletin`` usage errors."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest

from gridtui.bulletin.scheduled import BulletinScheduler, ScheduleRules
from gridtui.cli.main import main
from gridtui.data.sources.records import ClockSpec
from gridtui.domain.assessment.config import DEFAULT_ASSESSMENT
from gridtui.domain.scoring.engine import ScoringEngine
from gridtui.domain.scoring.rules import ScoringConfig
from tests.bulletin import records as R
from tests.waiting import until

ENGINE = ScoringEngine(ScoringConfig(timezone="Asia/Shanghai"))
SCHEDULE = replace(DEFAULT_ASSESSMENT.schedule, week_day=1, week_time=time(9, 0), month_day=1,
                            month_time=time(9, 0), lang="zh", formats=("md", "xlsx"),
                            levels=("street",))  # fmt: skip
RULES = ScheduleRules(ENGINE, ENGINE.config.tz, replace(DEFAULT_ASSESSMENT, schedule=SCHEDULE))
#: December's bulletin of November is due at 09:00 on the 1st in Shanghai
MONTH_DUE = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)


def _names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_a_round_writes_what_is_due_once(tmp_path: Path) -> None:
    records = R.RecordsSource()
    scheduler = BulletinScheduler(records.source(), tmp_path, lambda: RULES)
    # a minute before November's is due: the last due week (W48, due Mon 30th) and October
    written = scheduler.write_due(RULES, MONTH_DUE - timedelta(minutes=1))
    assert _names(tmp_path) == [
        "bulletin-month-2026-10.zh.md", "bulletin-month-2026-10.zh.xlsx",
        "bulletin-week-2026-W48.zh.md", "bulletin-week-2026-W48.zh.xlsx",
    ] and len(written) == 4  # fmt: skip
    asked = len(records.asked)
    assert scheduler.write_due(RULES, MONTH_DUE - timedelta(minutes=1)) == []
    assert len(records.asked) == asked  # nothing read for what exists
    scheduler.write_due(RULES, MONTH_DUE)
    assert "bulletin-month-2026-11.zh.md" in _names(tmp_path)
    text = (tmp_path / "bulletin-month-2026-11.zh.md").read_text(encoding="utf-8")
    assert "2026年12月1日" in text  # issued when due


def test_the_thread_writes_when_the_simulated_clock_reaches_the_due_time(tmp_path: Path) -> None:
    # the simulated clock stands 30 s before November's bulletin is due and runs ×120:
    # due a quarter of a second from now
    for name in ("bulletin-month-2026-10.zh.md", "bulletin-month-2026-10.zh.xlsx",
                 "bulletin-week-2026-W48.zh.md", "bulletin-week-2026-W48.zh.xlsx"):  # fmt: skip
        (tmp_path / name).write_text("written before", encoding="utf-8")
    spec = ClockSpec(datetime.now(UTC), MONTH_DUE - timedelta(seconds=30), 120.0)
    records = R.RecordsSource(spec=spec)
    scheduler = BulletinScheduler(records.source(), tmp_path, lambda: RULES).start()
    try:
        until(lambda: (tmp_path / "bulletin-month-2026-11.zh.xlsx").exists(), "November's", 20)
    finally:
        scheduler.close(timeout=5)
    assert scheduler._thread is not None and not scheduler._thread.is_alive()
    assert (tmp_path / "bulletin-month-2026-10.zh.md").read_text(
        encoding="utf-8"
    ) == "written before"
    assert _names(tmp_path)[-4:] == [
        "bulletin-month-2026-11.zh.md", "bulletin-month-2026-11.zh.xlsx",
        "bulletin-week-2026-W48.zh.md", "bulletin-week-2026-W48.zh.xlsx",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--out", "b.pdf"], "written as .md, .xlsx, .docx"),
        (["--out", "nowhere/b.md"], "the folder nowhere does not exist"),
        (["--out", "b.md", "--at", "2026-13-01"], "is not a date"),
        (["--out", "b.md", "--level", "street,town"], "unknown level town"),
        (["--out", "folder.md"], "it is a folder"),
    ],
)
def test_usage_errors_say_what_and_exit_2(
    tmp_path: Path, args: list[str], message: str, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.chdir(tmp_path)
    (tmp_path / "folder.md").mkdir()
    argv = ["--db", f"sqlite:///{tmp_path}/none.sqlite", "bulletin", "--period", "month", *args]
    try:
        code = main(argv)
    except SystemExit as exit_:  # argparse's own refusals
        code = int(exit_.code or 0)
    err = capsys.readouterr().err
    assert code == 2 and message in err and "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["folder.md"]
