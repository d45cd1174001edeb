"""Outside text shown (issue 12): bidi and zero-width controls visible, logs one line
per record, spreadsheet cells that never run."""

from __future__ import annotations

import pytest

from gridtui.domain.text import clean_text, cut, log_text, shown_text, spreadsheet_cell

BIDI = "\u202e\u2066\u2067\u2068\u2069\u200f\u061c\u200b\u200d\ufeff"


def test_bidi_and_zero_width_controls_are_kept_in_data_and_shown_visibly() -> None:
    title = f"井盖{BIDI}缺失"
    assert clean_text(title) == title  # data is data
    shown = shown_text(title)
    assert shown == (
        "井盖<U+202E><U+2066><U+2067><U+2068><U+2069><U+200F><U+061C><U+200B><U+200D><U+FEFF>缺失"
    )
    assert not any(ch in shown for ch in BIDI)
    assert shown_text("a\x1b]0;t\x07\nb", one_line=True) == "a b"


def test_a_log_value_stays_on_its_line() -> None:
    assert log_text("x\x1b]0;pwned\x07\nFORGED\tline\r\u202e") == "x\\nFORGED\\tline<U+202E>"


def test_cut_says_how_much_is_left() -> None:
    assert cut("abcdef", 4) == ("abcd", 2) and cut("ab", 4) == ("ab", 0)


@pytest.mark.parametrize(
    "value", ['=HYPERLINK("http://x")', "+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]
)
def test_a_formula_is_never_a_formula_in_a_spreadsheet(value: str) -> None:
    assert spreadsheet_cell(value) == "'" + value


def test_other_cells_are_kept() -> None:
    assert [spreadsheet_cell(v) for v in ("GD1", "网格=1", 4, "")] == ["GD1", "网格=1", 4, ""]
