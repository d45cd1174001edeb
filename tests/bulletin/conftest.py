"""Bulletins composed from the hand-made records of :mod:`tests.bulletin.records`."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from gridtui.bulletin.compose import Inputs, compose
from gridtui.bulletin.model import Bulletin
from tests.bulletin import records as R

#: outside text that would be markup, a cell border, a formula, a new line, a
#: terminal escape or a reversal if it were not kept as data
HOSTILE = (
    "甲|乙 **粗** <b>x</b> [链](http://evil.example) =1+2\n# 标题 \x1b[31m红\u202e反 `c` &amp;"
)


def bulletin(lang: str, *, title: str = "小区垃圾清运不及时", city: str = "龙城市",
             closed: bool = True) -> Bulletin:  # fmt: skip
    """November 2026's bulletin of the small city (streets, communities)."""
    streets, communities = R.streets(), R.communities()
    if not closed:
        streets = R.assessment("street", streets.rows, closed=False)
    return compose(
        Inputs(R.reference(city), ZoneInfo("Asia/Shanghai"), lang, R.LAYOUT, streets,
               [streets, communities], R.facts(title), R.ISSUED)
    )  # fmt: skip


@pytest.fixture(params=["zh", "en"])
def lang(request: pytest.FixtureRequest) -> str:
    """Each language."""
    return str(request.param)
