"""How the modals look: the action menu, an action form (dispatch), the filter dialog,
the adjust form and help, at 80x24 and 160x50, in Chinese and English.

Regenerate after an intended change with ``pytest tests/ui/test_modal_snapshots.py
--snapshot-update`` and look at the SVGs (as PNGs) before committing.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from gridtui.data.sources.local import LocalSource
from gridtui.data.storage.models import Ticket
from gridtui.snapshot import settle

SIZES = pytest.mark.parametrize("size", [(80, 24), (160, 50)], ids=["80x24", "160x50"])
LANGS = pytest.mark.parametrize("lang", ["zh", "en"])


def _new_ticket(source: LocalSource) -> int:
    """The lowest-numbered ticket waiting to be dispatched (the same in every run)."""
    with source.factory() as s:
        found = s.scalars(select(Ticket.id).where(Ticket.status == "new").order_by(Ticket.id))
        first = found.first()
        assert first is not None
        return first


def _keys(*keys: str) -> Any:
    async def run(pilot: Any) -> None:
        await settle(pilot.app, pilot)
        await pilot.press(*keys)
        await settle(pilot.app, pilot)
        # a blinking cursor is drawn or not by the time of the picture: hold it still
        for field in pilot.app.screen.query("Input, TextArea"):
            field.cursor_blink = False
        await settle(pilot.app, pilot)

    return run


@LANGS
@SIZES
@pytest.mark.parametrize("keys", [("x",), ("d",)], ids=["menu", "dispatch"])
def test_ticket_modals_look_right(snap_compare, make_app, source, keys, size, lang):
    app = make_app(screen="ticket", ticket_id=_new_ticket(source), lang=lang, role="officer",
                   poll_seconds=0)  # fmt: skip
    assert snap_compare(app, terminal_size=size, run_before=_keys(*keys))


@LANGS
@SIZES
def test_filter_dialog_looks_right(snap_compare, make_app, size, lang):
    app = make_app(screen="queue", lang=lang, role="officer", poll_seconds=0)
    assert snap_compare(app, terminal_size=size, run_before=_keys("f"))


@LANGS
@SIZES
def test_adjust_form_looks_right(snap_compare, make_app, size, lang):
    app = make_app(screen="scorecards", lang=lang, role="supervisor", poll_seconds=0)
    assert snap_compare(app, terminal_size=size, run_before=_keys("a"))


@LANGS
@SIZES
def test_help_looks_right(snap_compare, make_app, size, lang):
    app = make_app(screen="queue", lang=lang, role="officer", poll_seconds=0)
    assert snap_compare(app, terminal_size=size, run_before=_keys("question_mark"))
