"""The demo city's outlines and entity positions (issue 17): fixtures/boundaries.geojson
loads with the city, tiles its district, is what tools/make_demo_geo.py writes, and a
bad file is refused whole, naming what is wrong."""

from __future__ import annotations

import csv
import importlib.util
import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import shapely
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from gridtui.data.intake.fixture_geo import BOUNDARIES
from gridtui.data.intake.fixtures import FixtureLoadError, load_fixtures
from gridtui.data.storage.boundaries import read_boundaries
from gridtui.data.storage.models import Boundary, Change, Entity, Node
from tests.conftest import FIXTURES, NOW, ROOT


def copy_fixtures(tmp_path: Path) -> Path:
    dst = tmp_path / "fx"
    shutil.copytree(FIXTURES, dst)
    return dst


def geo_changes(factory: sessionmaker[Session]) -> int:
    with factory() as s:
        return int(s.scalar(select(func.count()).where(Change.kind == "geo")) or 0)


def test_the_demo_outlines_load_with_the_city(factory: sessionmaker[Session]) -> None:
    report = load_fixtures(factory, FIXTURES, now=NOW)
    assert report.counts["boundaries"] == (81, 0)
    with factory() as s:
        levels = dict(
            s.execute(select(Boundary.level, func.count()).group_by(Boundary.level)).all()
        )
        sources = set(s.scalars(select(Boundary.source)))
    assert levels == {"district": 1, "street": 5, "community": 15, "grid": 60}
    assert sources == {str(FIXTURES / BOUNDARIES)}
    assert geo_changes(factory) == 1


def test_every_level_tiles_the_one_above(factory: sessionmaker[Session]) -> None:
    load_fixtures(factory, FIXTURES, now=NOW)
    with factory() as s:
        shapes = {o.node_id: o.geometry for o in read_boundaries(s)}
        parents = dict(s.execute(select(Node.id, Node.parent_id)).all())
    children: dict[int, list[int]] = {}
    for node_id in shapes:
        parent = parents[node_id]
        if parent is not None and parent in shapes:
            children.setdefault(parent, []).append(node_id)
    assert len(children) == 1 + 5 + 15  # the district, its streets, their communities
    for parent, kids in children.items():
        whole = shapes[parent]
        parts = [shapes[k] for k in kids]
        assert abs(sum(p.area for p in parts) - whole.area) <= 1e-9 * whole.area
        assert (
            shapely.symmetric_difference(shapely.union_all(parts), whole).area <= 1e-9 * whole.area
        )
    district = next(g for n, g in shapes.items() if n not in parents or parents[n] not in shapes)
    west, south, east, north = district.bounds
    assert 112.3 < west < east < 112.8 and 37.6 < south < north < 38.1  # near Taiyuan


def test_entities_lie_inside_their_grids(factory: sessionmaker[Session]) -> None:
    load_fixtures(factory, FIXTURES, now=NOW)
    with factory() as s:
        shapes = {o.node_id: o.geometry for o in read_boundaries(s, level="grid")}
        rows = s.execute(select(Entity.grid_id, Entity.lon, Entity.lat)).all()
    assert len(rows) > 200
    for grid_id, lon, lat in rows:
        assert lon is not None and lat is not None
        assert shapely.contains_xy(shapes[grid_id], lon, lat)


def test_the_tool_rebuilds_the_committed_files_byte_for_byte() -> None:
    spec = importlib.util.spec_from_file_location(
        "make_demo_geo", ROOT / "tools" / "make_demo_geo.py"
    )
    assert spec is not None and spec.loader is not None
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    built: dict[str, str] = tool.build(FIXTURES)
    assert set(built) == {"boundaries.geojson", "entities.csv"}
    for name, text in built.items():
        assert (FIXTURES / name).read_text(encoding="utf-8") == text, name


def test_reloading_the_same_outlines_changes_nothing(factory: sessionmaker[Session]) -> None:
    load_fixtures(factory, FIXTURES, now=NOW)
    report = load_fixtures(factory, FIXTURES, now=NOW)
    assert report.counts["boundaries"] == (0, 0) and geo_changes(factory) == 1


def _features(folder: Path) -> list[dict[str, Any]]:
    features: list[dict[str, Any]] = json.loads((folder / BOUNDARIES).read_text("utf-8"))[
        "features"
    ]
    return features


def _write(folder: Path, features: list[dict[str, Any]]) -> None:
    doc = {"type": "FeatureCollection", "features": features}
    (folder / BOUNDARIES).write_text(json.dumps(doc), encoding="utf-8")


def test_a_changed_outline_is_stored_again(factory: sessionmaker[Session], tmp_path: Path) -> None:
    load_fixtures(factory, FIXTURES, now=NOW)
    fx = copy_fixtures(tmp_path)
    features = _features(fx)
    grid = next(f for f in features if f["properties"]["level"] == "grid")
    ring = [[112.5, 37.8], [112.51, 37.8], [112.51, 37.81], [112.5, 37.8]]
    grid["geometry"] = {"type": "Polygon", "coordinates": [ring]}
    _write(fx, features)
    report = load_fixtures(factory, fx, now=NOW)
    assert report.counts["boundaries"] == (0, 1) and geo_changes(factory) == 2


def _bowtie() -> dict[str, Any]:
    ring = [[112.5, 37.8], [112.6, 37.9], [112.6, 37.8], [112.5, 37.9], [112.5, 37.8]]
    return {"type": "Polygon", "coordinates": [ring]}


@pytest.mark.parametrize(
    ("edit", "expect"),
    [
        (lambda fs: fs[0]["properties"].pop("code"), "feature 1' field 'code'"),
        (lambda fs: fs[0]["properties"].update(code="NOPE"), "'NOPE' field 'code': unknown node"),
        (lambda fs: fs[1]["properties"].update(level="grid"), "field 'level'"),
        (lambda fs: fs.append(dict(fs[0])), "a second outline for this node"),
        (lambda fs: fs[0].update(geometry={"type": "Point", "coordinates": [1, 2]}),
         "expected a Polygon or MultiPolygon"),
        (lambda fs: fs[0].update(geometry=_bowtie()), "not a valid outline"),
        (lambda fs: fs[0].update(geometry={"type": "Polygon", "coordinates": [[[0, 0], [200, 0],
                                           [200, 1], [0, 0]]]}), "longitude, latitude"),
        (lambda fs: fs[0].update(geometry={"type": "Polygon", "coordinates": "x"}),
         "not a readable Polygon"),
    ],
)  # fmt: skip
def test_a_bad_outline_is_refused_and_nothing_loads(
    factory: sessionmaker[Session], tmp_path: Path, edit: Any, expect: str
) -> None:
    fx = copy_fixtures(tmp_path)
    features = _features(fx)
    edit(features)
    _write(fx, features)
    with pytest.raises(FixtureLoadError) as info:
        load_fixtures(factory, fx, now=NOW)
    assert BOUNDARIES in str(info.value) and expect in str(info.value)
    with factory() as s:
        assert s.scalar(select(func.count()).select_from(Node)) == 0


@pytest.mark.parametrize(
    ("text", "expect"),
    [("{not json", "not JSON"), ('{"type": "Feature"}', "expected a GeoJSON FeatureCollection")],
)
def test_a_file_that_is_no_feature_collection_is_refused(
    factory: sessionmaker[Session], tmp_path: Path, text: str, expect: str
) -> None:
    fx = copy_fixtures(tmp_path)
    (fx / BOUNDARIES).write_text(text, encoding="utf-8")
    with pytest.raises(FixtureLoadError, match=expect):
        load_fixtures(factory, fx, now=NOW)


def test_a_folder_without_outlines_or_positions_loads_as_before(
    factory: sessionmaker[Session], tmp_path: Path
) -> None:
    fx = copy_fixtures(tmp_path)
    (fx / BOUNDARIES).unlink()
    path = fx / "entities.csv"
    with path.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, [k for k in rows[0] if k not in ("lat", "lon")], lineterminator="\n")
        w.writeheader()
        w.writerows({k: v for k, v in r.items() if k not in ("lat", "lon")} for r in rows)
    report = load_fixtures(factory, fx, now=NOW)
    assert "boundaries" not in report.counts and geo_changes(factory) == 0
    with factory() as s:
        assert s.scalar(select(func.count()).where(Entity.lat.is_not(None))) == 0
        assert s.scalar(select(func.count()).select_from(Entity)) == len(rows)


@pytest.mark.parametrize(
    ("old", "new", "expect"),
    # line 2 ends "…,37.901216,112.563081": the latitude left out, or out of range
    [(r",37\.\d+,", ",,", "give both lat and lon"), (r",37\.", ",97.", "'lat'")],
)
def test_a_bad_entity_position_is_refused(
    factory: sessionmaker[Session], tmp_path: Path, old: str, new: str, expect: str
) -> None:
    fx = copy_fixtures(tmp_path)
    path = fx / "entities.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[1] = re.sub(old, new, lines[1], count=1)
    path.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(FixtureLoadError) as info:
        load_fixtures(factory, fx, now=NOW)
    assert "entities.csv:2" in str(info.value) and expect in str(info.value)
