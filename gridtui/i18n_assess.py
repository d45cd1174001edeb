"""Labels of the assessment screen (考核评估, issue 15), merged into
:data:`gridtui.i18n.CATALOG`; and the period's title (``2026年11月`` / ``Nov 2026``).

Kept apart so that the catalog module stays small; every entry in zh-CN and en.
"""

from __future__ import annotations

ASSESS: dict[str, tuple[str, str]] = {
    # the header
    "assess.level.street": ("街道", "Streets"),
    "assess.level.community": ("社区", "Communities"),
    "assess.level.grid": ("网格", "Grids"),
    "assess.level.worker": ("网格员", "Grid workers"),
    "assess.level.department": ("部门", "Departments"),
    "assess.period.week": ("周", "Week"),
    "assess.period.month": ("月", "Month"),
    "assess.period.year": ("年", "Year"),
    "assess.so_far": ("至今", "so far"),
    "assess.city": ("全市", "City"),
    "assess.city_ranks": ("名次为全市同级排名", "ranks are city-wide"),
    "assess.count": ("{n} 个", "{n} ranked"),
    "assess.empty": ("本期没有考核对象", "Nothing assessed in this period"),
    "assess.latest": ("已是当前周期", "This is the current period"),
    "assess.no_drill": ("{level}是最小考核单元，没有下级", "{level}: nothing below to drill into"),
    "assess.top": ("已在最上一级", "Already at the top"),
    "assess.totals": ("全市合计", "City totals"),
    # the keys
    "key.assess_period": ("周期", "Period"),
    "key.assess_prev": ("上一期", "Earlier"),
    "key.assess_next": ("下一期", "Later"),
    "key.assess_level": ("层级", "Level"),
    "key.assess_drill": ("下钻", "Drill down"),
    "key.assess_up": ("上一级", "Up"),
    "key.assess_figures": ("得分明细", "Figures"),
    "key.assess_export": ("导出通报", "Bulletin"),
    # the columns
    "acol.rank": ("名次", "Rank"),
    "acol.move": ("升降", "±"),
    "acol.score": ("得分", "Score"),
    "acol.change": ("分差", "Δ"),
    "acol.intake": ("受理", "Intake"),
    "acol.closure": ("办结率", "Closure"),
    "acol.on_time": ("按期率", "On time"),
    "acol.overdue": ("超期", "Overdue"),
    "acol.breaches": ("超时", "Breaches"),
    "acol.reopen": ("返工率", "Reopen"),
    "acol.satisfaction": ("满意率", "Satisfied"),
    "acol.reports": ("日报率", "Reports"),
    "acol.adjust": ("加减分", "Adj."),
    "acol.trend": ("走势", "Trend"),
    "assess.new": ("新", "new"),
    # the selected row, the trend
    "assess.trend": ("得分走势（近 {n} 期，0 为本期）", "Score, last {n} periods (0: this one)"),
    "assess.trend.one": ("得分走势（本期）", "Score this period"),
    "assess.rank_of": ("第 {rank} 名 / {n}", "rank {rank} of {n}"),
    "assess.previous": ("上期 {score} · 第 {rank} 名", "previously {score}, rank {rank}"),
    "assess.previous_none": ("上期未考核", "not assessed last period"),
    "assess.parts": ("得分构成", "What the score is made of"),
    # the figures behind a score (modal)
    "assess.figures_title": ("{name} · {period} · 得分明细", "{name} · {period} · figures"),
    "assess.col.indicator": ("指标", "Indicator"),
    "assess.col.value": ("指标值", "Value"),
    "assess.col.weight": ("权重", "Weight"),
    "assess.col.points": ("得分", "Points"),
    "assess.col.figure": ("数据", "Figure"),
    "assess.col.now": ("本期", "This period"),
    "assess.col.before": ("上期", "Previous"),
    "assess.figures_section": (
        "得分依据：本期与上期",
        "The counts behind it, and the previous period's",
    ),
    "assess.no_data": ("无数据（权重分给其他指标）", "no data (weight shared out)"),
    "assess.total": ("合计得分", "Score"),
    "assess.loading_previous": ("正在读取上期数据…", "reading the previous period…"),
    "assess.close_hint": ("Esc 关闭", "Esc closes"),
    "ind.closure": ("办结率", "Closure rate"),
    "ind.on_time": ("按期办结率", "On-time rate"),
    "ind.overdue": ("期末超期", "Overdue at the end"),
    "ind.breaches": ("超时", "Breaches"),
    "ind.reopen": ("返工率", "Reopen rate"),
    "ind.satisfaction": ("满意率", "Satisfaction"),
    "ind.reports": ("日报率", "Daily reports"),
    "ind.points": ("积分", "Points"),
    "ind.adjustments": ("抽查加减分", "Spot-check adjustments"),
    "ind.other": ("指标 {name}", "{name}"),
    "fig.intake": ("受理", "Intake"),
    "fig.closed": ("其中办结", "of which closed"),
    "fig.closure": ("办结率", "Closure rate"),
    "fig.closed_with_deadline": ("期内办结（有时限）", "Closed with a deadline"),
    "fig.on_time": ("其中按期", "of which on time"),
    "fig.on_time_rate": ("按期办结率", "On-time rate"),
    "fig.closed_in_period": ("期内办结", "Closed in the period"),
    "fig.reopened": ("返工（重办）", "Reopened"),
    "fig.reopen": ("返工率", "Reopen rate"),
    "fig.callbacks": ("回访", "Callbacks"),
    "fig.satisfied": ("其中满意", "of which satisfied"),
    "fig.satisfaction": ("满意率", "Satisfaction"),
    "fig.reports_due": ("应报日报", "Daily reports due"),
    "fig.reports_filed": ("已报日报", "Daily reports filed"),
    "fig.reports": ("日报率", "Report rate"),
    "fig.overdue_now": ("当前超期", "Overdue now"),
    "fig.overdue_at_end": ("期末超期", "Overdue at the end"),
    "fig.breaches": ("超时（时限）", "SLA breaches"),
    "fig.adjustments": ("抽查加减分", "Spot-check points"),
    "fig.adjustment_count": ("抽查次数", "Spot checks"),
    "fig.points": ("积分", "Points credited"),
    # the export
    "assess.exporting": ("正在生成通报…", "Writing the bulletin…"),
    "assess.exported": ("通报已生成：{files}", "Bulletin written: {files}"),
    "assess.export_failed": ("通报生成失败：{error}", "The bulletin failed: {error}"),
    "assess.export_busy": ("通报正在生成，请稍候", "A bulletin is being written"),
    "assess.no_data_yet": ("数据尚未载入", "No data yet"),
}

_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def period_title(period: str, key: str, lang: str, *, running: bool = False) -> str:
    """The title of a period from its key (``ScoringEngine.period_key``): ``2026-11`` →
    ``2026年11月`` / ``Nov 2026``, ``2026-W47`` → ``2026年第47周`` / ``Week 47, 2026``,
    ``2026`` → ``2026年`` / ``2026``; a running period adds ``（至今）`` / `` (so far)``.
    A key of another shape is shown as it is."""
    zh = lang == "zh"
    year, _, rest = key.partition("-")
    if period == "year" and year.isdigit() and not rest:
        text = f"{year}年" if zh else year
    elif period == "month" and rest.isdigit() and 1 <= int(rest) <= 12:
        text = f"{year}年{int(rest)}月" if zh else f"{_MONTHS_EN[int(rest) - 1]} {year}"
    elif period == "week" and rest.startswith("W") and rest[1:].isdigit():
        text = f"{year}年第{int(rest[1:])}周" if zh else f"Week {int(rest[1:])}, {year}"
    else:
        text = key
    if running:
        text += f"（{ASSESS['assess.so_far'][0]}）" if zh else f" ({ASSESS['assess.so_far'][1]})"
    return text
