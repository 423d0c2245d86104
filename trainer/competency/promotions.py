"""Promotion through the grades: who meets every rule of their next grade, and HR's decisions on them.

A grade's rules come from question_bank/competency/grades.yaml (stored on the grade row): the tenure in
months, a minimum competency index, minimum scores on named indicators and a ceiling on violation points
over the last few months. An agent is eligible when they meet EVERY rule of the next grade by rank; HR
then confirms (the grade changes) or declines, always with a reason. Each decision is an append-only
grade-history row plus an audit record, written in one transaction; confirming an agent who no longer
meets the rules is refused and writes nothing.

The rule arithmetic (`evaluate`) is plain Python on plain numbers; `eligibility` fetches the numbers for
any number of agents with a fixed number of queries (one for the profiles, one per distinct violation
period) and hands them to it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from ..accounts import services as accounts
from ..accounts.models import Grade, User
from ..extensions import db
from ..messages import ServiceError
from ..review import audit
from ..review.violations import monthly_points
from . import services
from .grade_models import GradeChange
from .models import Indicator

logger = logging.getLogger(__name__)


# --- the rules (pure) ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RuleCheck:
    """One rule of the next grade for one agent: the agent's value, what is needed, met or not.

    ``rule`` is a stable key (``tenure_months``, ``index``, ``indicator:<id>``, ``violation_points``);
    ``at_most`` says the value must not exceed ``needed`` (violation points) rather than reach it.
    A missing value (no hire date, no evidence yet) never meets an "at least" rule.
    """

    rule: str
    label: str
    value: float | None
    needed: float
    met: bool
    at_most: bool = False
    months: int | None = None

    def as_json(self) -> dict:
        value = None if self.value is None else round(self.value, 2)
        return {"rule": self.rule, "value": value, "needed": self.needed, "met": self.met}


@dataclass(frozen=True)
class AgentFacts:
    tenure_months: int | None
    index: float | None
    scores: Mapping[str, float | None]
    #: violation points over the last N months, by N
    violation_points: Mapping[int, int] = field(default_factory=dict)


def evaluate(min_tenure_months: int, rules: Mapping, facts: AgentFacts,
             names: Mapping[str, str] | None = None) -> tuple[RuleCheck, ...]:
    """Every rule of a grade checked against one agent's facts, in a fixed order (tenure, index, indicators,
    violations)."""
    names = names or {}
    checks = []
    tenure = facts.tenure_months
    checks.append(RuleCheck("tenure_months", "司龄（月）", tenure, min_tenure_months,
                            min_tenure_months <= 0 or (tenure is not None and tenure >= min_tenure_months)))
    if rules.get("index_at_least") is not None:
        needed = float(rules["index_at_least"])
        checks.append(RuleCheck("index", "综合能力指数", facts.index, needed,
                                facts.index is not None and facts.index >= needed))
    for ident, minimum in (rules.get("indicators") or {}).items():
        score = facts.scores.get(ident)
        checks.append(RuleCheck(f"indicator:{ident}", names.get(ident, ident), score, float(minimum),
                                score is not None and score >= float(minimum)))
    points_rule = rules.get("violation_points")
    if points_rule:
        months, ceiling = int(points_rule["months"]), int(points_rule["at_most"])
        points = facts.violation_points.get(months, 0)
        checks.append(RuleCheck("violation_points", f"近 {months} 个月违规扣分", points, ceiling, points <= ceiling,
                                at_most=True, months=months))
    return tuple(checks)


def next_grade(grades: list[Grade], current: str | None) -> Grade | None:
    """The grade after `current` by rank (no grade yet: the first one; the top grade: None)."""
    ordered = sorted(grades, key=lambda g: g.rank)
    if current is None:
        return ordered[0] if ordered else None
    rank = next((g.rank for g in ordered if g.code == current), None)
    if rank is None:
        return None
    return next((g for g in ordered if g.rank > rank), None)


# --- eligibility (queries) -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Eligibility:
    agent: User
    grade: Grade | None
    next: Grade | None
    rules: tuple[RuleCheck, ...]

    @property
    def eligible(self) -> bool:
        return self.next is not None and all(r.met for r in self.rules)

    @property
    def unmet(self) -> tuple[RuleCheck, ...]:
        return tuple(r for r in self.rules if not r.met)


def all_grades() -> list[Grade]:
    return list(db.session.scalars(select(Grade).order_by(Grade.rank)))


def indicator_names() -> dict[str, str]:
    return dict(db.session.execute(select(Indicator.id, Indicator.name)).all())


def eligibility(agents: list[User], today: date | None = None) -> list[Eligibility]:
    """Each agent's next grade and its rules, for any number of agents in a fixed number of queries."""
    if not agents:
        return []
    grades = all_grades()
    by_code = {g.code: g for g in grades}
    nexts = [next_grade(grades, a.grade_code) for a in agents]
    found = services.profiles(agents)
    profiles = {p.agent.id: p for p in found}
    periods = sorted({int(g.rules["violation_points"]["months"]) for g in nexts
                      if g is not None and (g.rules or {}).get("violation_points")})
    points: dict[int, dict[int, int]] = {a.id: {} for a in agents}
    for months in periods:
        _, monthly = monthly_points(agents, months)
        for row in monthly:
            points[row.agent.id][months] = row.total
    names = indicator_names()
    result = []
    for agent, upcoming in zip(agents, nexts, strict=True):
        profile = profiles.get(agent.id)
        scores = ({row.info.id: row.score for group in profile.groups for row in group.indicators}
                  if profile else {})
        facts = AgentFacts(tenure_months=accounts.tenure_months(agent.hire_date, today),
                           index=profile.index if profile else None, scores=scores,
                           violation_points=points[agent.id])
        rules = evaluate(upcoming.min_tenure_months, upcoming.rules or {}, facts, names) if upcoming else ()
        result.append(Eligibility(agent, by_code.get(agent.grade_code or ""), upcoming, rules))
    return result


def agents_for(viewer: User) -> list[User]:
    """The active agents `viewer` may see (HR: all; a supervisor: their teams)."""
    query = accounts.visible_agents_query(viewer).where(User.active.is_(True)).order_by(User.username)
    return list(db.session.scalars(query))


def eligible_for(viewer: User) -> tuple[list[Eligibility], int]:
    """The eligible agents among those `viewer` sees, and how many agents were checked."""
    agents = agents_for(viewer)
    return [e for e in eligibility(agents) if e.eligible], len(agents)


def of_agent(agent: User) -> Eligibility:
    return eligibility([agent])[0]


# --- decisions -----------------------------------------------------------------------------------------


def confirm(agent: User, by: User, *, to_code: str, reason: str) -> GradeChange:
    """Promote `agent` to `to_code`, if it is still their next grade and they still meet every rule."""
    return _decide(agent, by, to_code=to_code, reason=reason, decision="confirm")


def decline(agent: User, by: User, *, to_code: str, reason: str) -> GradeChange:
    """Record that HR does not promote `agent` to `to_code` now; the grade stays."""
    return _decide(agent, by, to_code=to_code, reason=reason, decision="decline")


def _decide(agent: User, by: User, *, to_code: str, reason: str, decision: str) -> GradeChange:
    if by.role != "hr":
        raise ServiceError("promotion.not_allowed", 403)
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("promotion.reason_required")
    if not agent.is_agent or not agent.active:
        raise ServiceError("promotion.no_next", 409, name=agent.display_name)
    current = of_agent(agent)
    if current.next is None:
        raise ServiceError("promotion.no_next", 409, name=agent.display_name)
    if current.next.code != to_code:
        raise ServiceError("promotion.stale", 409, name=agent.display_name)
    if decision == "confirm" and not current.eligible:
        raise ServiceError("promotion.not_eligible", 409, name=agent.display_name, grade=current.next.name,
                           rules="、".join(r.label for r in current.unmet))
    evidence = [r.as_json() for r in current.rules]
    before = agent.grade_code
    row = GradeChange(agent_id=agent.id, from_code=before, to_code=current.next.code, decision=decision,
                      reason=reason, rules=evidence, decided_by_id=by.id)
    db.session.add(row)
    if decision == "confirm":
        agent.grade_code = current.next.code
    db.session.flush()
    audit.record(actor=by, action="promotion", agent_id=agent.id, target=f"grade_history:{row.id}",
                 before={"grade": before},
                 after={"grade": agent.grade_code, "decision": decision, "proposed": current.next.code},
                 reason=reason)
    db.session.commit()
    logger.info("Promotion of %s to %s %sed by %s", agent.username, current.next.code, decision, by.username)
    return row


def history_of(agent: User) -> list[GradeChange]:
    return list(db.session.scalars(select(GradeChange).where(GradeChange.agent_id == agent.id)
                                   .order_by(GradeChange.at.desc(), GradeChange.id.desc())))


def recent_decisions(viewer: User, limit: int = 20) -> list[GradeChange]:
    agents = accounts.visible_agents_query(viewer).with_only_columns(User.id).scalar_subquery()
    return list(db.session.scalars(select(GradeChange).where(GradeChange.agent_id.in_(agents))
                                   .order_by(GradeChange.at.desc(), GradeChange.id.desc()).limit(limit)))


def last_decisions(agent_ids: list[int]) -> dict[int, GradeChange]:
    """Each agent's latest decision (one query), to show a decline next to an agent still eligible."""
    if not agent_ids:
        return {}
    latest: dict[int, GradeChange] = {}
    rows = db.session.scalars(select(GradeChange).where(GradeChange.agent_id.in_(agent_ids))
                              .order_by(GradeChange.at, GradeChange.id))
    for row in rows:
        latest[row.agent_id] = row
    return latest
