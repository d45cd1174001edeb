"""Loading a city from a fixtures folder: validated first, then written in one transaction.

A fixtures folder holds ``nodes.csv`` (the hierarchy), ``departments.csv``,
``categories.csv``, ``workers.csv``, ``entities.csv`` and the rules files
``sla.toml``, ``scoring.toml`` and ``assessment.toml`` (optional: without it the
assessment's defaults apply), and optionally the nodes' outlines in
``boundaries.geojson`` (:mod:`gridtui.data.intake.fixture_geo`). :func:`load_fixtures`
reads and checks every file before it writes anything; any problem raises
:class:`FixtureLoadError` listing each one by file, line, record and field, and the
database is left untouched. Loading the same folder again updates records by their
``code`` and adds nothing twice.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from gridtui.data.intake.fixture_geo import BOUNDARIES, Outlines, read_outlines, write_outlines
from gridtui.data.intake.fixture_writes import (
    category_values,
    entity_values,
    node_values,
    upsert,
    worker_values,
    write_rules,
)
from gridtui.data.storage.changefeed import record_change
from gridtui.data.storage.models import Category, Department, Entity, Node, Worker
from gridtui.domain.colours import RiskColour
from gridtui.domain.text import clean_text

LEVELS = ("city", "district", "street", "community", "grid")
GRID_KINDS = ("urban", "rural", "dedicated", "comprehensive")
RULE_FILES = ("sla.toml", "scoring.toml", "assessment.toml")
#: rules files a folder may leave out (their defaults apply)
OPTIONAL_RULES = ("assessment.toml",)


@dataclass(frozen=True, slots=True)
class FixtureError:
    """One problem in a fixtures file."""

    file: str
    line: int | None
    record: str | None
    field: str | None
    message: str

    def __str__(self) -> str:
        where = self.file + (f":{self.line}" if self.line else "")
        rec = f" record {self.record!r}" if self.record else ""
        fld = f" field {self.field!r}" if self.field else ""
        return f"{where}{rec}{fld}: {self.message}"


class FixtureLoadError(ValueError):
    """The fixtures folder has problems; nothing was loaded."""

    def __init__(self, errors: list[FixtureError]) -> None:
        self.errors = errors
        lines = "\n".join(f"  {e}" for e in errors[:50])
        more = f"\n  … and {len(errors) - 50} more" if len(errors) > 50 else ""
        super().__init__(f"{len(errors)} problem(s); nothing was loaded:\n{lines}{more}")


@dataclass(slots=True)
class LoadReport:
    """What a load wrote, by table: (inserted, updated)."""

    counts: dict[str, tuple[int, int]] = field(default_factory=dict)


def _text(v: str) -> str:
    return clean_text(v).strip()


class _Row(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class NodeRow(_Row):
    """A line of nodes.csv."""

    code: str
    parent: str = ""
    level: Literal["city", "district", "street", "community", "grid"]
    name: str
    name_en: str = ""
    kind: str = ""
    households: int | None = None

    @field_validator("households", mode="before")
    @classmethod
    def _empty_none(cls, v: object) -> object:
        return None if v == "" else v


class DepartmentRow(_Row):
    """A line of departments.csv."""

    code: str
    name: str
    name_en: str = ""


class CategoryRow(_Row):
    """A line of categories.csv.

    ``personal`` (0/1) marks matters about persons, withheld from public Open311
    reads; a catalogue without the column (written before it existed) withholds
    every category until it says which are public. ``inspection`` (0/1, empty: as
    ``sla.toml`` says) requires an on-site inspection (查验) before ``resolve``.
    """

    code: str
    name: str
    name_en: str
    function: str
    default_colour: RiskColour = RiskColour.BLUE
    is_dispute: bool = False
    department: str = ""
    personal: bool = True
    inspection: bool | None = None


class WorkerRow(_Row):
    """A line of workers.csv."""

    code: str
    name: str
    role: Literal["leader", "full_time", "part_time"]
    grid: str
    phone: str = ""


class EntityRow(_Row):
    """A line of entities.csv; ``lat`` and ``lon`` (WGS84 degrees, both or neither) say
    where it is, for the map (a file without the columns loads as before)."""

    code: str
    kind: Literal["person", "event", "place", "thing", "org"]
    name: str
    grid: str
    colour: RiskColour
    patrol_point: bool = False
    reason: str = ""
    lat: float | None = Field(default=None, ge=-90, le=90, allow_inf_nan=False)
    lon: float | None = Field(default=None, ge=-180, le=180, allow_inf_nan=False)

    @model_validator(mode="after")
    def _both_or_neither(self) -> EntityRow:
        if (self.lat is None) != (self.lon is None):
            raise ValueError("give both lat and lon, or neither")
        return self


R = TypeVar("R", bound=_Row)


def _read_csv(
    folder: Path, name: str, model: type[R], errors: list[FixtureError]
) -> list[tuple[int, R]]:
    path = folder / name
    if not path.exists():
        errors.append(FixtureError(name, None, None, None, "file is missing"))
        return []
    out: list[tuple[int, R]] = []
    seen: dict[str, int] = {}
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            expected = set(model.model_fields)
            header = set(reader.fieldnames or [])
            missing = {k for k, f in model.model_fields.items() if f.is_required()} - header
            if missing:
                errors.append(
                    FixtureError(name, 1, None, ", ".join(sorted(missing)), "column missing")
                )
                return []
            unknown = header - expected
            if unknown:
                errors.append(
                    FixtureError(
                        name,
                        1,
                        None,
                        ", ".join(sorted(unknown)),
                        f"unknown column; expected {', '.join(model.model_fields)}",
                    )
                )
                return []
            for raw in reader:
                line = reader.line_num
                record = raw.get("code") or None
                if None in raw or any(v is None for v in raw.values()):
                    errors.append(FixtureError(name, line, record, None, "wrong number of fields"))
                    continue
                try:
                    row = model.model_validate({k: _text(v) for k, v in raw.items() if v != ""})
                except ValidationError as exc:
                    for err in exc.errors():
                        fld = ".".join(str(p) for p in err["loc"]) or None
                        errors.append(FixtureError(name, line, record, fld, err["msg"]))
                    continue
                code = str(getattr(row, "code", ""))
                if code in seen:
                    errors.append(
                        FixtureError(name, line, code, "code", f"duplicate of line {seen[code]}")
                    )
                    continue
                seen[code] = line
                out.append((line, row))
    except UnicodeDecodeError as exc:
        errors.append(FixtureError(name, None, None, None, f"not UTF-8 text: {exc.reason}"))
    return out


def _check_rules(folder: Path, errors: list[FixtureError]) -> dict[str, str]:
    from gridtui.domain.assessment.config import parse_assessment_config
    from gridtui.domain.scoring.config import parse_scoring_config
    from gridtui.domain.sla.config import parse_sla_config

    parsers: dict[str, Callable[[str, str], object]] = {
        "sla.toml": parse_sla_config,
        "scoring.toml": parse_scoring_config,
        "assessment.toml": parse_assessment_config,
    }
    texts: dict[str, str] = {}
    for name in RULE_FILES:
        path = folder / name
        if not path.exists():
            if name not in OPTIONAL_RULES:
                errors.append(FixtureError(name, None, None, None, "file is missing"))
            continue
        text = path.read_text(encoding="utf-8")
        try:
            parsers[name](text, name)
        except ValueError as exc:
            errors.append(FixtureError(name, None, None, None, str(exc)))
            continue
        texts[name] = text
    return texts


@dataclass(slots=True)
class CityFixtures:
    """A validated fixtures folder, ready to write."""

    nodes: list[tuple[int, NodeRow]]
    departments: list[tuple[int, DepartmentRow]]
    categories: list[tuple[int, CategoryRow]]
    workers: list[tuple[int, WorkerRow]]
    entities: list[tuple[int, EntityRow]]
    rules: dict[str, str]
    #: node outlines (GeoJSON geometries) by node code, and where they came from
    outlines: Outlines = field(default_factory=dict)
    outline_source: str = ""


def read_fixtures(folder: Path) -> CityFixtures:
    """Read and validate every file of ``folder``, cross-references included.

    Raises:
        FixtureLoadError: with every problem found (file, line, record, field).
    """
    errors: list[FixtureError] = []
    if not folder.is_dir():
        raise FixtureLoadError([FixtureError(str(folder), None, None, None, "not a folder")])
    nodes = _read_csv(folder, "nodes.csv", NodeRow, errors)
    departments = _read_csv(folder, "departments.csv", DepartmentRow, errors)
    categories = _read_csv(folder, "categories.csv", CategoryRow, errors)
    workers = _read_csv(folder, "workers.csv", WorkerRow, errors)
    entities = _read_csv(folder, "entities.csv", EntityRow, errors)
    rules = _check_rules(folder, errors)

    levels = {row.code: row.level for _, row in nodes}
    errors.extend(_hierarchy_errors(nodes, levels))
    dept_codes = {row.code for _, row in departments}
    for line, cat in categories:
        if cat.department and cat.department not in dept_codes:
            errors.append(
                FixtureError(
                    "categories.csv",
                    line,
                    cat.code,
                    "department",
                    f"unknown department {cat.department!r}",
                )
            )
    for fname, rows in (("workers.csv", workers), ("entities.csv", entities)):
        for line, r in rows:
            grid = r.grid
            if levels.get(grid) != "grid":
                errors.append(FixtureError(fname, line, r.code, "grid", f"unknown grid {grid!r}"))
    outlines = read_outlines(folder, levels, errors)
    if errors:
        raise FixtureLoadError(errors)
    source = str(folder / BOUNDARIES) if outlines else ""
    return CityFixtures(nodes, departments, categories, workers, entities, rules, outlines, source)


def _hierarchy_errors(
    nodes: list[tuple[int, NodeRow]], levels: Mapping[str, str]
) -> Iterator[FixtureError]:
    """The problems of nodes.csv's hierarchy: each node's parent one level up (none for
    the city), and a grid's kind; ``levels`` is every node's level by code."""
    for line, row in nodes:
        depth = LEVELS.index(row.level)
        if depth == 0:
            if row.parent:
                yield FixtureError("nodes.csv", line, row.code, "parent", "a city has none")
        elif row.parent not in levels:
            yield FixtureError(
                "nodes.csv", line, row.code, "parent", f"unknown node {row.parent!r}"
            )
        elif levels[row.parent] != LEVELS[depth - 1]:
            yield FixtureError(
                "nodes.csv",
                line,
                row.code,
                "parent",
                f"a {row.level}'s parent must be a {LEVELS[depth - 1]}, not a {levels[row.parent]}",
            )
        if row.level == "grid" and row.kind not in GRID_KINDS:
            yield FixtureError(
                "nodes.csv", line, row.code, "kind", f"expected one of {', '.join(GRID_KINDS)}"
            )


def write_fixtures(session: Session, city: CityFixtures, *, now: datetime) -> LoadReport:
    """Write validated fixtures inside the caller's transaction (upsert by code)."""
    report = LoadReport()
    report.counts["nodes"] = _write_nodes(session, city.nodes)
    report.counts["departments"] = upsert(
        session,
        Department,
        "code",
        ({"code": r.code, "name": r.name, "name_en": r.name_en} for _, r in city.departments),
    )
    report.counts["categories"] = upsert(
        session, Category, "code", (category_values(r) for _, r in city.categories)
    )
    nodes = {n.code: n for n in session.scalars(select(Node))}
    report.counts["workers"] = upsert(
        session, Worker, "code", (worker_values(r, nodes) for _, r in city.workers)
    )
    report.counts["entities"] = upsert(
        session, Entity, "code", (entity_values(r, nodes) for _, r in city.entities)
    )
    report.counts.update(write_rules(session, city.rules, now=now))
    if city.outlines:
        report.counts["boundaries"] = write_outlines(
            session, city.outlines, source=city.outline_source, now=now
        )
    changed = {k: v for k, v in report.counts.items() if v != (0, 0)}
    if changed:
        record_change(
            session,
            at=now,
            kind="bulk",
            op="load",
            data={k: {"inserted": v[0], "updated": v[1]} for k, v in changed.items()},
        )
    return report


def _write_nodes(session: Session, nodes: list[tuple[int, NodeRow]]) -> tuple[int, int]:
    """Upsert the nodes level by level, so parents have ids before their children:
    (inserted, updated)."""
    inserted = updated = 0
    for level in LEVELS:
        ids = {n.code: n for n in session.scalars(select(Node))}
        got = upsert(
            session, Node, "code", (node_values(r, ids) for _, r in nodes if r.level == level)
        )
        inserted, updated = inserted + got[0], updated + got[1]
    return inserted, updated


def load_fixtures(factory: sessionmaker[Session], folder: Path, *, now: datetime) -> LoadReport:
    """Validate ``folder`` completely, then write it in one transaction.

    Raises:
        FixtureLoadError: the folder has problems; the database is unchanged.
    """
    city = read_fixtures(folder)
    with factory.begin() as session:
        return write_fixtures(session, city, now=now)
