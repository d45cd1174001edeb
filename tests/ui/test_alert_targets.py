"""The on-time alert follows ``[alerts] on_time_rate`` in scoring.toml: the records
carry the decision and the screens only draw it."""

from __future__ import annotations

from datetime import timedelta
from itertools import count

from textual.widgets import DataTable

from gridtui.data.intake.confwatch import apply_rules
from gridtui.i18n import tr
from gridtui.screens.scorecards import ScorecardsScreen
from gridtui.widgets.kpi import KpiTile
from tests.conftest import FIXTURES, NOW

SIZE = (120, 40)
SCORING = (FIXTURES / "scoring.toml").read_text(encoding="utf-8")
#: each edit a moment after the last, as a person's edits are
EDITS = count(1)


def target(source, rate: float) -> None:
    """Store scoring.toml with the on-time target ``rate``, as an edit of the file would."""
    text = SCORING.replace("on_time_rate = 0.8\n", f"on_time_rate = {rate}\n")
    assert text != SCORING or rate == 0.8
    when = NOW + timedelta(seconds=next(EDITS))
    outcome = apply_rules(source.factory, "scoring.toml", text, now=when)
    assert outcome.state in ("applied", "unchanged"), outcome


def test_records_flag_rates_below_the_configured_target(source) -> None:
    rate = source.overview(NOW).on_time_rate
    assert 0 < rate < 1  # the demo city is neither perfect nor hopeless
    assert source.overview(NOW).on_time_alert == (rate < 0.8)
    for value, alert in ((0.0, False), (1.0, True), (round(rate, 2) + 0.01, True)):
        target(source, value)
        assert source.overview(NOW).on_time_alert is alert, value
    target(source, 0.99)
    rows = [*(cards := source.scorecards("month", NOW, 50)).workers, *cards.departments]
    rated = [r for r in rows if r.on_time_rate is not None]
    assert any(r.on_time_rate < 0.99 for r in rated)
    for row in rows:
        assert row.on_time_alert == (row.on_time_rate is not None and row.on_time_rate < 0.99)


async def test_screens_draw_the_alert_the_records_carry(make_app, source, wait) -> None:
    target(source, 0.0)  # nothing is below 0%: no alert anywhere
    app = make_app(screen="overview")
    async with app.run_test(size=SIZE) as pilot:
        await wait(app, pilot)
        assert not app.screen.query_one("#kpi-on_time_rate", KpiTile).has_class("-alert")
    target(source, 1.0)
    app = make_app(screen="overview")
    async with app.run_test(size=SIZE) as pilot:
        await wait(app, pilot)
        assert app.screen.query_one("#kpi-on_time_rate", KpiTile).has_class("-alert")
    app = make_app(screen="scorecards")
    async with app.run_test(size=SIZE) as pilot:
        await wait(app, pilot)
        screen = app.screen
        assert isinstance(screen, ScorecardsScreen)
        table = screen.query_one("#workers", DataTable)
        heading = tr("col.on_time", "zh")
        column = next(i for i, c in enumerate(table.ordered_columns) if str(c.label) == heading)
        for i, row in enumerate(screen._data.cards.workers):
            cell = table.get_row_at(i)[column]
            assert ("red" in str(cell.style)) == row.on_time_alert
        assert any(row.on_time_alert for row in screen._data.cards.workers)
