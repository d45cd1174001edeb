"""Every user-visible label in zh-CN and en, in one catalog.

``tr(key, lang)`` looks a label up; keys missing from the catalog raise at once
(a test walks every key the screens use). Domain names (colours, statuses, actions,
channels, clock states, roles) have helpers so a screen never spells them itself.
"""

from __future__ import annotations

import os
from datetime import timedelta

from gridtui.domain.colours import RiskColour
from gridtui.domain.lifecycle import Status
from gridtui.i18n_assess import ASSESS
from gridtui.i18n_map import MAP
from gridtui.i18n_more import MORE
from gridtui.registry import SCREENS, THEMES

LANGS = ("zh", "en")

CATALOG: dict[str, tuple[str, str]] = {
    # app and header
    "app.title": ("网格化服务管理指挥中心", "Grid Governance Command Centre"),
    "header.role": ("角色", "Role"),
    "header.updated": ("数据更新于", "Data at"),
    "header.stale": ("数据已过期，最后更新", "STALE DATA, last update"),
    "header.never": ("尚未取得数据", "no data yet"),
    "header.error": ("数据源异常", "Data source error"),
    "header.loading": ("加载中…", "loading…"),
    # rules files edited while running (gridtui.data.intake.confwatch)
    "config.refused": (
        "规则文件有误，未生效：仍按上次有效的规则运行",
        "Rules file refused: the last good rules stay in force",
    ),
    "config.fixed": ("{name} 已修正，规则正常", "{name} fixed: rules in order"),
    "config.marker": ("规则文件错误", "rules error"),
    # wall display (gridtui wall)
    "wall.pause": ("暂停/继续轮播", "Pause/resume"),
    "wall.next": ("下一屏", "Next"),
    "wall.previous": ("上一屏", "Previous"),
    "wall.paused": ("轮播已暂停 · 空格继续", "PAUSED · space resumes"),
    "wall.live": ("数据实时", "Data live"),
    "wall.down": ("数据中断", "DATA DOWN"),
    "wall.last_update": ("最后更新", "last update"),
    "wall.outage": ("数据源中断", "DATA SOURCE DOWN"),
    "wall.outage_since": (
        "屏幕数据停留在 {time}",
        "figures on screen are from {time}",
    ),
    "wall.no_answer": ("数据源无响应", "the data source does not answer"),
    "wall.reconnecting": (
        "正在自动重连，恢复后自动更新",
        "reconnecting by itself; updates resume when it answers",
    ),
    "wall.alert_red": ("新红色工单 #{id}", "New red ticket #{id}"),
    "wall.alert_breach": ("时限超时 #{id} · {clock}", "SLA breach #{id} · {clock}"),
    "wall.alert_more": ("另有 {n} 项", "{n} more"),
    "wall.last_24h": ("近24小时受理与办结", "Last 24 hours"),
    "wall.kpi.intake_today": ("今日受理", "Intake"),
    "wall.kpi.closure_rate": ("办结率", "Closure"),
    "wall.kpi.on_time_rate": ("按期率", "On time"),
    "wall.weekday.0": ("星期一", "Monday"),
    "wall.weekday.1": ("星期二", "Tuesday"),
    "wall.weekday.2": ("星期三", "Wednesday"),
    "wall.weekday.3": ("星期四", "Thursday"),
    "wall.weekday.4": ("星期五", "Friday"),
    "wall.weekday.5": ("星期六", "Saturday"),
    "wall.weekday.6": ("星期日", "Sunday"),
    # screens (and their titles: gridtui.registry)
    **{f"screen.{s.name}": (s.zh, s.en) for s in SCREENS},
    "screen.help": ("帮助", "Help"),
    # global keys
    "key.help": ("帮助", "Help"),
    "key.lang": ("中/英", "中/EN"),
    "key.quit": ("退出", "Quit"),
    "key.palette": ("命令", "Commands"),
    "key.theme": ("主题", "Theme"),
    **{f"theme.{t.name}": (t.zh, t.en) for t in THEMES},
    "key.refresh": ("刷新", "Refresh"),
    "key.back": ("返回", "Back"),
    "key.close": ("关闭", "Close"),
    # overview
    "kpi.intake_today": ("今日受理", "Intake today"),
    "kpi.open": ("在办", "Open"),
    "kpi.overdue": ("超期", "Overdue"),
    "kpi.closure_rate": ("办结率", "Closure rate"),
    "kpi.on_time_rate": ("按期率", "On-time rate"),
    "kpi.window": ("近{days}天", "last {days} days"),
    "overview.colours": ("五色在办", "Open by colour"),
    "overview.at_risk": ("临期预警", "Most at risk"),
    "overview.trend": ("受理与办结趋势", "Intake and closures"),
    "overview.mix": ("来源构成", "Channel mix"),
    "overview.missing": ("未报日报告", "Missing daily reports"),
    "overview.missing_count": ("{n}/{total} 人未报（{day}）", "{n} of {total} missing ({day})"),
    "overview.none_missing": ("全部已报", "all filed"),
    "overview.reports": ("日报告", "Daily reports"),
    "overview.reports_due": (
        "日报 {due} 截止 已报 {filed}/{expected}",
        "Daily reports due {due}: {filed}/{expected} filed",
    ),
    "overview.reports_off": (
        "今日无需报送日报（已报 {filed}）",
        "No daily report due today ({filed} filed)",
    ),
    "overview.intake": ("受理", "intake"),
    "overview.closed": ("办结", "closed"),
    "key.span": ("切换区间", "Span"),
    # queue
    "queue.sort": ("排序", "Sort"),
    "sort.deadline": ("剩余时限", "SLA remaining"),
    "sort.colour": ("风险颜色", "Colour"),
    "sort.age": ("受理时间", "Age"),
    "queue.search": ("搜索标题/地址/编号", "Search title / address / #id"),
    "queue.count": ("共 {n} 件", "{n} tickets"),
    "queue.count_capped": ("超过 {n} 件", "more than {n} tickets"),
    "queue.page": ("第 {a}–{b} 行", "rows {a}–{b}"),
    "queue.filters": ("筛选", "Filters"),
    "queue.no_filter": ("全部在办", "all open"),
    "queue.empty": ("没有符合条件的工单", "No tickets match"),
    "key.search": ("搜索", "Search"),
    "key.sort": ("排序", "Sort"),
    "key.filter": ("筛选", "Filter"),
    "key.clear": ("清除筛选", "Clear filters"),
    "key.open": ("详情", "Open"),
    "key.first": ("首页", "First"),
    "key.last": ("末页", "Last"),
    "key.next": ("下页", "Next page"),
    "key.prev": ("上页", "Prev page"),
    "key.act": ("操作", "Act"),
    "key.full": ("全文", "Full text"),
    # long outside text, cut (gridtui.widgets.render, gridtui.widgets.longtext)
    "text.more": ("… 还有 {n} 个字符", "… ({n} more characters)"),
    "text.read_all": ("按 f 查看全文，回车看所选记录", "f: read it all; Enter: the note"),
    "text.length": ("{what} · 共 {n} 个字符 · Esc 返回", "{what} · {n} characters · Esc: back"),
    "text.note": ("处置记录 {when}", "Note of {when}"),
    "filter.status": ("状态", "Status"),
    "filter.colour": ("颜色", "Colour"),
    "filter.channel": ("来源", "Channel"),
    "filter.category": ("类别", "Category"),
    "filter.department": ("部门", "Department"),
    "filter.node": ("区域", "Area"),
    "filter.apply": ("应用", "Apply"),
    "filter.any": ("不限", "any"),
    # issue 13: the queue's search, sort, pages, chips; the filter dialog; the palette
    "queue.page_of": ("页 {n} / {total}", "page {n} / {total}"),
    "queue.search_chip": ("搜索", "Search"),
    "key.reverse": ("倒序", "Reverse"),
    "key.unfilter": ("去掉筛选", "Remove filter"),
    "filter.level": ("层级", "Level"),
    "filter.node_code": ("区域（名称或编码）", "Area (name or code)"),
    "filter.unchanged": ("筛选未更改", "Filter unchanged"),
    "filter.hint": (
        "空格 勾选 · 回车/Ctrl+S 应用 · Esc 取消",
        "Space ticks · Enter/Ctrl+S applies · Esc cancels",
    ),
    "palette.open_ticket": ("打开工单 #{n}", "Open ticket #{n}"),
    "sla.tickets": ("（{n} 件工单）", "on {n} tickets"),
    # columns
    "col.id": ("编号", "ID"),
    "col.colour": ("颜色", "Colour"),
    "col.title": ("标题", "Title"),
    "col.status": ("状态", "Status"),
    "col.remaining": ("剩余", "Left"),
    "col.deadline": ("截止", "Deadline"),
    "col.category": ("类别", "Category"),
    "col.channel": ("来源", "Channel"),
    "col.grid": ("网格", "Grid"),
    "col.assignee": ("承办", "Assignee"),
    "col.opened": ("受理", "Opened"),
    "col.age": ("已历时", "Age"),
    "col.clock": ("时限", "Clock"),
    "col.state": ("状态", "State"),
    "col.rank": ("名次", "Rank"),
    "col.name": ("姓名", "Name"),
    "col.department": ("部门", "Department"),
    "col.points": ("积分", "Points"),
    "col.closures": ("办结", "Closed"),
    "col.on_time": ("按期率", "On time"),
    "col.arrival": ("平均到场", "Avg arrival"),
    "col.reports": ("日报率", "Reports"),
    "col.satisfied": ("满意率", "Satisfied"),
    "col.above_grid": ("上报在办", "Escalated up"),
    "col.trend": ("趋势", "Trend"),
    "col.area": ("区域", "Area"),
    "col.tickets": ("在办工单", "Open tickets"),
    "col.entities": ("登记对象", "Entities"),
    "col.patrol": ("必到点", "Patrol pts"),
    "col.when": ("时间", "When"),
    "col.action": ("操作", "Action"),
    "col.actor": ("操作人", "By"),
    "col.note": ("说明", "Note"),
    # ticket detail
    "ticket.fields": ("基本信息", "Fields"),
    "ticket.timeline": ("处置过程", "Timeline"),
    "ticket.clocks": ("时限", "SLA clocks"),
    "ticket.actions": ("可执行操作", "Actions"),
    "ticket.description": ("描述", "Description"),
    "ticket.address": ("地址", "Address"),
    "ticket.source": ("来源系统", "Source"),
    "ticket.policy": ("时限规则", "SLA policy"),
    "ticket.level": ("办理层级", "Handling level"),
    "level.title": ("在办层级", "Open by level"),
    "ticket.lead": ("牵头办理", "Lead"),
    "ticket.co_handlers": ("协办部门", "Co-handling"),
    "ticket.callback": ("回访结果", "Callback"),
    "ticket.mediation": ("调解失败次数", "Failed mediations"),
    "ticket.reopens": ("退回次数", "Reopened"),
    "ticket.merged": ("合并至", "Merged into"),
    "ticket.none": ("没有工单", "No ticket"),
    "ticket.locked": ("（需更高权限）", "(needs a higher role)"),
    # actions and forms
    "act.title": ("对工单 #{id} 执行", "Act on ticket #{id}"),
    "act.note": ("说明", "Note"),
    "act.target": ("对象", "Target"),
    "act.submit": ("提交", "Submit"),
    "act.cancel": ("取消", "Cancel"),
    "act.done": ("已{action}：#{id} → {status}", "{action}: #{id} → {status}"),
    "act.refused": ("操作被拒绝", "Refused"),
    "act.role_refused": (
        "角色“{role}”无权执行“{action}”，需要“{need}”或以上",
        "Role {role} may not {action}; it needs {need} or above",
    ),
    "act.status_refused": (
        "工单当前为“{status}”，不能“{action}”",
        "cannot {action} a ticket that is {status}",
    ),
    "act.stale": ("工单已被他人更新，已重新载入", "The ticket changed meanwhile; reloaded"),
    "act.target_hint.dispatch": ("网格员编号或 dept:部门代码", "worker code or dept:CODE"),
    "act.target_hint.escalate": (
        "部门代码，或 up 上报上一级（留空按类别）",
        "department code, or up for one level up (blank: by category)",
    ),
    "act.target_hint.assist": ("协办部门代码", "code of the co-handling department"),
    "act.target_hint.feedback": (
        "回访结果：满意 / 基本满意 / 不满意 / 未联系上",
        "callback: satisfied / basic / unsatisfied / unreached",
    ),
    "act.target_hint.merge": ("保留的工单编号", "id of the ticket it duplicates"),
    "act.target_hint.recolour": ("red/orange/yellow/blue/green", "red/orange/yellow/blue/green"),
    "adjust.title": ("抽查加减分：{name}", "Spot-check adjustment: {name}"),
    "adjust.points": ("分值（负数为扣分）", "Points (negative deducts)"),
    "adjust.reason": ("原因", "Reason"),
    "adjust.done": ("已调整 {name} {points:+g} 分", "Adjusted {name} by {points:+g}"),
    "adjust.bad_points": ("分值必须是数字", "Points must be a number"),
    "key.adjust": ("加减分", "Adjust"),
    # risk board and grids
    "risk.tickets": ("工单", "Tickets"),
    "risk.entities": ("人事地物组织", "Entities"),
    "risk.patrol": ("日巡查必到点", "Mandatory daily patrol points"),
    "risk.drill": ("下钻", "Drill down"),
    "risk.up": ("上一级", "Up"),
    "risk.level.city": ("市", "City"),
    "risk.level.district": ("区", "District"),
    "risk.level.street": ("街道", "Street"),
    "risk.level.community": ("社区", "Community"),
    "risk.level.grid": ("网格", "Grid"),
    "kind.person": ("人", "people"),
    "kind.event": ("事", "events"),
    "kind.place": ("地", "places"),
    "kind.thing": ("物", "things"),
    "kind.org": ("组织", "orgs"),
    "grids.open_queue": ("查看工单", "Show tickets"),
    # sla board
    "sla.running": ("运行中的时限 {n} 个", "{n} running clocks"),
    "sla.breached": ("已超时 {n}", "{n} breached"),
    "sla.paused": ("已挂起", "paused"),
    # scorecards
    "score.workers": ("网格员排行", "Grid workers"),
    "score.departments": ("部门考核", "Departments"),
    "score.period": ("考核周期", "Period"),
    "period.week": ("本周", "Week"),
    "period.month": ("本月", "Month"),
    "period.year": ("本年", "Year"),
    "key.period": ("切换周期", "Period"),
    "score.shown": ("前 {n} / 共 {total} 人", "top {n} of {total}"),
    # time
    "time.overdue": ("超{d}", "{d} over"),
    "time.left": ("剩{d}", "{d} left"),
    "time.none": ("—", "—"),
    # risk board and grid browser (issue 3)
    "risk.children": ("下级{level}（{n}）", "{level} below ({n})"),
    "risk.order_hint": ("计数依次为 红/橙/黄/蓝/绿", "counts are R/O/Y/B/G"),
    "risk.no_children": (
        "网格是最小管理单元，没有下级",
        "A grid is the smallest unit: nothing below",
    ),
    "risk.order": ("红/橙/黄/蓝/绿", "R/O/Y/B/G"),
    "risk.shown": ("显示前 {n} 处", "first {n} shown"),
    "risk.none_patrol": ("没有必到点", "No patrol points"),
    "risk.node_tickets": ("在办工单", "Open tickets"),
    "risk.node_entities": ("登记对象", "Entities"),
    "risk.kind.person": ("人", "Person"),
    "risk.kind.event": ("事", "Event"),
    "risk.kind.place": ("地", "Place"),
    "risk.kind.thing": ("物", "Thing"),
    "risk.kind.org": ("组织", "Org"),
    "col.worst": ("风险", "Worst"),
    "col.children": ("下级", "Below"),
    "col.kinds": ("人/事/地/物/组织", "By kind"),
    "col.kind": ("类型", "Kind"),
    "col.code": ("编码", "Code"),
    "col.reason": ("列管原因", "Reason"),
    "col.total": ("合计", "Total"),
    "grids.open_risk": ("五色风险", "Risk board"),
    "grids.toggle": ("展开/收起", "Expand/collapse"),
    "grids.open_n": ("{n} 件在办", "{n} open"),
    "grids.entities_n": ("对象 {n}", "{n} entities"),
    "grids.patrol_n": ("必到点 {n}", "{n} patrol pts"),
    "grids.hint": (
        "回车：在五色风险中查看 · 空格/→：展开 · ←：收起",
        "Enter: open in the risk board · Space/→: expand · ←: collapse",
    ),
    # sla board and scorecards (issue 3)
    "col.started": ("起算", "Started"),
    "col.stopped": ("停止", "Stopped"),
    "sla.empty": ("没有运行中的时限", "No running clocks"),
    "sla.order": ("超时优先，其次临期、预警、正常", "breached first, then critical, warning, ok"),
    "score.dept_count": ("{n} 个部门", "{n} departments"),
    "adjust.no_row": ("请先选中一行", "Select a row first"),
    "adjust.hint": ("回车提交 · Esc 取消", "Enter submits · Esc cancels"),
    "adjust.subject.worker": ("网格员", "Worker"),
    "adjust.subject.department": ("部门", "Department"),
}
CATALOG.update(MORE)
CATALOG.update(ASSESS)
CATALOG.update(MAP)

ACTION_EN: dict[str, str] = {
    "open": "Open",
    "dispatch": "Dispatch",
    "accept": "Accept",
    "arrive": "Arrive",
    "resolve": "Resolve",
    "feedback": "Feedback",
    "verify": "Verify",
    "reject": "Reject",
    "escalate": "Escalate (吹哨)",
    "assist": "Co-handle (协办)",
    "reopen": "Reopen",
    "merge": "Merge",
    "cancel": "Cancel",
    "note": "Note",
    "pause": "Pause",
    "resume": "Resume",
    "mediation_failed": "Mediation failed",
    "recolour": "Recolour",
    "import": "Import",
}
CLOCK_STATE: dict[str, tuple[str, str]] = {
    "pending": ("未开始", "PENDING"),
    "ok": ("正常", "OK"),
    "warning": ("预警", "WARNING"),
    "critical": ("临期", "CRITICAL"),
    "breached": ("超时", "BREACHED"),
    "met": ("达标", "MET"),
}


def pick(pair: tuple[str, str], lang: str) -> str:
    """The zh or en half of a pair."""
    return pair[0] if lang == "zh" else pair[1]


def tr(key: str, lang: str, **values: object) -> str:
    """The label ``key`` in ``lang``, formatted with ``values``.

    Raises:
        KeyError: ``key`` is not in the catalog.
    """
    # a count of one reads in the singular where the catalog has it ("1 ticket")
    if str(values.get("n")) == "1" and f"{key}.one" in CATALOG:
        key = f"{key}.one"
    text = pick(CATALOG[key], lang)
    return text.format(**values) if values else text


def status_label(status: str, lang: str) -> str:
    """A ticket status in ``lang`` (the raw value when unknown)."""
    try:
        return Status(status).label(lang)
    except ValueError:
        return status


def action_label(action: str, lang: str) -> str:
    """A lifecycle action in ``lang``."""
    from gridtui.domain.lifecycle import Action

    try:
        act = Action(action)
    except ValueError:
        return action
    return act.zh if lang == "zh" else ACTION_EN.get(action, action)


def colour_label(colour: str, lang: str) -> str:
    """红 / RED …: the text that always stands beside a colour."""
    try:
        return RiskColour(colour).label(lang)
    except ValueError:
        return colour


def clock_state_label(state: str, lang: str) -> str:
    """An SLA clock state in ``lang``."""
    pair = CLOCK_STATE.get(state)
    return pick(pair, lang) if pair else state


def channel_label(channel: str, lang: str) -> str:
    """An intake channel in ``lang``."""
    from gridtui.domain.channels import Channel

    try:
        return Channel(channel).label(lang)
    except ValueError:
        return channel


def role_label(role: str, lang: str) -> str:
    """A role in ``lang``."""
    from gridtui.domain.roles import Role

    try:
        return Role(role).label(lang)
    except ValueError:
        return role


def duration(delta: timedelta | None, lang: str, *, seconds: bool = False) -> str:
    """A compact duration: ``2天3时``/``2d3h``, ``3时05分``/``3h05m``, ``4分``/``4m``.

    ``seconds`` adds seconds below one hour (the last minutes of a countdown).
    Negative durations are shown by their size; callers say "over" or "left".
    """
    if delta is None:
        return "—"
    total = int(abs(delta).total_seconds())
    d, rest = divmod(total, 86400)
    h, rest = divmod(rest, 3600)
    m, s = divmod(rest, 60)
    zh = lang == "zh"
    if d:
        return f"{d}天{h}时" if zh else f"{d}d{h}h"
    if h:
        return f"{h}时{m:02d}分" if zh else f"{h}h{m:02d}m"
    if seconds:
        return f"{m}分{s:02d}秒" if zh else f"{m}m{s:02d}s"
    return f"{m}分" if zh else f"{m}m"


def default_lang() -> str:
    """The language from ``GRIDTUI_LANG``, ``LC_ALL`` or ``LANG``: ``en`` for English
    locales, otherwise ``zh`` (the users' language; ``C``/``POSIX`` included)."""
    for var in ("GRIDTUI_LANG", "LC_ALL", "LANG"):
        value = os.environ.get(var, "").lower()
        if value.startswith("en"):
            return "en"
        if value.startswith("zh"):
            return "zh"
    return "zh"
