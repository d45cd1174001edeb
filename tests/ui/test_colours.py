"""The five risk colours per theme: far apart (CIEDE2000 ≥ 20), still five colours in
256 and in the 16 ANSI colours, 红 the loudest without colour, late never a risk
colour, and the theme in use is the palette every screen draws with."""

from __future__ import annotations

import math
from datetime import timedelta
from itertools import combinations

import pytest
from rich._palettes import STANDARD_PALETTE
from rich.color import Color, ColorSystem, ColorType
from rich.style import Style
from textual.widgets import DataTable

from gridtui.i18n import tr
from gridtui.widgets.palette import ORDER, activate, palette_for
from gridtui.widgets.render import colour_chip, remaining_text
from gridtui.widgets.themes import THEMES
from tests.conftest import NOW

Lab = tuple[float, float, float]


def to_lab(rgb: tuple[int, int, int]) -> Lab:
    """sRGB (D65) → CIELAB."""

    def linear(c: float) -> float:
        c /= 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in rgb)
    x = (0.4124564 * r + 0.3575761 * g + 0.1804375 * b) / 0.95047
    y = 0.2126729 * r + 0.7151522 * g + 0.0721750 * b
    z = (0.0193339 * r + 0.1191920 * g + 0.9503041 * b) / 1.08883

    def f(t: float) -> float:
        return t ** (1 / 3) if t > 216 / 24389 else (24389 / 27 * t + 16) / 116

    fx, fy, fz = f(x), f(y), f(z)
    return 116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)


def delta_e2000(lab1: Lab, lab2: Lab) -> float:
    """CIEDE2000 (Sharma, Wu, Dalal 2005)."""
    l1, a1, b1 = lab1
    l2, a2, b2 = lab2
    c_bar = (math.hypot(a1, b1) + math.hypot(a2, b2)) / 2
    g = 0.5 * (1 - math.sqrt(c_bar**7 / (c_bar**7 + 25**7)))
    a1p, a2p = a1 * (1 + g), a2 * (1 + g)
    c1p, c2p = math.hypot(a1p, b1), math.hypot(a2p, b2)
    h1p = math.degrees(math.atan2(b1, a1p)) % 360 if c1p else 0.0
    h2p = math.degrees(math.atan2(b2, a2p)) % 360 if c2p else 0.0
    dl, dc = l2 - l1, c2p - c1p
    dh = 0.0
    if c1p * c2p:
        dh = h2p - h1p
        dh = dh - 360 if dh > 180 else dh + 360 if dh < -180 else dh
    d_h = 2 * math.sqrt(c1p * c2p) * math.sin(math.radians(dh / 2))
    l_bar, cp_bar = (l1 + l2) / 2, (c1p + c2p) / 2
    if not c1p * c2p:
        h_bar = h1p + h2p
    elif abs(h1p - h2p) <= 180:
        h_bar = (h1p + h2p) / 2
    else:
        h_bar = (h1p + h2p + (360 if h1p + h2p < 360 else -360)) / 2
    t = (
        1
        - 0.17 * math.cos(math.radians(h_bar - 30))
        + 0.24 * math.cos(math.radians(2 * h_bar))
        + 0.32 * math.cos(math.radians(3 * h_bar + 6))
        - 0.20 * math.cos(math.radians(4 * h_bar - 63))
    )
    d_theta = 30 * math.exp(-(((h_bar - 275) / 25) ** 2))
    r_c = 2 * math.sqrt(cp_bar**7 / (cp_bar**7 + 25**7))
    s_l = 1 + 0.015 * (l_bar - 50) ** 2 / math.sqrt(20 + (l_bar - 50) ** 2)
    s_c = 1 + 0.045 * cp_bar
    s_h = 1 + 0.015 * cp_bar * t
    r_t = -math.sin(math.radians(2 * d_theta)) * r_c
    return math.sqrt(
        (dl / s_l) ** 2 + (dc / s_c) ** 2 + (d_h / s_h) ** 2 + r_t * (dc / s_c) * (d_h / s_h)
    )


def test_delta_e2000_matches_the_published_pairs():
    # Sharma et al., table 1: pairs 1, 7 and 17
    assert delta_e2000((50, 2.6772, -79.7751), (50, 0, -82.7485)) == pytest.approx(2.0425, abs=1e-4)
    assert delta_e2000((50, 0, 0), (50, -1, 2)) == pytest.approx(2.3669, abs=1e-4)
    assert delta_e2000((50, 2.5, 0), (73, 25, -18)) == pytest.approx(27.1492, abs=1e-4)


def colours(theme: str) -> dict[str, Color]:
    palette = palette_for(theme)
    return {c: Color.parse(palette.colours[c]) for c in ORDER}


def rgb(color: Color) -> tuple[int, int, int]:
    """Truecolour as it is; an ANSI colour as the VGA palette draws it."""
    if color.type == ColorType.TRUECOLOR:
        assert color.triplet is not None
        return color.triplet
    assert color.number is not None
    return STANDARD_PALETTE[color.number]


@pytest.mark.parametrize("theme", THEMES.values())
def test_any_two_colours_of_a_theme_are_far_apart(theme):
    labs = {c: to_lab(rgb(v)) for c, v in colours(theme).items()}
    for a, b in combinations(ORDER, 2):
        assert delta_e2000(labs[a], labs[b]) >= 20, (theme, a, b)


@pytest.mark.parametrize("theme", THEMES.values())
def test_five_colours_stay_five_in_256_and_in_16(theme):
    values = colours(theme).values()
    eight_bit = {c.downgrade(ColorSystem.EIGHT_BIT).number for c in values}
    standard = {c.downgrade(ColorSystem.STANDARD).number for c in values}
    assert len(eight_bit) == 5, theme
    assert len(standard) == 5 and all(n is not None and n < 16 for n in standard), theme


def test_the_ansi_theme_names_ansi_colours_only():
    palette = palette_for(THEMES["ansi"])
    for colour in ORDER:
        assert Color.parse(palette.colours[colour]).type == ColorType.STANDARD, colour
    # only 红 is bold: a console draws bold as bright, which would make 橙 yellow
    assert [Style.parse(palette.risk(c)).bold for c in ORDER] == [True] + [None] * 4


def test_without_colour_red_is_the_loudest():
    palette = activate("textual-dark", no_color=True)
    try:
        red = Style.parse(palette.risk("red"))
        assert red.bold and red.reverse and not red.dim
        for colour in ORDER[1:]:
            assert not Style.parse(palette.risk(colour)).reverse
            assert not Style.parse(palette.risk(colour)).dim
        assert colour_chip("red", "zh").plain == "■ 红"
    finally:
        activate("textual-dark")


@pytest.mark.parametrize("no_color", [False, True])
def test_late_is_marked_by_its_own_style_and_text(no_color):
    activate("textual-dark", no_color=no_color)
    try:
        late = remaining_text(NOW - timedelta(hours=2), NOW, "zh")
        assert late.plain.startswith("‼ 超")
        risk_styles = {palette_for("textual-dark", no_color=no_color).risk(c) for c in ORDER}
        assert str(late.style) not in risk_styles
        assert Style.parse(str(late.style)).color is None
        en = remaining_text(NOW - timedelta(hours=2), NOW, "en")
        assert en.plain.startswith("‼ ") and en.plain.endswith(" over")
    finally:
        activate("textual-dark")


async def test_t_names_the_theme_and_the_screens_take_its_colours(make_app, wait):
    app = make_app(screen="risk")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait(app, pilot)
        table = app.screen.query_one("#cells", DataTable)

        def worst_styles() -> set[str]:
            return {str(table.get_row_at(i)[1].style) for i in range(table.row_count)}

        dark = {palette_for("textual-dark").risk(c) for c in ORDER}
        assert worst_styles() <= dark
        await pilot.press("t")
        await wait(app, pilot)
        assert app.theme == "textual-light"
        assert any(tr("theme.light", "zh") in str(n.message) for n in app._notifications)
        light = {palette_for("textual-light").risk(c) for c in ORDER}
        assert worst_styles() <= light and not worst_styles() & dark
    activate("textual-dark")
