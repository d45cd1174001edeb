"""Figures three lines tall, drawn with the full and half blocks (█ ▀ ▄) only.

Textual's own big digits use half-line box characters (╺ ╸ ╹ ╻) that many monospace
fonts, the common CJK ones among them, draw with gaps or not at all; every font
with a block-elements range draws these. Each glyph is a 3 × 5 pixel figure, two
pixel rows to a line; glyphs stand a column apart.
"""

from __future__ import annotations

from rich.style import Style
from rich.text import Text

# 3 × 5 pixels per glyph ("#" set), row by row
_PIXELS = {
    "0": ("###", "#.#", "#.#", "#.#", "###"),
    "1": (".#.", "##.", ".#.", ".#.", "###"),
    "2": ("###", "..#", "###", "#..", "###"),
    "3": ("###", "..#", "###", "..#", "###"),
    "4": ("#.#", "#.#", "###", "..#", "..#"),
    "5": ("###", "#..", "###", "..#", "###"),
    "6": ("###", "#..", "###", "#.#", "###"),
    "7": ("###", "..#", "..#", "..#", "..#"),
    "8": ("###", "#.#", "###", "#.#", "###"),
    "9": ("###", "#.#", "###", "..#", "###"),
    "%": ("#.#", "..#", ".#.", "#..", "#.#"),
    "-": ("...", "...", "###", "...", "..."),
    "+": ("...", ".#.", "###", ".#.", "..."),
    ".": (".", ".", ".", ".", "#"),
    ",": (".", ".", ".", ".", "#"),
    ":": (".", "#", ".", "#", "."),
    " ": (".", ".", ".", ".", "."),
}
_HALF = {(True, True): "█", (True, False): "▀", (False, True): "▄", (False, False): " "}


def _lines(pixels: tuple[str, ...]) -> list[str]:
    rows = [*pixels, "." * len(pixels[0])]
    return [
        "".join(_HALF[(a == "#", b == "#")] for a, b in zip(top, low, strict=True))
        for top, low in zip(rows[0::2], rows[1::2], strict=True)
    ]


GLYPHS: dict[str, list[str]] = {ch: _lines(px) for ch, px in _PIXELS.items()}
#: the characters the big font draws
CHARS = frozenset(GLYPHS)


def can_draw(value: str) -> bool:
    """Whether every character of ``value`` has a big glyph."""
    return bool(value) and set(value) <= CHARS


def big_lines(value: str) -> list[str]:
    """The three lines of ``value`` (characters without a glyph are left out)."""
    glyphs = [GLYPHS[ch] for ch in value if ch in GLYPHS]
    return [" ".join(g[row] for g in glyphs) for row in range(3)]


def big_width(value: str) -> int:
    """How many cells ``value`` takes in the big font."""
    return len(big_lines(value)[0])


def big_text(value: str, style: Style | str = "") -> Text:
    """``value`` in the big font as three centred lines of :class:`Text`."""
    return Text("\n".join(big_lines(value)), style=style, justify="center", no_wrap=True)
