"""Boundary files (gridtui.domain.geo.validate): a good file gives its outlines; each
kind of problem is named by feature (position and key), every problem of a file is
listed, and touching outlines are not an overlap."""

from __future__ import annotations

import json
from typing import Any

import pytest
from shapely.geometry import box, mapping

from gridtui.domain.geo.validate import (
    BoundaryFileError,
    ProblemKind,
    read_boundary_file,
)

NODES = {
    "G1": (11, "grid"), "G2": (12, "grid"), "G3": (13, "grid"),
    "C1": (5, "community"), "S1": (2, "street"),
}  # fmt: skip


def square(x: float, y: float, size: float = 0.01) -> dict[str, Any]:
    return dict(mapping(box(116 + x, 39 + y, 116 + x + size, 39 + y + size)))


def feature(code: object, geometry: dict[str, Any] | None, key: str = "grid") -> dict[str, Any]:
    return {"type": "Feature", "properties": {key: code, "name": "x"}, "geometry": geometry}


def collection(*features: Any) -> str:
    return json.dumps({"type": "FeatureCollection", "features": list(features)})


def problems(data: str | bytes, **kw: Any) -> list[tuple[ProblemKind, int | None, str | None]]:
    with pytest.raises(BoundaryFileError) as caught:
        read_boundary_file(data, level=kw.pop("level", "grid"), key=kw.pop("key", "grid"),
                           nodes=NODES, **kw)  # fmt: skip
    assert "nothing was loaded" in str(caught.value)
    return [(p.kind, p.feature, p.key) for p in caught.value.problems]


def test_a_good_file_gives_its_outlines_touching_neighbours_included() -> None:
    parts = [square(0.01, 0.01)["coordinates"], square(0.03, 0.03)["coordinates"]]
    data = collection(
        feature("G1", square(0, 0)),
        feature("G2", square(0.01, 0)),  # shares G1's east edge
        feature(" G3 ", {"type": "MultiPolygon", "coordinates": parts}),
    )
    outlines = read_boundary_file(data.encode(), level="grid", key="grid", nodes=NODES)
    assert [(o.feature, o.code, o.node_id) for o in outlines] == [
        (0, "G1", 11), (1, "G2", 12), (2, "G3", 13),
    ]  # fmt: skip
    assert outlines[2].geometry["type"] == "MultiPolygon"
    assert outlines[0].shape.area == pytest.approx(1e-4)


def test_not_json_not_a_collection_and_empty() -> None:
    assert problems("{oops") == [(ProblemKind.NOT_JSON, None, None)]
    assert problems(b"\xff\xfe{") == [(ProblemKind.NOT_JSON, None, None)]
    assert problems(json.dumps({"type": "Feature"})) == [(ProblemKind.NOT_COLLECTION, None, None)]
    assert problems("[1, 2]") == [(ProblemKind.NOT_COLLECTION, None, None)]
    assert problems(collection()) == [(ProblemKind.EMPTY, None, None)]


def test_each_feature_problem_is_named_with_its_position_and_key() -> None:
    bowtie = {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}
    data = collection(
        feature("G1", square(0, 0)),
        {"type": "Point"},  # 1: not a feature
        feature("G2", {"type": "Point", "coordinates": [116, 39]}),  # 2: geometry type
        feature("G3", bowtie),  # 3: invalid polygon
        feature(None, square(0.1, 0)),  # 4: missing key
        feature("NOPE", square(0.2, 0)),  # 5: unknown key
        feature("C1", square(0.3, 0)),  # 6: a community, not a grid
        feature("G1", square(0.4, 0)),  # 7: the same node twice
    )
    found = problems(data)
    assert found == [
        (ProblemKind.NOT_FEATURE, 1, None),
        (ProblemKind.GEOMETRY_TYPE, 2, "G2"),
        (ProblemKind.INVALID, 3, "G3"),
        (ProblemKind.MISSING_KEY, 4, None),
        (ProblemKind.UNKNOWN_KEY, 5, "NOPE"),
        (ProblemKind.UNKNOWN_KEY, 6, "C1"),
        (ProblemKind.DUPLICATE, 7, "G1"),
    ]


def test_messages_say_what_and_where() -> None:
    bowtie = {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}
    with pytest.raises(BoundaryFileError) as caught:
        read_boundary_file(collection(feature("G3", bowtie), feature("C1", square(0, 0))),
                           level="grid", key="grid", nodes=NODES)  # fmt: skip
    text = str(caught.value)
    assert "2 problem(s); nothing was loaded" in text
    assert "features[0] ('G3'): invalid: invalid polygon: Self-intersection[" in text
    assert "features[1] ('C1'): unknown_key: 'C1' is a community, not a grid" in text


@pytest.mark.parametrize(
    ("coordinates", "words"),
    [
        ([[[200, 0], [201, 0], [201, 1], [200, 0]]], "longitude 200 is outside -180..180"),
        ([[[0, 95], [1, 95], [1, 96], [0, 95]]], "latitude 95 is outside -90..90"),
        ([[[0, 0], [1, 0], [1, 1]]], "at least 4 positions"),
        ([[[0, 0], ["1", 0], [1, 1], [0, 0]]], "longitude is not a number"),
        ([[[0, 0], [1], [1, 1], [0, 0]]], "expected [longitude, latitude]"),
        ([], "expected a list of rings"),
        ("x", "expected a list of rings"),
    ],
)
def test_coordinates_out_of_range_or_malformed(coordinates: Any, words: str) -> None:
    with pytest.raises(BoundaryFileError) as caught:
        data = collection(feature("G1", {"type": "Polygon", "coordinates": coordinates}))
        read_boundary_file(data, level="grid", key="grid", nodes=NODES)
    (problem,) = caught.value.problems
    assert problem.kind is ProblemKind.COORDINATES and problem.feature == 0
    assert words in problem.message


def test_non_finite_coordinates() -> None:
    # Python's json reads NaN and Infinity: they must not reach shapely
    text = '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"grid":"G1"},'
    text += '"geometry":{"type":"Polygon","coordinates":[[[0,0],[NaN,0],[1,1],[0,0]]]}}]}'
    assert problems(text) == [(ProblemKind.COORDINATES, 0, "G1")]
    assert problems(text.replace("NaN", "1e999")) == [(ProblemKind.COORDINATES, 0, "G1")]


def test_an_unclosed_ring_is_invalid() -> None:
    open_ring = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1]]]}
    assert problems(collection(feature("G1", open_ring))) == [(ProblemKind.INVALID, 0, "G1")]


def test_overlapping_outlines_are_reported_in_pairs_touching_is_fine() -> None:
    data = collection(
        feature("G1", square(0, 0)),
        feature("G2", square(0.005, 0)),  # half over G1
        feature("G3", square(0.0, 0.01)),  # touches G1's north edge only
    )
    found = problems(data)
    assert found == [(ProblemKind.OVERLAP, 1, "G2")]
    with pytest.raises(BoundaryFileError) as caught:
        read_boundary_file(data, level="grid", key="grid", nodes=NODES)
    assert "overlaps features[0] ('G1') by 50.00% of the smaller one's area" in str(caught.value)


def test_a_grid_inside_another_overlaps_it() -> None:
    data = collection(feature("G1", square(0, 0, 0.1)), feature("G2", square(0.01, 0.01)))
    assert problems(data) == [(ProblemKind.OVERLAP, 1, "G2")]


def test_overlap_with_a_stored_outline_not_replaced() -> None:
    stored_g2 = ("G2", box(116.005, 39, 116.015, 39.01))
    assert problems(collection(feature("G1", square(0, 0))), stored=[stored_g2]) == [
        (ProblemKind.OVERLAP, 0, "G1")
    ]
    # the file replaces G2's outline: the stored one no longer counts
    data = collection(feature("G1", square(0, 0)), feature("G2", square(0.01, 0)))
    assert len(read_boundary_file(data, level="grid", key="grid", nodes=NODES,
                                  stored=[stored_g2])) == 2  # fmt: skip


def test_other_levels_and_keys() -> None:
    data = collection(feature("S1", square(0, 0), key="code"))
    (outline,) = read_boundary_file(data, level="street", key="code", nodes=NODES)
    assert (outline.code, outline.node_id) == ("S1", 2)
    assert problems(data, level="community", key="code") == [(ProblemKind.UNKNOWN_KEY, 0, "S1")]
    with pytest.raises(ValueError, match="level 'district'"):
        read_boundary_file(data, level="district", key="code", nodes=NODES)


def test_key_values_are_cleaned_in_messages() -> None:
    data = collection(feature("\x1b[31mEVIL\u202e", square(0, 0)), feature(True, square(0.1, 0)))
    with pytest.raises(BoundaryFileError) as caught:
        read_boundary_file(data, level="grid", key="grid", nodes=NODES)
    text = str(caught.value)
    assert "\x1b" not in text and "\u202e" not in text
    assert [p.kind for p in caught.value.problems] == [
        ProblemKind.UNKNOWN_KEY, ProblemKind.MISSING_KEY,
    ]  # fmt: skip
