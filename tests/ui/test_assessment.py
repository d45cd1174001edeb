"""8 · Assessment (考核评估): the ranking equals the source's records, key by key (8, p,
[, ], v, drilling down and up, Enter's figures), in as few app sessions as practical;
an 80-column terminal keeps the essentials whole; the export writes the bulletin."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from rich.cells import cell_len
from textual.widgets import DataTable

from gridtui.app import build_app
from gridtui.data.sources.records import CHILD_LEVEL, Assessment, AssessmentRow
from gridtui.i18n import tr
from gridtui.i18n_assess import period_title
from gridtui.screens.assessment import HISTORY, AssessmentScreen
from gridtui.screens.modals.assessment import FiguresScreen
from gridtui.snapshot import settle
from gridtui.widgets.assessment import figure_text, part_cells, signed
from gridtui.widgets.bulletin_export import BulletinExport
from gridtui.widgets.rank_table import RankTable
from tests.conftest import NOW
from tests.ui.test_i18n import english, screen_lines
from tests.waiting import pilot_until

EPSILON = timedelta(microseconds=1)


@pytest.fixture
def city(source: Any) -> Any:
    """The run's demo city (a private copy), on the tests' clock."""
    source.description = "演示城市"  # no path on a Chinese header
    return source


def make(source: Any, **options: Any) -> Any:
    options.setdefault("clock", lambda: NOW)
    options.setdefault("poll_seconds", 0)
    options.setdefault("lang", "zh")
    return build_app(source, **options)


def expected(source: Any, level: str, period: str, at: datetime) -> Assessment:
    found: Assessment = source.assessment(level, period, at, history=HISTORY)
    return found


def drawn(screen: AssessmentScreen) -> list[dict[str, str]]:
    """The ranking as drawn: one {column key: plain text} per row."""
    table = screen.query_one(RankTable)
    return [
        dict(zip(table.columns, (c.plain for c in table.cells_at(i)), strict=True))
        for i in range(table.row_count)
    ]


def check_rows(screen: AssessmentScreen, rows: list[AssessmentRow], lang: str = "zh") -> None:
    """The ranking shows exactly ``rows`` (in rank order) with the records' figures."""
    shown = drawn(screen)
    rows = sorted(rows, key=lambda r: r.rank)
    assert [d["name"] for d in shown] == [r.label(lang) for r in rows]
    for d, row in zip(shown, rows, strict=True):
        assert d["rank"] == str(row.rank)
        assert d["score"] == f"{row.score:.2f}"
        if "change" in d:
            change = row.score_change
            assert d["change"] == ("—" if change is None else signed(change))
        if "move" in d:
            move = row.rank_change
            want = (
                tr("assess.new", lang) if move is None
                else f"↑{move}" if move > 0 else f"↓{-move}" if move < 0 else "—"
            )  # fmt: skip
            assert d["move"] == want
        if "closure" in d:
            closure = row.rates.closure
            assert d["closure"] == ("—" if closure is None else f"{closure:.1%}")
        if "intake" in d:
            assert d["intake"] == f"{row.figures.intake:,}"


def title(screen: AssessmentScreen) -> str:
    return str(screen.query_one("#assess-title").render())


@pytest.mark.slow
async def test_keys_walk_periods_levels_and_the_hierarchy(city):
    app = make(city, screen="overview")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)

        async def press(*keys: str) -> None:
            for key in keys:
                await pilot.press(key)
                await settle(app, pilot)

        await press("8")
        screen = app.screen
        assert isinstance(screen, AssessmentScreen) and app.current_mode == "assessment"
        month = expected(city, "street", "month", NOW)
        check_rows(screen, month.rows)
        assert period_title("month", month.period_key, "zh", running=True) in title(screen)
        assert "（至今）" in title(screen)

        # p: week → year → month, each the period around now
        for period, key in (("year", "2026"), ("week", "2026-W48"), ("month", "2026-11")):
            await press("p")
            a = screen._data.assessment
            assert (screen.period, a.period, a.period_key) == (period, period, key)
            check_rows(screen, expected(city, "street", period, NOW).rows)
            assert period_title(period, key, "zh", running=True) in title(screen)

        # [ twice: October, then September, closed; ] back up to the running month
        await press("left_square_bracket")
        october = expected(city, "street", "month", month.start - EPSILON)
        assert screen._data.assessment.period_key == october.period_key == "2026-10"
        check_rows(screen, october.rows)
        assert "2026年10月" in title(screen) and "至今" not in title(screen)
        await press("left_square_bracket")
        assert screen._data.assessment.period_key == "2026-09"
        await press("right_square_bracket", "right_square_bracket")
        assert screen._data.assessment.period_key == "2026-11" and screen.at is None
        assert "（至今）" in title(screen)
        await press("right_square_bracket")  # never past the running period
        assert screen._data.assessment.period_key == "2026-11"
        assert any(n.message == tr("assess.latest", "zh") for n in app._notifications)

        # v: every level city-wide, back to the streets
        for level in ("community", "grid", "worker", "department", "street"):
            await press("v")
            assert screen.level == level == screen._data.assessment.level
            check_rows(screen, expected(city, level, "month", NOW).rows)
            assert tr(f"assess.level.{level}", "zh") in title(screen)

        # drill: street → its communities → the first one's grids → the first grid's workers
        path: list[AssessmentRow] = []
        for key in ("right", "d", "right"):
            parent = screen.selected()
            assert parent is not None
            path.append(parent)
            await press(key)
            child = CHILD_LEVEL[parent.level]
            assert screen.level == child and screen.path == path
            everyone = expected(city, child, "month", NOW).rows
            # the children only, with their city-wide ranks
            check_rows(screen, [r for r in everyone if r.parent_id == parent.subject_id])
            crumb = str(screen.query_one("#crumb").render())
            assert all(p.name in crumb for p in path), crumb
        await press("right")  # a worker has nothing below
        assert screen.level == "worker"
        # back up, with the row drilled from selected each time
        for key, row in zip(("left", "backspace", "left"), reversed(path), strict=True):
            await press(key)
            assert screen.level == row.level
            selected = screen.selected()
            assert selected is not None and selected.subject_id == row.subject_id
        assert screen.path == []

        # Enter: the figures behind the selected row's score, as the record has them
        await press("v", "v", "down")  # a grid, the second
        picked = screen.selected()
        assert picked is not None and picked.level == "grid"
        row = picked
        await press("enter")
        modal = app.screen
        assert isinstance(modal, FiguresScreen) and modal.row == row
        parts = modal.query_one("#parts", DataTable)
        for i, part in enumerate(row.parts):
            assert [c.plain for c in parts.get_row_at(i)] == [
                c.plain for c in part_cells(part, "zh")
            ]
        assert parts.get_row_at(len(row.parts))[3].plain == f"{row.score:.2f}"
        await pilot_until(pilot, lambda: modal.previous_read, "the previous period's record")
        await settle(app, pilot)
        before = next(
            r for r in city.assessment("grid", "month", month.start - EPSILON).rows
            if r.subject_id == row.subject_id
        )  # fmt: skip
        assert modal.previous == before
        figures = modal.query_one("#figures", DataTable)
        for i, row_key in enumerate(k.value for k in figures.rows):
            kind, name = str(row_key).split(".")
            cells = [c.plain for c in figures.get_row_at(i)]
            assert cells[1] == figure_text(kind, name, row.figures, row.rates).plain
            assert cells[2] == figure_text(kind, name, before.figures, before.rates).plain
        assert not english(screen_lines(app)), english(screen_lines(app))
        await press("escape")
        assert app.screen is screen


@pytest.mark.parametrize("lang", ["zh", "en"])
async def test_80_columns_keep_rank_name_score_and_rates(city, lang):
    app = make(city, screen="assessment", lang=lang)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, AssessmentScreen)
        for _ in range(2):  # the grids: the longest names
            await pilot.press("v")
            await settle(app, pilot)
        table = screen.query_one(RankTable)
        keys = table.columns
        assert {"rank", "name", "score", "change", "closure", "on_time"} <= set(keys), keys
        header = screen_lines(app)[5]  # every column whole, none cut at the edge
        assert header.rstrip().endswith(f"  {table._columns[-1][1]}"), header
        check_rows(screen, expected(city, "grid", "month", NOW).rows, lang)
        names = [d["name"] for d in drawn(screen)]
        assert not any(n.endswith("…") for n in names), names
        line = screen_lines(app)[-2]  # the selected row's line, under the ranking
        row = screen.selected()
        assert row is not None and row.label(lang) in line and f"{row.score:.2f}" in line
        assert cell_len(line.rstrip()) <= 80
        if lang == "zh":
            assert not english(screen_lines(app)), english(screen_lines(app))


async def test_b_writes_the_bulletin_of_the_period_and_level_shown(city, tmp_path):
    folder = tmp_path / "bulletins"
    app = make(city, screen="assessment", bulletins=folder)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, AssessmentScreen)
        await pilot.press("left_square_bracket", "v")  # October, the communities
        await settle(app, pilot)
        assert (screen._data.assessment.period_key, screen.level) == ("2026-10", "community")
        export = screen.query_one(BulletinExport)
        screen.action_export()  # what b does (pressed below), here to see it start
        assert export.busy and export.has_class("-busy")  # the bar shows while it writes
        await pilot_until(pilot, lambda: not export.busy, "the bulletin written")
        assert not export.failure and not export.has_class("-busy")
        stem = "bulletin-month-2026-10-community.zh"
        assert sorted(p.name for p in export.written) == sorted(
            f"{stem}.{fmt}" for fmt in ("docx", "xlsx", "md")
        )
        assert all(p.parent == folder and p.stat().st_size > 0 for p in export.written)
        # the progress moved forward to the end, file after file
        assert export.shown == sorted(export.shown) and export.shown[-1] == 1.0
        # what the screen showed is what the bulletin ranks
        text = (folder / f"{stem}.md").read_text(encoding="utf-8")
        best = min(screen._data.assessment.rows, key=lambda r: (r.rank, r.code))
        assert "2026年10月" in text and best.name in text
        said = [n.message for n in app._notifications]
        assert any(all(str(p) in m for p in export.written) for m in said), said
        # a folder that cannot be made: said, nothing raised into the app
        blocker = tmp_path / "a-file"
        blocker.write_text("x")
        app.bulletins = blocker
        await pilot.press("b")
        await pilot_until(pilot, lambda: not export.busy, "the refusal")
        assert export.failure
        assert any(n.severity == "error" for n in app._notifications)


async def test_a_write_elsewhere_reloads_the_ranking(city):
    """A spot check recorded by another writer shows on the workers' ranking (the
    change feed; the screen is read-only, whatever the role)."""
    app = make(city, screen="assessment", poll_seconds=0.1, role="viewer")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, AssessmentScreen)
        screen.CHANGE_DELAY = 0.2
        for _ in range(3):
            await pilot.press("v")
            await settle(app, pilot)
        row = screen.selected()
        assert row is not None and row.level == "worker"
        loads = screen.loaded
        city.adjust("worker", row.subject_id, 3.0, "抽查：台账规范", role="supervisor",
                    actor="duty:test")  # fmt: skip

        def adjusted() -> float | None:
            now = screen._rows.get(str(row.subject_id))
            return None if now is None else now.figures.adjustments

        await pilot_until(pilot, lambda: adjusted() == row.figures.adjustments + 3.0, "reload")
        await settle(app, pilot)
        assert screen.loaded > loads
        fresh = screen._rows[str(row.subject_id)]
        assert fresh == next(
            r for r in city.assessment("worker", "month", NOW, history=HISTORY).rows
            if r.subject_id == row.subject_id
        )  # fmt: skip
        index = list(screen._rows).index(str(row.subject_id))
        cells = dict(zip(screen.query_one(RankTable).columns,
                         (c.plain for c in screen.query_one(RankTable).cells_at(index)),
                         strict=True))  # fmt: skip
        assert cells["score"] == f"{fresh.score:.2f}"
