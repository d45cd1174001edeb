"""Risk colours, the three-colour dispute rule and outside-text cleaning."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gridtui.domain.colours import RiskColour, risk_rank_key
from gridtui.domain.disputes import after_failed_mediation
from gridtui.domain.text import clean_text

C = RiskColour


def test_order_is_red_orange_yellow_blue_green() -> None:
    assert C.by_severity() == [C.RED, C.ORANGE, C.YELLOW, C.BLUE, C.GREEN]
    assert C.RED > C.ORANGE > C.YELLOW > C.BLUE > C.GREEN
    assert max([C.BLUE, C.RED, C.GREEN]) is C.RED


def test_names_in_both_languages() -> None:
    assert [c.zh for c in C.by_severity()] == ["红", "橙", "黄", "蓝", "绿"]
    assert C.RED.label("en") == "RED"
    assert C.YELLOW.label("zh") == "黄"


@pytest.mark.parametrize(
    ("text", "colour"), [("red", C.RED), ("RED", C.RED), ("黄", C.YELLOW), ("蓝色", C.BLUE)]
)
def test_parse(text: str, colour: RiskColour) -> None:
    assert C.parse(text) is colour


def test_parse_unknown_names_the_choices() -> None:
    with pytest.raises(ValueError, match=r"purple.*red/红"):
        C.parse("purple")


def test_blue_dispute_turns_yellow_at_the_third_failure() -> None:
    assert after_failed_mediation(C.BLUE, 1, is_dispute=True) is None
    assert after_failed_mediation(C.BLUE, 2, is_dispute=True) is None
    third = after_failed_mediation(C.BLUE, 3, is_dispute=True)
    assert third is not None and third.to is C.YELLOW
    assert "3" in third.reason_zh and "3" in third.reason_en


def test_only_blue_disputes_move() -> None:
    assert after_failed_mediation(C.BLUE, 3, is_dispute=False) is None
    for colour in (C.RED, C.ORANGE, C.YELLOW, C.GREEN):
        assert after_failed_mediation(colour, 5, is_dispute=True) is None


def test_clean_text_removes_escapes_keeps_markup_literal() -> None:
    raw = "[bold red]x[/] \x1b[31mred\x1b[0m \x1b]0;pwned\x07 bell\x07 nul\x00 c1\x9b2J end"
    out = clean_text(raw)
    assert out == "[bold red]x[/] red  bell nul c1 end"
    assert clean_text("a\r\nb\tc", one_line=True) == "a b c"


@given(st.text())
def test_clean_text_never_lets_a_control_character_through(raw: str) -> None:
    out = clean_text(raw)
    assert not any((ord(ch) < 32 and ch not in "\t\n") or 0x7F <= ord(ch) <= 0x9F for ch in out)


def test_risk_rank_key_puts_more_red_first_then_orange():
    areas = {
        "a": ({"orange": 9, "green": 50}, {}),
        "b": ({"red": 1}, {}),
        "c": ({}, {"red": 2}),  # red entities count with red tickets
        "d": ({"orange": 9, "yellow": 1}, {}),
        "e": ({}, {}),
    }
    ranked = sorted(areas, key=lambda k: risk_rank_key(*areas[k]))
    assert ranked == ["c", "b", "d", "a", "e"]
