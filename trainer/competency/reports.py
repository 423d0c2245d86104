"""HR's tables as files (trainer/exports.py writes them): the overview, a team's heatmap, an agent's profile,
a Delphi round's figures.

Rows are generated a chunk of agents at a time, so a workbook of five thousand agents never holds more
than one chunk of profiles in memory.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..accounts.models import User
from ..exports import Table
from ..messages import SOURCE_LABELS
from . import dashboards, history, services, stats, surveys
from .models import WeightSet
from .survey_models import DelphiSurvey


def _indicator_ids(model: services.ModelView) -> list[str]:
    return [i.id for g in model.groups for i in g.indicators]


def overview_tables(viewer: User, flt: dashboards.Filters, method: stats.Mastery, weight_set: WeightSet | None,
                    title: str = "能力总览") -> list[Table] | None:
    """One row per agent: team, grade, hire date, index, coverage and each indicator's score."""
    model = services.model_view(weight_set)
    if model is None:
        return None
    indicators = _indicator_ids(model)
    names = model.indicator_names

    def rows() -> Iterator[list[object]]:
        for chunk in dashboards.chunks(viewer, flt, model, method):
            for p in chunk:
                scores = {row.info.id: row.score for g in p.groups for row in g.indicators}
                a = p.agent
                yield [a.username, a.display_name, a.team.name if a.team else "", a.grade.name if a.grade else "",
                       a.hire_date, _round(p.index), round(p.coverage * 100, 1), p.evidence_count,
                       *(_round(scores.get(i)) for i in indicators)]

    header = ["用户名", "姓名", "团队", "职级", "入职日期", "综合指数", "覆盖度 (%)", "证据数",
              *(names[i] for i in indicators)]
    about = Table("说明", ["项目", "内容"], [
        ["权重版本", f"v{model.weight_set.version} {model.weight_set.label}"],
        ["掌握度计算方式", method.value],
        ["分数", "0–100；空白表示该指标还没有评估证据，不计入综合指数"],
    ], widths={0: 16, 1: 60})
    return [Table(title, header, rows(), widths={1: 12, 2: 14, 4: 12}), about]


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def profile_tables(agent: User, method: stats.Mastery, weight_set: WeightSet | None) -> list[Table] | None:
    """An agent's profile: the indicators, the month-by-month trend and every piece of evidence."""
    model = services.model_view(weight_set)
    result = services.profile(agent, method, weight_set) if model else None
    if model is None or result is None:
        return None
    indicators = [(g.info, row) for g in result.groups for row in g.indicators]
    summary = Table("指标", ["一级指标", "二级指标", "权重 (%)", "组合权重 (%)", "得分", "证据数", "最近评估"], [
        [g.name, row.info.name, row.info.weight, row.info.combined, _round(row.score), row.count, row.latest_at]
        for g, row in indicators])
    months = history.series(agent, model, 12, method)
    ids = _indicator_ids(model)
    trend = Table("逐月趋势", ["月份", "综合指数", *(model.indicator_names[i] for i in ids), "当月证据数"], [
        [m.month, _round(m.index), *(_round(m.scores.get(i)) for i in ids), sum(m.evidence.values())]
        for m in months])
    evidence = services.evidence_for(agent)
    superseded = services.superseded_ids(evidence)
    records = Table("评估证据", ["编号", "时间", "指标", "分数", "来源", "来源编号", "记录人", "已被更正", "备注"], [
        [e.id, e.recorded_at, e.indicator.name, e.value, SOURCE_LABELS.get(e.source_kind, e.source_kind),
         e.source_id, e.recorded_by.display_name if e.recorded_by else "系统自动评分", e.id in superseded, e.note]
        for e in evidence], widths={1: 17, 2: 14, 8: 40})
    return [summary, trend, records]


#: Delphi figures are statistics: CSV keeps six significant digits (a p-value of 0.00004 must not read 0.00)
DELPHI_FLOATS = ".6g"
LEVEL_LABELS = {1: "一级指标", 2: "二级指标"}


def delphi_round_tables(survey: DelphiSurvey, results: surveys.RoundResults) -> list[Table]:
    """A round's figures for the panel's report: per indicator (mean, SD, CV, share of 5s, weights) and per
    level (Kendall's W, χ², df, p, stop rule) — the numbers of the results page, from the same RoundResults.

    Numbers stay unrounded so a spreadsheet can recompute from them; an indicator's figures are blank while
    fewer than two experts have answered. Level-1 rows give the level weight as both weight and combined
    weight (a first-level indicator's share of the model); level-2 rows give the weight within their
    first-level indicator and the combined weight.
    """
    names = {i.indicator_id: i.indicator.name for i in survey.items}

    def indicator_rows() -> Iterator[list[object]]:
        for item in survey.items:
            summary = results.first if item.level == 1 else results.second
            st = summary.stats.get(item.indicator_id) if summary else None
            if item.level == 1:
                weight = summary.weights.get(item.indicator_id) if summary and summary.weights else None
                combined = weight
            else:
                weight = (results.within or {}).get(item.parent_id or "", {}).get(item.indicator_id)
                combined = (results.combined or {}).get(item.indicator_id)
            yield [LEVEL_LABELS[item.level], item.indicator_id, names[item.indicator_id],
                   names.get(item.parent_id or "", ""), st.count if st else results.answers,
                   *((st.mean, st.sd, st.cv, st.top_share) if st else (None,) * 4), weight, combined]

    concordance = []
    for level, summary, met in ((1, results.first, results.stop_first), (2, results.second, results.stop_second)):
        count = sum(1 for i in survey.items if i.level == level)
        if summary is None:
            concordance.append([LEVEL_LABELS[level], count, results.answers, None, None, None, None, False])
        else:
            concordance.append([LEVEL_LABELS[level], len(summary.items), summary.experts, summary.w, summary.chi2,
                                summary.df, summary.p, met])
    per_indicator = Table(f"第 {results.round.number} 轮指标",
                          ["层级", "指标编号", "指标", "上级指标", "专家数", "均值", "标准差", "变异系数", "满分比例",
                           "权重", "组合权重"], indicator_rows(), widths={1: 20, 2: 24, 3: 24},
                          float_format=DELPHI_FLOATS)
    agreement = Table(f"第 {results.round.number} 轮一致性",
                      ["层级", "指标数", "专家数", "W", "χ²", "自由度", "p", "达到停止规则"], concordance,
                      widths={0: 12, 7: 14}, float_format=DELPHI_FLOATS)
    return [per_indicator, agreement]
