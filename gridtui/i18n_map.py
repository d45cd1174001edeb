"""Labels of the map (issue 17), merged into :data:`gridtui.i18n.CATALOG`.

Kept apart so that the catalog module stays small; every entry in zh-CN and en.
"""

from __future__ import annotations

MAP: dict[str, tuple[str, str]] = {
    # what the canvas says over the map
    "map.no_boundaries": (
        "尚未导入网格边界，地图无可显示内容（gridtui geo load）",
        "No boundaries loaded: nothing to draw (gridtui geo load)",
    ),
    "map.loading": ("地图加载中…", "Loading the map…"),
    "map.unavailable": ("地图暂不可用：{error}", "Map not available: {error}"),
    "map.no_position": ("工单 #{id} 没有坐标，未能定位", "Ticket #{id} has no position"),
    "map.no_node": ("该区域没有边界，未能定位", "That area has no boundary"),
    # the legend
    "map.legend": ("图例", "Legend"),
    "map.legend.tickets": ("工单按颜色", "tickets by colour"),
    "map.legend.entity": ("红/橙登记对象", "red/orange entity"),
    "map.legend.cluster": ("聚合：最重颜色+件数", "cluster: worst colour + count"),
    "map.legend.overdue": ("反白=超期", "reversed = overdue"),
    "map.legend.fill": ("区域底色=最重颜色", "area tint = worst colour"),
    "map.legend.edge": ("边界颜色=最重颜色", "outline colour = worst colour"),
    "map.legend.heat": ("░▒▓ 热度2/3/4", "░▒▓ heat 2/3/4"),
    "map.legend.selected": ("[ ]=选中", "[ ] = selected"),
    # layers
    "map.layers": ("图层", "Layers"),
    "map.layers_title": ("图层 · 空格切换 · Esc 关闭", "Layers · space toggles · Esc closes"),
    "map.layer.tickets": ("工单", "Tickets"),
    "map.layer.entities": ("登记对象", "Entities"),
    "map.layer.overdue": ("超期", "Overdue"),
    "map.layer.heat": ("热力", "Heat"),
    # the status line / side panel
    "map.outlines": ("边界", "Outlines"),
    "map.scale": ("比例尺", "Scale"),
    "map.metres": ("{n} 米", "{n} m"),
    "map.km": ("{n} 公里", "{n} km"),
    "map.unplaced": ("未落图工单 {n} 件", "{n} tickets unplaced"),
    "map.unplaced.one": ("未落图工单 {n} 件", "{n} ticket unplaced"),
    "map.selected": ("选中", "Selected"),
    "map.hint": (
        "Tab 选点 · 方向键/拖动 平移 · +/- 缩放 · L 图层",
        "Tab: select · arrows/hjkl/drag: pan · +/-: zoom · L: layers",
    ),
    "map.at_centre": ("中心区域", "At the centre"),
    "map.open_n": ("在办 {n}", "{n} open"),
    "map.overdue_n": ("超期 {n}", "{n} overdue"),
    "map.heat_n": ("热度 {n}", "heat {n}"),
    "map.cluster": ("{n} 件工单聚合", "{n} tickets together"),
    "map.cluster_hint": ("Enter 放大展开", "Enter zooms in"),
    "map.entity": ("登记对象", "Entity"),
    "map.overdue": ("超期", "OVERDUE"),
    "map.in_view": ("视野内", "In view"),
    "map.most_at_risk": ("最需关注", "Most at risk"),
    "map.no_colour": ("无在办", "nothing open"),
    # keys
    "map.pan_left": ("左移", "Pan left"),
    "map.pan_right": ("右移", "Pan right"),
    "map.pan_up": ("上移", "Pan up"),
    "map.pan_down": ("下移", "Pan down"),
    "map.zoom_in": ("放大", "Zoom in"),
    "map.zoom_out": ("缩小", "Zoom out"),
    "map.centre": ("居中", "Centre"),
    "map.next": ("下一点", "Next point"),
    "map.previous": ("上一点", "Previous point"),
    "map.open": ("打开", "Open"),
    "map.layers_key": ("图层", "Layers"),
    "map.fit": ("全图", "Whole map"),
    # the other screens' key to the map
    "key.map": ("地图", "Map"),
}
