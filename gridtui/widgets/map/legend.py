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
from gridtui.widgets.map.raster import ENTITY_GLYPH, GLYPH, Spot, cluster_text
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
        f"{ENTITY_GLYPH} {tr('map.legend.entity', lang)}",
        f"{GLYPH['red']}12 {tr('map.legend.cluster', lang)}",
        tr("map.legend.overdue", lang),
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


def area_text(area: GeoArea | None, lang: str, *, heat: bool, title: str = ": ") -> Text:
    """The area at the middle of the view: its name, colour (named), open tickets,
    overdue and, with the heat layer, its heat."""
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
    out.append(SEP + tr("map.open_n", lang, n=sum(area.tickets.values())))
    if area.overdue:
        out.append(SEP)
        out.append_text(overdue_text(tr("map.overdue_n", lang, n=area.overdue)))
    if heat:
        out.append(SEP + tr("map.heat_n", lang, n=area.heat))
    return out


def scale_text(level: str, bar: str, unplaced: int, lang: str, *, sep: str = SEP) -> Text:
    """``边界 网格 · 比例尺 500 m · 未落图工单 3 件`` (``sep`` between the three)."""
    out = Text(no_wrap=True, overflow="ellipsis")
    out.append(f"{tr('map.outlines', lang)} {tr(f'risk.level.{level}', lang)}")
    out.append(f"{sep}{tr('map.scale', lang)} {bar}")
    out.append(sep)
    out.append(tr("map.unplaced", lang, n=unplaced), style="bold" if unplaced else "dim")
    return out
