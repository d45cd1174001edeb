"""The Markdown writer: the stored golden files (zh, en), no Latin letter on a Chinese
bulletin, and outside text that stays text."""

from __future__ import annotations

import os
import re
from pathlib import Path

from gridtui.bulletin.markdown import escape, render_markdown
from tests.bulletin.conftest import HOSTILE, bulletin

GOLDEN = Path(__file__).parent / "golden"


def _cells(line: str) -> list[str]:
    """A table row's cells, split on the pipes that are not escaped."""
    cells, cell, chars = [], "", iter(line.strip()[1:-1])
    for ch in chars:
        if ch == "\\":
            cell += ch + next(chars, "")
        elif ch == "|":
            cells.append(cell.strip())
            cell = ""
        else:
            cell += ch
    return [*cells, cell.strip()]


def test_the_markdown_is_the_golden_file(lang: str) -> None:
    text = render_markdown(bulletin(lang))
    golden = GOLDEN / f"month.{lang}.md"
    if os.environ.get("GRIDTUI_UPDATE_GOLDEN"):
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8")


def test_a_chinese_bulletin_has_no_latin_letter() -> None:
    # the records' codes are digits: every letter would be an English word
    text = render_markdown(bulletin("zh"))
    assert re.search(r"[A-Za-z]", text) is None, re.findall(r".{0,20}[A-Za-z]+.{0,20}", text)
    assert "一、总体情况" in text and "八、红色管控对象" in text


def test_outside_text_stays_text(lang: str) -> None:
    text = render_markdown(bulletin(lang, title=HOSTILE, city="龙城|<i>市</i>"))
    lines = text.splitlines()
    # the title cannot start a heading or a line of its own; ours are the only ones
    assert [ln for ln in lines if ln.startswith("#")] == [
        ln for ln in lines if re.match(r"#{1,2} ", ln)
    ]
    assert sum(ln.startswith("# ") for ln in lines) == 1
    assert "\x1b" not in text and "\u202e" not in text and "\\<U+202E\\>" in text
    # no raw markup: every *, <, [, `, & and | of the title is escaped
    row = next(ln for ln in lines if "=1+2" in ln)
    title = _cells(row)[1]
    assert re.search(r"(?<!\\)[*<>\[\]`&|]", title) is None
    assert "http:\\//" in title and "\\# 标题" in title
    # every row of every table has as many cells as its header has columns
    width = 0
    for before, ln in zip(["", *lines], lines, strict=False):
        if ln.startswith("| ---"):
            width = len(_cells(before))
        elif ln.startswith("| ") and width:
            assert len(_cells(ln)) == width, ln
        elif not ln.startswith("| "):
            width = 0
    assert len(_cells(row)) == 9


def test_escape_leaves_plain_text_alone() -> None:
    assert escape("龙城市 2026年11月 96.0% (3)") == "龙城市 2026年11月 96.0% (3)"
    assert escape("a|b") == "a\\|b" and escape("x\ny") == "x y"
    assert escape("www.example.org") == "w\\ww.example.org"
