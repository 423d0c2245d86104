"""An agent over time: the index and every indicator month by month, violation points per month, the
team's mean and the grade's bar for the radar, and where each piece of evidence came from.

One agent's evidence is bounded (a few hundred records a year), so the trend is computed in Python from
that agent's records by the pure `stats.month_series`; team means come from the cached standings.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from flask import current_app, url_for
from sqlalchemy import func, select

from ..accounts.models import Grade, User
from ..extensions import db
from ..timeutil import utcnow
from . import dashboards, services, stats
from .models import Evidence, IndicatorScore

MAX_MONTHS = 36


def month_ends(months: int, now: datetime | None = None) -> list[tuple[str, datetime]]:
    """The last `months` calendar months up to this one, oldest first, as (label, first instant after it)."""
    now = now or utcnow()
    result = []
    year, month = now.year, now.month
    for _ in range(max(1, min(months, MAX_MONTHS))):
        end = datetime(year + (month == 12), month % 12 + 1, 1)
        result.append((f"{year:04d}-{month:02d}", end))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return result[::-1]


def points_of(agent: User, before: datetime | None = None) -> list[stats.EvidencePoint]:
    query = select(Evidence.indicator_id, Evidence.value, Evidence.recorded_at, Evidence.id,
                   Evidence.supersedes_id).where(Evidence.agent_id == agent.id)
    if before is not None:
        query = query.where(Evidence.recorded_at < before)
    return [stats.EvidencePoint(i, v, at, id_, sup) for i, v, at, id_, sup in db.session.execute(query)]


def series(agent: User, model: services.ModelView, months: int = 12,
           method: stats.Mastery = stats.Mastery.DECAYING_AVERAGE) -> list[stats.MonthPoint]:
    ends = month_ends(months)
    return stats.month_series(points_of(agent, ends[-1][1]), ends, model.weight_groups,
                              method, float(current_app.config["MASTERY_DECAY_WEIGHT"]))


@dataclass(frozen=True)
class HistoryPoint:
    month: str
    score: float | None
    evidence: int

    def as_json(self) -> dict:
        return {"month": self.month, "score": None if self.score is None else round(self.score, 1),
                "evidence": self.evidence}


def indicator_history(points: Iterable[stats.MonthPoint], indicator: str | None) -> list[HistoryPoint]:
    """One line of the chart: an indicator's score (or the index when `indicator` is None) per month."""
    result = []
    for point in points:
        if indicator is None:
            result.append(HistoryPoint(point.month, point.index, sum(point.evidence.values())))
        else:
            result.append(HistoryPoint(point.month, point.scores.get(indicator), point.evidence.get(indicator, 0)))
    return result


def team_means(agent: User, method: stats.Mastery) -> dict[str, float]:
    """The mean score per indicator over the agent's team (the agent included), from the cached standings."""
    if agent.team_id is None:
        return {}
    score = dashboards.score_column(method)
    rows = db.session.execute(
        select(IndicatorScore.indicator_id, func.avg(score)).join(User, User.id == IndicatorScore.agent_id)
        .where(User.team_id == agent.team_id, User.role == "trainee", User.active.is_(True))
        .group_by(IndicatorScore.indicator_id))
    return {indicator: float(mean) for indicator, mean in rows}


def grade_bar(agent: User, indicators: Iterable[str]) -> tuple[str, dict[str, float]] | None:
    """The radar's third series: what the agent's grade asks on each indicator.

    A grade's promotion rules name an index and, for some indicators, their own minimum; an indicator
    without its own minimum is held to the index. The entry grade has no rules, so its agents see the
    next grade's bar instead, labelled as such.
    """
    grades = list(db.session.scalars(select(Grade).order_by(Grade.rank)))
    current = next((g for g in grades if g.code == agent.grade_code), None)
    if current is None:
        return None
    label = f"{current.name}要求"
    if not (current.rules or {}).get("index_at_least"):
        current = next((g for g in grades if g.rank > current.rank), None)
        if current is None or not (current.rules or {}).get("index_at_least"):
            return None
        label = f"晋级{current.name}要求"
    rules = current.rules or {}
    named = rules.get("indicators") or {}
    return label, {i: float(named.get(i, rules["index_at_least"])) for i in indicators}


def source_links(evidence: Iterable[Evidence]) -> dict[int, str]:
    """Where a supervisor can see what each piece of evidence came from (a transcript, an answer, a grade)."""
    from ..review.models import ReviewGrade

    rows = list(evidence)
    grade_ids = [int(e.source_id) for e in rows if e.source_kind == "review" and e.source_id.isdigit()]
    items = dict(db.session.execute(select(ReviewGrade.id, ReviewGrade.item_id).where(ReviewGrade.id.in_(grade_ids)))
                 .all()) if grade_ids else {}
    links: dict[int, str] = {}
    for e in rows:
        sid = e.source_id or ""
        if e.source_kind == "roleplay" and sid.isdigit():
            links[e.id] = url_for("roleplay.session", session_id=int(sid))
        elif e.source_kind == "exam" and sid.isdigit():
            links[e.id] = url_for("assessment.attempt_result", attempt_id=int(sid))
        elif e.source_kind == "practice" and sid.isdigit():
            links[e.id] = url_for("practice.result", attempt_id=int(sid))
        elif e.source_kind == "drill" and sid.isdigit():
            links[e.id] = url_for("review.drill", drill_id=int(sid))
        elif e.source_kind == "review" and sid.isdigit() and int(sid) in items:
            links[e.id] = url_for("review.item", item_id=items[int(sid)])
        elif e.source_kind == "supervisor" and sid.startswith("spot-") and sid[5:].isdigit():
            links[e.id] = url_for("review.spot_check", check_id=int(sid[5:]))
        elif e.source_kind == "correction" and e.supersedes_id:
            links[e.id] = f"#evidence-{e.supersedes_id}"
    return links
