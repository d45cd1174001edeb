"""Labels added for issue 13 (points 4 and 5), merged into :data:`gridtui.i18n.CATALOG`.

Kept apart so that the catalog module stays small; every entry in zh-CN and en.
"""

from __future__ import annotations

MORE: dict[str, tuple[str, str]] = {
    # actors on the timeline (gridtui.labels.actor_label)
    "actor.system": ("系统", "system"),
    "actor.centre": ("指挥中心", "command centre"),
    "actor.citizen": ("群众", "citizen"),
    "actor.hotline": ("12345热线", "12345 hotline"),
    "actor.dept": ("部门", "department"),
    "actor.duty": ("值班 {name}", "on duty {name}"),
    "actor.import": ("导入", "import"),
    "actor.sim_centre": ("模拟·指挥中心", "Simulated centre"),
    "actor.sim_supervisor": ("模拟·督办员", "Simulated supervisor"),
    "actor.sim_department": ("模拟·部门", "Simulated department"),
    "actor.sim_leader": ("模拟·领导交办", "Simulated leader"),
    "actor.sim_patrol": ("模拟·网格巡查", "Simulated patrol"),
    "actor.sim_other": ("模拟·{name}", "Simulated {name}"),
    # counts of one in the singular (gridtui.i18n.tr picks "<key>.one" when n == 1)
    "queue.count.one": ("共 {n} 件", "{n} ticket"),
    "sla.tickets.one": ("（{n} 件工单）", "on {n} ticket"),
    "sla.running.one": ("运行中的时限 {n} 个", "{n} running clock"),
    "grids.entities_n.one": ("对象 {n}", "{n} entity"),
    "grids.patrol_n.one": ("必到点 {n}", "{n} patrol pt"),
    "score.dept_count.one": ("{n} 个部门", "{n} department"),
    "text.length.one": ("{what} · 共 {n} 个字符 · Esc 返回", "{what} · {n} character · Esc: back"),
    # the grid tree on a wall terminal: a node's open tickets by colour
    "grids.by_colour": ("按颜色", "by colour"),
    # the command palette when nothing matches
    "palette.no_matches": ("没有匹配的命令", "No matches found"),
    # timeline targets
    "target.breach": ("超时：{holder} {clock}", "breached: {holder} {clock}"),
    "target.up": ("上报{level}", "up to the {level}"),
    "target.merge": ("并入 #{id}", "into #{id}"),
    # source systems (tickets.source)
    "source.seed": ("演示数据", "demo data"),
    "source.simulator": ("模拟", "simulator"),
    "source.open311": ("市民诉求接口", "Open311"),
    "source.gridtui": ("本系统", "gridtui"),
    "source.inbox": ("收件箱导入", "inbox import"),
    "source.api": ("接口", "API"),
    "source.other": ("外部系统 {name}", "{name}"),
    # SLA policies (sla.toml names)
    "policy.red": ("红色工单", "red tickets"),
    "policy.red-department": ("红色工单·部门", "red, department"),
    "policy.orange-department": ("橙色工单·部门", "orange, department"),
    "policy.department": ("部门办理", "department"),
    "policy.service-office": ("便民服务站", "service office"),
    "policy.worker": ("网格员办理", "grid worker"),
    "policy.community": ("社区办理", "community"),
    "policy.street": ("街道办理", "street"),
    "policy.district": ("区级办理", "district"),
    "policy.default": ("默认规则", "default"),
    "policy.other": ("规则 {name}", "{name}"),
    # Textual's own keys (help, palette)
    "textual.focus_next": ("下一项", "Focus next"),
    "textual.focus_previous": ("上一项", "Focus previous"),
    "textual.copy": ("复制所选文字", "Copy selected text"),
    "textual.palette_search": ("搜索命令…", "Search for commands…"),
    # themes (palette)
    "theme.help": ("切换配色", "switch colours"),
    "palette.screen_help": ("按 {n} 直达", "key {n}"),
    # errors, with the technical detail reduced
    "error.refused": (
        "无法连接服务器（连接被拒绝）",
        "cannot reach the server (connection refused)",
    ),
    "error.timeout": ("服务器无响应（超时）", "the server does not answer (timeout)"),
    "error.unreachable": ("无法连接服务器", "cannot reach the server"),
    "error.database": ("数据库无法读取", "the database cannot be read"),
    "error.other": ("操作失败，请稍后重试", "failed; try again later"),
    "error.unknown_worker": ("没有这位网格员：{code}", "unknown worker {code}"),
    "error.unknown_dept": ("没有这个部门：{code}", "unknown department {code}"),
    "error.needs_dept": ("请选择部门", "choose a department"),
    "error.needs_reason": ("请在说明中写明原因", "give a reason in the note"),
    "error.needs_colour": ("请选择颜色", "choose a colour"),
    "error.needs_callback": ("请填写回访结果", "give the callback result"),
    "error.needs_merge": ("请填写保留的工单编号", "give the id of the ticket it duplicates"),
    "error.no_merge": ("没有可合并的工单 #{id}", "no other ticket #{id} to merge into"),
    "error.outside": ("分值须在 {min} 到 {max} 之间", "points must be within [{min}, {max}]"),
    "error.stale": ("工单已被他人更新，请重新载入", "the ticket changed meanwhile; reload"),
    # pickers (gridtui.widgets.pickers)
    "pick.worker": (
        "网格员或部门（输入姓名、编号或网格）",
        "worker or department (name, code, grid)",
    ),
    "pick.department": ("部门（输入名称或编号）", "department (name or code)"),
    "pick.up": ("上报上一级", "one level up"),
    "pick.dept_prefix": ("部门", "dept"),
    # the overview's open tickets in no grid (issue 17)
    "overview.unassigned": ("未落入网格的在办事件 {n} 件", "{n} open tickets outside every grid"),
    "overview.unassigned.one": (
        "未落入网格的在办事件 {n} 件",
        "{n} open ticket outside every grid",
    ),
    "overview.unassigned_more": ("…另有 {n} 件", "… and {n} more"),
}
