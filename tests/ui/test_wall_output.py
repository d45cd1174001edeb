"""The wall's terminal output filter (:mod:`gridtui.wall.output`): what reaches the
terminal shows exactly what Textual drew, with fewer bytes.

The check is a small terminal of its own (cursor moves, SGR with an independent
reading of the codes, wide characters that blank their other half when overwritten):
every stream of frames, written raw or through the filter, must leave the same cells.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.cells import get_character_cell_size

from gridtui.wall.output import DiffOutput, apply_sgr, transition

WIDTH, HEIGHT = 24, 6


class Glass:
    """A minimal terminal: the cells it shows after a stream of writes."""

    def __init__(self) -> None:
        self.cells: dict[tuple[int, int], tuple[str, frozenset[str]]] = {}
        self.x = self.y = 0
        self.attrs: dict[str, str] = {}

    def feed(self, data: str) -> None:
        for token in re.findall(r"\x1b\[[0-9;?]*[A-Za-z]|\x07|[\r\n]|[^\x1b\x07\r\n]", data):
            if token.startswith("\x1b[") and token.endswith("H"):
                row, _, col = token[2:-1].partition(";")
                self.y, self.x = int(row or 1) - 1, int(col or 1) - 1
            elif token.startswith("\x1b[") and token.endswith("m"):
                self._sgr(token[2:-1])
            elif token.startswith("\x1b") or token in "\x07\r\n":
                continue
            else:
                self._put(token)

    def _sgr(self, params: str) -> None:
        codes = (params or "0").split(";")
        i = 0
        while i < len(codes):
            code = codes[i] or "0"
            if code == "0":
                self.attrs = {}
            elif code in ("38", "48"):
                n = 4 if codes[i + 1] == "2" else 2
                self.attrs["fg" if code == "38" else "bg"] = ":".join(codes[i + 1 : i + 1 + n])
                i += n
            elif code == "39":
                self.attrs.pop("fg", None)
            elif code == "49":
                self.attrs.pop("bg", None)
            elif code == "22":
                self.attrs.pop("1", None)
                self.attrs.pop("2", None)
            elif code in ("23", "24", "27"):
                self.attrs.pop({"23": "3", "24": "4", "27": "7"}[code], None)
            elif code.isdigit() and (30 <= int(code) <= 37 or 90 <= int(code) <= 97):
                self.attrs["fg"] = code
            elif code.isdigit() and (40 <= int(code) <= 47 or 100 <= int(code) <= 107):
                self.attrs["bg"] = code
            else:
                self.attrs[code] = "on"
            i += 1

    def _put(self, char: str) -> None:
        width = get_character_cell_size(char)
        pen = frozenset(f"{k}={v}" for k, v in self.attrs.items())
        last = self.x + width - 1
        for x in range(self.x, self.x + width):
            old = self.cells.get((self.y, x))
            if old and old[0] == "":  # the right half of a wide character: blank its left
                left = self.cells.get((self.y, x - 1))
                if left:
                    self.cells[(self.y, x - 1)] = (" ", left[1])
            elif old and get_character_cell_size(old[0][:1] or " ") == 2 and x == last:
                right = self.cells.get((self.y, x + 1))
                if right and right[0] == "":
                    self.cells[(self.y, x + 1)] = (" ", right[1])
        self.cells[(self.y, self.x)] = (char, pen)
        if width == 2:
            self.cells[(self.y, self.x + 1)] = ("", pen)
        self.x += width


STYLES = [
    "1;38;2;224;224;224;48;2;18;18;18",
    "38;2;0;101;190;48;2;18;18;18",
    "48;2;18;18;18",
    "1;7;31",
    "2;38;5;208",
    "4;92;44",
    "",
]
CHARS = "ab ━┃■中文"


@st.composite
def frames(draw: st.DrawFn) -> str:
    """A frame as Textual writes one: lines of styled segments at a cursor position,
    each segment reset after (a whole screen, or a region of some lines)."""
    out = []
    for y in sorted(draw(st.sets(st.integers(0, HEIGHT - 1), min_size=1))):
        x = draw(st.integers(0, WIDTH // 2))
        out.append(f"\x1b[{y + 1};{x + 1}H")
        width = 0
        for _ in range(draw(st.integers(1, 4))):
            style = draw(st.sampled_from(STYLES))
            text = "".join(draw(st.lists(st.sampled_from(CHARS), min_size=1, max_size=6)))
            cells = sum(get_character_cell_size(c) for c in text)
            if x + width + cells > WIDTH:
                break
            width += cells
            out.append(f"\x1b[{style}m{text}\x1b[0m" if style else text)
    out.append("\x1b[1;1H")
    return "".join(out)


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(st.lists(frames(), min_size=1, max_size=8))
def test_the_terminal_shows_the_same_with_fewer_bytes(stream):
    raw, diffed, output = Glass(), Glass(), DiffOutput()
    for frame in stream:
        raw.feed(frame)
        diffed.feed(output.filter(frame))
    assert diffed.cells == raw.cells
    assert output.written <= output.asked + 8 * len(stream)  # at most a reset more


def test_the_same_frame_twice_writes_only_the_cursor():
    frame = "\x1b[1;1H\x1b[1;31mhello\x1b[0m \x1b[48;2;1;2;3m世界\x1b[0m\x1b[3;1H"
    output = DiffOutput()
    assert output.filter(frame) != ""
    assert output.filter(frame) == "\x1b[3;1H"


def test_one_changed_cell_is_one_cell_written():
    output = DiffOutput()
    output.filter("\x1b[2;1H\x1b[1;31mhello world\x1b[0m\x1b[1;1H")
    assert output.filter("\x1b[2;1H\x1b[1;31mhello World\x1b[0m\x1b[1;1H") == (
        "\x1b[2;7H\x1b[1;31mW\x1b[0m\x1b[1;1H"
    )


def test_a_wide_character_is_rewritten_whole():
    output = DiffOutput()
    output.filter("\x1b[1;1Hab中文\x1b[1;1H")
    assert output.filter("\x1b[1;1Hab中字\x1b[1;1H") == "\x1b[1;5H字\x1b[1;1H"


def test_other_sequences_pass_in_order_and_erasing_forgets():
    output = DiffOutput()
    frame = "\x1b[1;1Hab\x1b[1;1H"
    output.filter(frame)
    assert output.filter("\x07") == "\x07"  # the bell
    assert output.filter("\x1b[?25l\x1b[?2026h") == "\x1b[?25l\x1b[?2026h"
    assert output.filter(frame) == "\x1b[1;1H"
    assert output.filter("\x1b[2J") == "\x1b[2J"  # cleared: nothing is known any more
    assert output.filter(frame) == frame
    output.forget()  # (after a resize)
    assert output.filter(frame) == frame


def test_style_transitions_are_minimal_and_correct():
    bold_red = apply_sgr((), "1;31")
    assert transition((), bold_red) == "\x1b[1;31m"
    assert transition(bold_red, bold_red) == ""
    # only the colour changes: no reset
    assert transition(bold_red, apply_sgr(bold_red, "32")) == "\x1b[32m"
    # bold goes away: a reset, then everything that stays
    assert transition(bold_red, apply_sgr((), "31")) == "\x1b[0;31m"
    truecolor = apply_sgr((), "38;2;1;2;3;48;5;17")
    assert transition((), truecolor) == "\x1b[38;2;1;2;3;48;5;17m"
    assert apply_sgr(truecolor, "39") == apply_sgr((), "48;5;17")
