"""The key bar never cuts its last label: at any width the screen's later keys give way,
and the app's (help, language, quit, commands) stay whole (issue 13, point 9)."""

from __future__ import annotations

import pytest

from gridtui.registry import SCREEN_NAMES
from gridtui.widgets.key_bar import KeyBar

LAST = {"zh": "命令", "en": "Commands"}


#: the sizes tried, one after the other on the same app (a resize redraws the bar)
SIZES = [(80, 24), (120, 40), (240, 67)]


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("screen", SCREEN_NAMES)
async def test_the_last_label_is_whole(make_app, wait, screen, lang):
    app = make_app(screen=screen, lang=lang, role="officer")
    async with app.run_test(size=SIZES[0]) as pilot:
        for width, height in SIZES:
            await pilot.resize_terminal(width, height)
            await wait(app, pilot)
            bar = app.screen.query_one(KeyBar)
            # what the terminal shows on the bar's line
            plain = "".join(seg.text for seg in bar.render_line(0)).rstrip()
            assert plain.endswith(LAST[lang]), (width, plain)
            assert "…" not in plain, (width, plain)
            for key in ("?", "q"):
                assert f" {key} " in plain, (width, plain)
