"""The words beside the map: the legend (every glyph with its colour's name), the
layers, what is selected and the area at the middle, in the current language.

Colour is never the only signal: each risk colour has its glyph (◆▲●■○) and its name
(红 / RED) beside it, and the area's colour is named in words, so the map reads the
same under NO_COLOR and in 16 colours. Outside text (titles, names) is data: built
with :func:`~gridtui.widgets.render.safe`, never markup.
"""

from __future__ import annotations

from collections import Counter

from rich.text import Text

from gridtui.data.sources.records import GEO_LAYERS, GeoArea, GeoCluster, GeoEntity, GeoPoint
from gridtui.i18n import colour_label, tr
from gridtui.widgets.boards import COLOURS, KINDS
from gridtui.widgets.map.canvas import palette_kind
from gridtui.widgets.map.raster import ENTITY_GLYPH, GLYPH, Raster, Spot, cluster_text
from gridtui.widgets.map.viewport import Viewport, distance_label, scale_bar
from gridtui.widgets.palette import risk_style
from gridtui.widgets.render import overdue_text, safe

SEP = " · "


def glyph_chip(colour: str | None, lang: str, count: int | None = None) -> Text:
    """``◆ 红`` (``◆ RED 3``): the colour's glyph and name in its style."""
    if not colour:
        return Text("—")
    label = f"{GLYPH.get(colour, '●')} {colour_label(colour, lang)}"
    return Text(label + (f" {count}" if count is not None else ""), style=risk_style(colour))


def legend(
    lang: str, kind: str, heat: bool, *, wide: bool, counts: Counter[str] | None = None
) -> Text:
    """The legend: one line (narrow) or one entry a line with the counts in view
    (wide). ``kind`` is the palette kind (``true``, ``ansi``, ``none``)."""
    out = Text(no_wrap=not wide, overflow="ellipsis")
    sep = "\n" if wide else " "
    if wide:
        out.append(f"{tr('map.legend', lang)} · {tr('map.legend.tickets', lang)}\n", style="bold")
    for i, colour in enumerate(COLOURS):
        if i:
            out.append(sep)
        out.append_text(glyph_chip(colour, lang, counts.get(colour, 0) if counts else None))
    extras = [
        tr("map.legend.overdue", lang),
        f"{ENTITY_GLYPH} {tr('map.legend.entity', lang)}",
        f"{GLYPH['red']}12 {tr('map.legend.cluster', lang)}",
        tr("map.legend.selected", lang),
    ]
    if kind == "true":
        extras.append(tr("map.legend.fill", lang))
    elif kind == "ansi":
        extras.append(tr("map.legend.edge", lang))
    if heat:
        extras.append(tr("map.legend.heat", lang))
    for extra in extras:
        out.append("\n" if wide else SEP)
        out.append(extra)
    return out


def layers_text(layers: frozenset[str], lang: str, *, title: str = " ") -> Text:
    """``图层 ■工单 ■登记对象 ■超期 □热力``: each layer on (■) or off (□); ``title``
    stands between the word and the layers."""
    out = Text(f"{tr('map.layers', lang)}{title}", no_wrap=True, overflow="ellipsis")
    for name in GEO_LAYERS:
        on = name in layers
        out.append(
            f"{'■' if on else '□'}{tr(f'map.layer.{name}', lang)} ", style="" if on else "dim"
        )
    return out


def selection_text(spot: Spot | None, lang: str, *, title: str = ": ") -> Text:
    """What is selected: a ticket (id, colour, title, overdue), a cluster (count and
    colours) or an entity (code, name, colour, kind); else the keys' hint. ``title``
    follows the heading (``\n`` in the side panel)."""
    out = Text(no_wrap=True, overflow="ellipsis")
    if spot is None:
        if title != ": ":
            out.append(f"{tr('map.selected', lang)}{title}", style="bold")
        out.append(tr("map.hint", lang), style="dim")
        return out
    out.append(f"{tr('map.selected', lang)}{title}", style="bold")
    record = spot.record
    if isinstance(record, GeoPoint):
        out.append(f"#{record.ticket_id} ", style="bold")
        out.append_text(glyph_chip(record.colour, lang))
        out.append(" ")
        out.append_text(safe(record.title, lang=lang))
        if record.overdue:
            out.append(" ")
            out.append_text(overdue_text(tr("map.overdue", lang)))
    elif isinstance(record, GeoCluster):
        out.append(f"{cluster_text(record)} ", style=risk_style(record.colour))
        out.append(tr("map.cluster", lang, n=record.count))
        for colour in COLOURS:
            if record.by_colour.get(colour):
                out.append(" ")
                out.append_text(glyph_chip(colour, lang, record.by_colour[colour]))
        if record.overdue:
            out.append(" ")
            out.append_text(overdue_text(tr("map.overdue_n", lang, n=record.overdue)))
        out.append(f"{SEP}{tr('map.cluster_hint', lang)}", style="dim")
    elif isinstance(record, GeoEntity):
        out.append(f"{ENTITY_GLYPH} {tr('map.entity', lang)} ")
        out.append_text(safe(record.code, style="dim"))
        out.append(" ")
        out.append_text(safe(record.name, lang=lang))
        out.append(" ")
        out.append_text(glyph_chip(record.colour, lang))
        kind = tr(f"risk.kind.{record.kind}", lang) if record.kind in KINDS else record.kind
        out.append(SEP)
        out.append_text(safe(kind))
    return out


def area_text(
    area: GeoArea | None, lang: str, *, heat: bool, title: str = ": ", sep: str = SEP
) -> Text:
    """The area at the middle of the view: its name, colour (named), open tickets,
    overdue and, with the heat layer, its heat (``sep`` between the figures)."""
    out = Text(no_wrap=True, overflow="ellipsis")
    out.append(f"{tr('map.at_centre', lang)}{title}", style="bold")
    if area is None:
        out.append("—")
        return out
    out.append_text(safe(area.node.label(lang), lang=lang))
    out.append(f" ({tr(f'risk.level.{area.node.level}', lang)}) ")
    if area.colour:
        out.append_text(glyph_chip(area.colour, lang))
    else:
        out.append(tr("map.no_colour", lang), style="dim")
    out.append(sep + tr("map.open_n", lang, n=sum(area.tickets.values())))
    if area.overdue:
        out.append(sep)
        out.append_text(overdue_text(tr("map.overdue_n", lang, n=area.overdue)))
    if heat:
        out.append(sep + tr("map.heat_n", lang, n=area.heat))
    return out


def unplaced_text(unplaced: int, lang: str) -> Text:
    """``未落图工单 3 件``: bold when there are any."""
    return Text(tr("map.unplaced", lang, n=unplaced), style="bold" if unplaced else "dim")


def scale_text(level: str, bar: str, unplaced: int, lang: str, *, sep: str = SEP) -> Text:
    """``边界 网格 · 比例尺 500 m · 未落图工单 3 件`` (``sep`` between the three)."""
    out = Text(no_wrap=True, overflow="ellipsis")
    out.append(f"{tr('map.outlines', lang)} {tr(f'risk.level.{level}', lang)}")
    out.append(f"{sep}{tr('map.scale', lang)} {bar}")
    out.append(sep)
    out.append_text(unplaced_text(unplaced, lang))
    return out


def tickets_by_colour(spots: list[Spot]) -> Counter[str]:
    """Open tickets among ``spots`` by colour (a cluster's by its members)."""
    counts: Counter[str] = Counter()
    for spot in spots:
        if isinstance(spot.record, GeoPoint):
            counts[spot.record.colour] += 1
        elif isinstance(spot.record, GeoCluster):
            counts.update(spot.record.by_colour)
    return counts


def panel(
    view: Viewport | None,
    raster: Raster | None,
    spot: Spot | None,
    area: GeoArea | None,
    layers: frozenset[str],
    lang: str,
    *,
    counts: Counter[str] | None,
) -> Text:
    """Everything said beside the map: with ``counts`` (the tickets in view) the side
    panel, a section a line; without, the three lines under a narrow map (the legend,
    the selection, the middle's area with the unplaced count and the layers)."""
    kind, heat = palette_kind(), "heat" in layers
    unplaced = raster.view.unplaced if raster is not None else 0
    if counts is None:
        foot = legend(lang, kind, heat, wide=False)
        foot.append("\n")
        foot.append_text(selection_text(spot, lang))
        foot.append("\n")
        # the scale is on the map; tickets off the map first when there are any
        parts = [area_text(area, lang, heat=heat), unplaced_text(unplaced, lang)]
        for i, part in enumerate(
            [*(parts[::-1] if unplaced else parts), layers_text(layers, lang)]
        ):
            foot.append("  " if i else "")
            foot.append_text(part)
        return foot
    bar = distance_label(scale_bar(view, max(2, view.cols // 5))[1], lang) if view else "—"
    level = view.level if view is not None else "grid"
    text = legend(lang, kind, heat, wide=True, counts=counts)
    for part in (Text(""), layers_text(layers, lang, title="\n"),
                 scale_text(level, bar, unplaced, lang, sep="\n"), Text(""),
                 selection_text(spot, lang, title="\n"), Text(""),
                 area_text(area, lang, heat=heat, title="\n", sep="\n")):  # fmt: skip
        text.append("\n")
        text.append_text(part)
    text.no_wrap = False
    return text
