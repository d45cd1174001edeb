"""The bulletin's own words, in zh-CN and en (every phrase in both).

Names the screens already have (statuses, colours, channels, levels, entity kinds,
column headings) come from :mod:`gridtui.i18n`; what only a bulletin says is here.
:func:`say` looks a phrase up and fills it in; a missing key raises at once.
"""

from __future__ import annotations

from gridtui.i18n import tr

WORDS: dict[str, tuple[str, str]] = {
    # the title, the period and the issuing lines
    "title": (
        "{city}网格化服务管理 {period} 工作通报",
        "{city} Grid Governance Bulletin, {period}",
    ),
    "title.no_city": ("网格化服务管理 {period} 工作通报", "Grid Governance Bulletin, {period}"),
    "period.week": ("{year}年第{week}周", "week {week} of {year}"),
    "period.month": ("{year}年{month}月", "{month_name} {year}"),
    "period.year": ("{year}年", "the year {year}"),
    "date": ("{year}年{month}月{day}日", "{day} {month_name} {year}"),
    "period.line": ("统计期间：{start}至{end}", "Period: {start} to {end}"),
    "period.so_far": ("（截至{at}，本期尚未结束）", " (so far: to {at}; the period has not ended)"),
    "issuer": ("{city}网格化服务管理中心", "{city} Grid Governance Centre"),
    "issuer.no_city": ("网格化服务管理中心", "Grid Governance Centre"),
    "closing": ("特此通报。", "For the information of all units."),
    # section headings
    "section.headline": ("总体情况", "Headline figures"),
    "section.ranking": ("{level}考核排名", "{level} ranking"),
    "section.overdue": ("超期和超时工单", "Overdue and breached tickets"),
    "section.review": (
        "返工和不满意工单（倒查线索）",
        "Reopened and unsatisfied tickets (for review)",
    ),
    "section.spot": ("抽查督查结果", "Spot-check results"),
    "section.missing": ("日报告缺报情况", "Missing daily reports"),
    "section.red": ("红色管控对象", "Red-list entities"),
    # the headline
    "headline.text": (
        "本期共受理事件{intake}件，办结率{closure}，按期办结率{on_time}；"
        "期末超期{overdue}件，超时{breaches}次；返工率{reopen}，群众满意率{satisfaction}，"
        "日报告报送率{reports}。",
        "Intake: {intake}; closure rate {closure}, on-time rate {on_time}; overdue at the "
        "period's end: {overdue}, SLA breaches: {breaches}; reopen rate {reopen}, "
        "satisfaction {satisfaction}, daily reports filed {reports}.",
    ),
    "headline.caption": ("主要指标与上期对比", "Headline figures against the previous period"),
    "headline.no_previous": ("上期无数据。", "No figures for the previous period."),
    "ind.intake": ("受理量", "Intake"),
    "ind.overdue": ("期末超期", "Overdue at the end"),
    "ind.breaches": ("超时次数", "SLA breaches"),
    "ind.closure": ("办结率", "Closure rate"),
    "ind.on_time": ("按期办结率", "On-time rate"),
    "ind.reopen": ("返工率", "Reopen rate"),
    "ind.satisfaction": ("满意率", "Satisfaction rate"),
    "ind.reports": ("日报率", "Report rate"),
    "col.indicator": ("指标", "Indicator"),
    "col.this": ("本期", "This period"),
    "col.previous": ("上期", "Previous period"),
    "col.change": ("变化", "Change"),
    "chart.rates": ("比率：本期与上期", "Rates: this period and the previous"),
    "chart.counts": ("件数：本期与上期", "Counts: this period and the previous"),
    "chart.scores": ("{level}考核得分", "{level} scores"),
    # rankings
    "rank.count": ("本期参加考核的{level}共{n}个。", "Assessed: {n}."),
    "rank.count.worker": ("本期参加考核的{level}共{n}名。", "Assessed: {n}."),
    "rank.none": ("本期无{level}考核数据。", "Nothing was assessed at this level in this period."),
    "rank.first": ("排名靠前的是：{names}。", "First places: {names}."),
    "rank.last": ("排名靠后的是：{names}。", "Last places: {names}."),
    "rank.named": ("{name}（{score}分）", "{name} ({score})"),
    "rank.sep": ("、", ", "),
    "rank.cut": (
        "共{n}个，表中列出前{top}名和后{bottom}名。",
        "Of {n}, the first {top} and the last {bottom} are listed.",
    ),
    "col.name": ("名称", "Name"),
    "col.parent": ("所属", "Within"),
    "col.score": ("得分", "Score"),
    "col.score_change": ("得分变化", "Score change"),
    "col.rank_change": ("名次变化", "Rank change"),
    "col.intake": ("受理", "Intake"),
    "col.closure": ("办结率", "Closure"),
    "col.overdue": ("期末超期", "Overdue"),
    "col.breaches": ("超时", "Breaches"),
    "col.reopen": ("返工率", "Reopen"),
    "col.adjustments": ("抽查加减分", "Spot checks"),
    # ticket lists
    "overdue.text": (
        "期末超期工单{overdue}件，本期超时工单{breached}件。",
        "Tickets overdue at the period's end: {overdue}; tickets that breached an SLA "
        "clock in the period: {breached}.",
    ),
    "review.text": (
        "本期返工工单{reopened}件，群众不满意工单{unsatisfied}件，列为倒查线索。",
        "Tickets reopened in the period: {reopened}; tickets that left a resident "
        "unsatisfied: {unsatisfied}. Both are candidates for an accountability review.",
    ),
    "list.overdue": ("期末超期工单", "Overdue at the period's end"),
    "list.breached": ("本期超时工单", "Breached in the period"),
    "list.reopened": ("返工工单", "Reopened"),
    "list.unsatisfied": ("群众不满意工单", "Residents not satisfied"),
    "list.shown": ("（列出前{shown}件，共{total}件）", " (the first {shown} of {total})"),
    "list.limit": ("（最多列出{n}条）", " (at most {n} listed)"),
    "list.empty": ("无。", "None."),
    "col.opened": ("受理时间", "Opened"),
    "col.due": ("办结时限", "Due"),
    # spot checks, reports, red list
    "spot.text": ("本期抽查督查加减分记录{n}条。", "Spot-check adjustments in the period: {n}."),
    "spot.none": ("本期无抽查督查加减分。", "No spot-check adjustments in the period."),
    "col.subject_kind": ("对象类型", "Subject"),
    "col.subject": ("对象", "Name"),
    "col.adjust_points": ("加减分", "Points"),
    "col.author": ("检查人", "By"),
    "col.ticket": ("工单", "Ticket"),
    "missing.text": (
        "本期{n}名网格员未按规定报送日报告。",
        "Workers who did not file every daily report they owed: {n}.",
    ),
    "missing.none": ("本期日报告全部按时报送。", "Every daily report was filed."),
    "col.worker": ("网格员", "Worker"),
    "col.reports_due": ("应报", "Owed"),
    "col.reports_missing": ("缺报", "Missing"),
    "col.missing_days": ("缺报日期", "Days missing"),
    "days.more": ("等{n}天", "… ({n} days)"),
    "red.text": (
        "期末红色管控对象{n}个，其中日巡查必到点{patrol}个。",
        "Entities on the red list at the period's end: {n}, of which mandatory daily "
        "patrol points: {patrol}.",
    ),
    "red.none": ("期末无红色管控对象。", "No entity on the red list at the period's end."),
    "col.kind": ("类型", "Kind"),
    "col.entity": ("名称", "Name"),
    "col.patrol_point": ("必到点", "Patrol point"),
    "yes": ("是", "yes"),
    "no": ("否", "no"),
    # values
    "none": ("—", "—"),
    "pp": ("{value}个百分点", "{value} pp"),
    "same": ("持平", "same"),
}

#: English month names (the Chinese dates are numeric)
MONTHS_EN = (
    "January", "February", "March", "April", "May", "June", "July", "August",
    "September", "October", "November", "December",
)  # fmt: skip

#: the catalogue keys of the levels' names in :mod:`gridtui.i18n`
_LEVEL_KEYS = {
    "street": "risk.level.street",
    "community": "risk.level.community",
    "grid": "risk.level.grid",
    "worker": "adjust.subject.worker",
    "department": "adjust.subject.department",
}
_KIND_KEYS = {k: f"risk.kind.{k}" for k in ("person", "event", "place", "thing", "org")}
_NUMERALS = "零一二三四五六七八九"


def say(key: str, lang: str, **values: object) -> str:
    """The phrase ``key`` in ``lang``, filled in with ``values``.

    Raises:
        KeyError: ``key`` is not in :data:`WORDS`.
    """
    text = WORDS[key][0 if lang == "zh" else 1]
    return text.format(**values) if values else text


def level_label(level: str, lang: str) -> str:
    """A ranking level's name (街道 / Street …), from the screens' catalogue."""
    key = _LEVEL_KEYS.get(level)
    return tr(key, lang) if key else level


def subject_label(kind: str, lang: str) -> str:
    """An adjusted subject's kind (网格员 / Worker, 部门 / Department, a level)."""
    return level_label(kind, lang)


def entity_kind_label(kind: str, lang: str) -> str:
    """A registered entity's kind (人、事、地、物、组织)."""
    key = _KIND_KEYS.get(kind)
    return tr(key, lang) if key else kind


def section_number(n: int, lang: str) -> str:
    """``一、`` … ``十一、`` in Chinese, ``1.`` in English (1 ≤ n ≤ 99)."""
    if lang != "zh":
        return f"{n}."
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else _NUMERALS[tens] + "十")
    return head + (_NUMERALS[ones] if ones else "") + "、"
