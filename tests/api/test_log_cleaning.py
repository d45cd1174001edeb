"""Outside text in gridtui's and uvicorn's logs (issue 12): escape sequences never
reach the terminal tailing the log; a newline in a value cannot forge a line."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from gridtui.api import logs

EVIL = "x\x1b]0;pwned\x07\x1b]52;c;ZXZpbA==\x07\nFORGED 200 OK\u202e"


@pytest.fixture(autouse=True)
def _cleaning() -> None:
    logs.install()


def test_every_argument_of_a_gridtui_record_is_cleaned(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    logging.getLogger("gridtui.inbox").warning("%s: %d row(s) from %s", EVIL, 3, Path(EVIL))
    logging.getLogger("gridtui").info(EVIL)  # a message of outside text, no arguments
    first, second = (r.getMessage() for r in caplog.records)
    assert first == "x\\nFORGED 200 OK<U+202E>: 3 row(s) from x\\nFORGED 200 OK<U+202E>"
    assert second == "x\\nFORGED 200 OK<U+202E>"
    assert "\x1b" not in caplog.text and "FORGED" not in "".join(
        line[:12] for line in caplog.text.splitlines()
    )


def test_uvicorn_access_lines_keep_their_format_and_lose_the_escapes(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a uvicorn server started earlier in this process (another test) configured its
    # access logger (its level, no propagation): hand its records to caplog directly
    caplog.set_level(logging.INFO, logger="uvicorn.access")
    access = logging.getLogger("uvicorn.access")
    monkeypatch.setattr(access, "handlers", [caplog.handler])
    access.info('%s - "%s %s HTTP/%s" %d', "1.2.3.4:5", "GET", "/a?api_key=k&q=" + EVIL, "1.1", 200)
    line = caplog.records[-1].getMessage()
    assert line.startswith('1.2.3.4:5 - "GET /a?api_key=***&q=x\\nFORGED') and line.endswith(" 200")


def test_a_traceback_keeps_its_lines_but_not_the_escapes(caplog: pytest.LogCaptureFixture) -> None:
    try:
        raise ValueError(EVIL)
    except ValueError:
        logging.getLogger("gridtui.watch").exception("failed")
    text = caplog.text
    assert "Traceback" in text and "ValueError: x" in text and "\x1b" not in text
    assert "\u202e" not in (caplog.records[-1].exc_text or "")


def test_other_loggers_are_left_alone(caplog: pytest.LogCaptureFixture) -> None:
    logging.getLogger("someone.else").warning("%s", "a\nb")
    assert caplog.records[-1].getMessage() == "a\nb"


def test_the_filter_cleans_what_a_handler_writes() -> None:
    import io

    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.addFilter(logs.CleanRecords())
    other = logging.getLogger("someone.else.handled")
    other.addHandler(handler)
    try:
        other.warning("%s", EVIL)
    finally:
        other.removeHandler(handler)
    assert out.getvalue() == "x\\nFORGED 200 OK<U+202E>\n"
