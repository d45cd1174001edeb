"""assessment.toml loads and hot-reloads like scoring.toml: optional in a fixtures folder
(the defaults apply), stored, parsed by the service, and a broken edit is refused with
its line while the last good assessment rules stay in force."""

from __future__ import annotations

import shutil
from pathlib import Path

from sqlalchemy import select

from gridtui.data.intake.confwatch import ConfigWatcher, apply_rules
from gridtui.data.intake.fixtures import load_fixtures
from gridtui.data.sources.local import LocalSource
from gridtui.data.storage.models import Change
from gridtui.domain.assessment.config import DEFAULT_ASSESSMENT, AssessmentConfig
from tests.conftest import FIXTURES, NOW
from tests.waiting import until


def assessment(source: LocalSource) -> AssessmentConfig:
    with source.factory() as s:
        return source.service.assessment_rules(s)


def test_a_broken_assessment_edit_is_refused_and_the_last_good_stays(
    db_url: str, tmp_path: Path
) -> None:
    folder = Path(shutil.copytree(FIXTURES, tmp_path / "fixtures"))
    good = (folder / "assessment.toml").read_text(encoding="utf-8")
    (folder / "assessment.toml").unlink()  # optional: a folder without it loads
    source = LocalSource(db_url, clock=lambda: NOW)
    try:
        load_fixtures(source.factory, folder, now=NOW)
        assert assessment(source) == DEFAULT_ASSESSMENT

        # a valid edit applies: the top three become five
        five = good.replace("top = 3 ", "top = 5 ", 1)
        assert apply_rules(source.factory, "assessment.toml", five).state == "applied"
        assert assessment(source).bulletin.top == 5

        # a broken edit through the watched folder: refused, its line named, top stays 5
        watcher = ConfigWatcher(folder, source.factory, on_change=source.changed.bump)
        watcher.start()
        try:
            assert watcher.ready.wait(30)
            broken = five.replace('week_time = "09:00"', 'week_time = "25:00"', 1)
            line = broken[: broken.index('"25:00"')].count("\n") + 1
            (folder / "assessment.toml").write_text(broken, encoding="utf-8")
            problems = until(source.config_problems)
            assert [(p.name, p.line) for p in problems] == [("assessment.toml", line)]
            assert f"assessment.toml:{line}: schedule.week_time" in problems[0].message
            assert assessment(source).bulletin.top == 5
            assert assessment(source).schedule == DEFAULT_ASSESSMENT.schedule

            # fixed: the fix applies and the problem clears
            (folder / "assessment.toml").write_text(five.replace("top = 5", "top = 4"), "utf-8")
            assert until(lambda: not source.config_problems())
            assert until(lambda: assessment(source).bulletin.top == 4)
        finally:
            watcher.close()
        with source.factory() as s:
            ops = [c.op for c in s.scalars(select(Change).where(Change.kind == "config"))]
        assert ops == ["reload", "problem", "reload"]
    finally:
        source.close()
