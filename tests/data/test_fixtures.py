"""`gridtui load`: a fixtures folder is validated whole and loaded atomically."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from gridtui.data.intake.fixtures import FixtureLoadError, load_fixtures
from gridtui.data.storage.models import (
    Category,
    Change,
    ConfigDoc,
    Department,
    Entity,
    Node,
    Worker,
)
from tests.conftest import FIXTURES, NOW


def count(factory: sessionmaker[Session], model: type) -> int:
    with factory() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def copy_fixtures(tmp_path: Path) -> Path:
    dst = tmp_path / "fx"
    shutil.copytree(FIXTURES, dst)
    return dst


def test_demo_city_matches_the_brief(factory: sessionmaker[Session]) -> None:
    load_fixtures(factory, FIXTURES, now=NOW)
    with factory() as s:
        levels = dict(s.execute(select(Node.level, func.count()).group_by(Node.level)).all())
        kinds = set(s.scalars(select(Node.kind).where(Node.level == "grid")))
        grid = s.scalars(select(Node).where(Node.level == "grid")).first()
        assert grid is not None and grid.street_id and grid.community_id and grid.district_id
    assert levels["city"] == 1 and levels["district"] == 1
    assert levels["street"] >= 4 and levels["community"] >= 12
    assert 55 <= levels["grid"] <= 65
    assert kinds == {"urban", "rural", "dedicated", "comprehensive"}
    assert 65 <= count(factory, Worker) <= 80
    assert count(factory, Department) == 14
    assert count(factory, Category) >= 20
    assert count(factory, Entity) >= 100
    assert count(factory, ConfigDoc) == 3  # sla, scoring and assessment.toml


def test_reloading_adds_nothing(factory: sessionmaker[Session]) -> None:
    load_fixtures(factory, FIXTURES, now=NOW)
    changes = count(factory, Change)
    report = load_fixtures(factory, FIXTURES, now=NOW)
    assert all(v == (0, 0) for v in report.counts.values())
    assert count(factory, Node) == 82
    assert count(factory, Change) == changes


def test_an_edited_record_is_updated_by_code(
    factory: sessionmaker[Session], tmp_path: Path
) -> None:
    load_fixtures(factory, FIXTURES, now=NOW)
    fx = copy_fixtures(tmp_path)
    text = (fx / "departments.csv").read_text(encoding="utf-8")
    (fx / "departments.csv").write_text(
        text.replace("区供电公司", "国网供电公司"), encoding="utf-8"
    )
    report = load_fixtures(factory, fx, now=NOW)
    assert report.counts["departments"] == (0, 1)
    with factory() as s:
        assert s.scalar(select(Department.name).where(Department.code == "POWER")) == "国网供电公司"


@pytest.mark.parametrize(
    ("file", "old", "new", "expect"),
    [
        (
            "workers.csv",
            "W0003,方华,full_time",
            "W0003,方华,boss",
            ["workers.csv:4", "W0003", "'role'"],
        ),
        (
            "workers.csv",
            "WH-HB-01-03,",
            "WH-XX-99-99,",
            ["workers.csv:4", "'grid'", "unknown grid"],
        ),
        (
            "entities.csv",
            "E00004,event,拖欠农民工工资4,WH-HB-01-01,yellow",
            "E00004,event,拖欠农民工工资4,WH-HB-01-01,purple",
            ["entities.csv:5", "E00004", "'colour'"],
        ),
        (
            "nodes.csv",
            "WH-HB-01,WH-HB,community",
            "WH-HB-01,LC-WH,community",
            ["nodes.csv:5", "WH-HB-01", "parent", "must be a street"],
        ),
        ("categories.csv", "CIVIL,1,\n", "NOPE,1,\n", ["categories.csv", "department", "NOPE"]),
        (
            "categories.csv",
            "dispute.family,家庭纠纷,Family dispute,dispute,blue,1,JUSTICE,1,",
            "dispute.family,家庭纠纷,Family dispute,dispute,blue,1,JUSTICE,maybe,",
            ["categories.csv:7", "dispute.family", "'personal'"],
        ),
        ("workers.csv", "W0002,", "W0001,", ["workers.csv:3", "duplicate of line 2"]),
    ],
)
def test_a_bad_record_is_named_and_nothing_is_loaded(
    factory: sessionmaker[Session], tmp_path: Path, file: str, old: str, new: str, expect: list[str]
) -> None:
    fx = copy_fixtures(tmp_path)
    text = (fx / file).read_text(encoding="utf-8")
    assert old in text
    (fx / file).write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(FixtureLoadError) as info:
        load_fixtures(factory, fx, now=NOW)
    message = str(info.value)
    for part in expect:
        assert part in message
    assert "nothing was loaded" in message
    assert count(factory, Node) == 0
    assert count(factory, Worker) == 0


def test_a_catalogue_without_the_newer_columns_loads_and_withholds(
    factory: sessionmaker[Session], tmp_path: Path
) -> None:
    """``personal`` and ``inspection`` are optional: an older categories.csv still
    loads, every category withheld from public reads (nobody said which are public)."""
    fx = copy_fixtures(tmp_path)
    lines = (fx / "categories.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0].endswith(",personal,inspection")
    older = [line.rsplit(",", 2)[0] for line in lines]
    (fx / "categories.csv").write_text("\n".join(older) + "\n", encoding="utf-8")
    load_fixtures(factory, fx, now=NOW)
    with factory() as s:
        flags = {tuple(r) for r in s.execute(select(Category.personal, Category.inspection))}
    assert flags == {(True, None)}
    load_fixtures(factory, FIXTURES, now=NOW)  # the current catalogue says which are public
    with factory() as s:
        fire = s.get(Category, "hazard.fire")
        assert fire is not None and not fire.personal and fire.inspection is None


def test_a_ragged_row_and_a_missing_file(factory: sessionmaker[Session], tmp_path: Path) -> None:
    fx = copy_fixtures(tmp_path)
    with (fx / "departments.csv").open("a", encoding="utf-8") as fh:
        fh.write("EXTRA,多余,Extra,surplus\n")
    (fx / "entities.csv").unlink()
    with pytest.raises(FixtureLoadError) as info:
        load_fixtures(factory, fx, now=NOW)
    text = str(info.value)
    assert "departments.csv:16" in text and "wrong number of fields" in text
    assert "entities.csv: file is missing" in text
    assert count(factory, Department) == 0


def test_a_broken_rules_file_is_reported_with_its_line(
    factory: sessionmaker[Session], tmp_path: Path
) -> None:
    fx = copy_fixtures(tmp_path)
    (fx / "sla.toml").write_text("[thresholds\nwarning = 0.5\n", encoding="utf-8")
    with pytest.raises(FixtureLoadError) as info:
        load_fixtures(factory, fx, now=NOW)
    assert "sla.toml" in str(info.value) and "line 1" in str(info.value)
    assert count(factory, ConfigDoc) == 0
