"""A name and its code stay on one line (issue 13): the ticket's co-handlers wrap
between two names, never inside one, and the overview's channel shares stay with
their channels."""

from __future__ import annotations

import io
import re

import pytest
from rich.console import Console
from rich.text import Text
from textual.widgets import Static

from gridtui.data.sources.records import NewTicket
from gridtui.i18n import channel_label
from gridtui.widgets.flow import Flow
from tests.conftest import NOW
from tests.ui.test_i18n import screen_lines


def drawn(static: Static) -> list[str]:
    """The lines ``static`` draws, at its own width."""
    console = Console(width=static.content_size.width, file=io.StringIO(), record=True)
    console.print(static.content)
    return console.export_text().splitlines()


def test_a_flow_breaks_between_units_only():
    units = ["段娜(L0003)", "王磊(L0004)", "刘海霞(W0001)", "沈磊(W0002)"]
    for width in range(11, 40):
        lines = Flow([Text(u) for u in units], sep="、", gap="").lines(width).plain.split("\n")
        assert all(len(line) <= width for line in lines) or width < 12
        for unit in units:
            assert any(unit in line for line in lines), (width, lines)
    # a unit wider than the line is folded, not dropped
    assert "".join(Flow(["ABCDEFGHIJ"]).lines(4).plain.split("\n")) == "ABCDEFGHIJ"


@pytest.mark.parametrize(
    ("size", "lang"),
    [((80, 24), "zh"), ((80, 24), "en"), ((240, 67), "zh")],
    ids=["80-zh", "80-en", "240-zh"],
)
async def test_co_handlers_wrap_between_names(make_app, source, wait, size, lang):
    svc = source.service
    t = svc.open(NewTicket("邻里纠纷", "dispute.wages", "patrol", "WH-HB-01-01", "W0001")).ticket_id
    svc.act(t, "escalate", "W0001", target="JUSTICE")
    depts = sorted(d.code for d in source.reference().departments.values())
    for code in depts:
        if code != "JUSTICE":
            svc.act(t, "assist", "duty:王敏", target=f"dept:{code}")
    names = [source.reference().holder_label(f"dept:{c}", lang) for c in depts if c != "JUSTICE"]
    app = make_app(screen="ticket", ticket_id=t, lang=lang)
    async with app.run_test(size=size) as pilot:
        await wait(app, pilot)
        lines = drawn(app.screen.query_one("#fields", Static))
        start = next(i for i, line in enumerate(lines) if line.startswith(("协办", "Co-")))
        block = lines[start:]
        assert len(block) > 1, block  # long enough to wrap at either width
        for name in names:
            assert any(name in line for line in block), (name, block)


@pytest.mark.parametrize("lang", ["zh", "en"])
async def test_the_overview_keeps_each_share_with_its_channel(make_app, source, wait, lang):
    o = source.overview(NOW)
    labels = [channel_label(c, lang) for c in o.channel_mix]
    app = make_app(screen="overview", lang=lang)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait(app, pilot)
        lines = [line.strip() for line in screen_lines(app)]
        assert not any(re.fullmatch(r"\d+%", line) for line in lines), lines
        for label in labels:  # "领导交办 3%" on one line
            assert any(re.search(re.escape(label) + r" +\d+%", line) for line in lines), (
                label,
                lines,
            )
