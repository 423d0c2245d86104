"""Competency rules: recording evidence and turning evidence into profiles and tables (corrections: review room)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import func, select

from ..accounts.models import User
from ..extensions import db
from ..timeutil import utcnow
from . import stats
from .models import Evidence, Indicator, IndicatorScore, IndicatorWeight, WeightSet

# --- the model and its weights -----------------------------------------------------------------------


@dataclass(frozen=True)
class IndicatorInfo:
    id: str
    name: str
    description: str
    weight: float
    combined: float


@dataclass(frozen=True)
class GroupInfo:
    id: str
    name: str
    description: str
    weight: float
    indicators: tuple[IndicatorInfo, ...]


@dataclass(frozen=True)
class ModelView:
    weight_set: WeightSet
    groups: tuple[GroupInfo, ...]

    @property
    def weight_groups(self) -> list[stats.WeightGroup]:
        return [
            stats.WeightGroup(g.id, g.weight, tuple((i.id, i.weight, i.combined) for i in g.indicators))
            for g in self.groups
        ]

    @property
    def combined(self) -> dict[str, float]:
        return {i.id: i.combined for g in self.groups for i in g.indicators}

    @property
    def indicator_names(self) -> dict[str, str]:
        return {i.id: i.name for g in self.groups for i in g.indicators}


def active_weight_set() -> WeightSet | None:
    """The version in force: a version dated in the future takes over on its date (see weights.py)."""
    from .weights import bring_due_into_force

    return bring_due_into_force()


def weight_sets() -> list[WeightSet]:
    return list(db.session.scalars(select(WeightSet).order_by(WeightSet.version.desc())))


def model_view(weight_set: WeightSet | None = None) -> ModelView | None:
    """The indicator tree with the weights of `weight_set` (default: the active one)."""
    weight_set = weight_set or active_weight_set()
    if weight_set is None:
        return None
    rows = db.session.scalars(select(IndicatorWeight).where(IndicatorWeight.weight_set_id == weight_set.id))
    weights, combined = {}, {}
    for row in rows:
        weights[row.indicator_id] = row.weight
        combined[row.indicator_id] = row.combined
    indicators = list(db.session.scalars(select(Indicator).order_by(Indicator.level, Indicator.position)))
    groups = []
    for top in (i for i in indicators if i.level == 1 and i.id in weights):
        children = tuple(
            IndicatorInfo(
                c.id, c.name, c.description, weights[c.id],
                stated if (stated := combined[c.id]) is not None else weights[top.id] * weights[c.id] / 100,
            )
            for c in indicators
            if c.parent_id == top.id and c.id in weights
        )
        groups.append(GroupInfo(top.id, top.name, top.description, weights[top.id], children))
    return ModelView(weight_set, tuple(groups))


# --- evidence ----------------------------------------------------------------------------------------


def record_evidence(
    *,
    agent: User,
    indicator_id: str,
    value: float,
    source_kind: str,
    source_id: str = "",
    recorded_by: User | None = None,
    note: str = "",
    supersedes: Evidence | None = None,
    at: datetime | None = None,
    commit: bool = True,
) -> Evidence:
    """The one way any capability records that it measured an agent. Values are clamped to 0–100."""
    evidence = Evidence(
        agent_id=agent.id,
        indicator_id=indicator_id,
        value=max(0.0, min(100.0, float(value))),
        source_kind=source_kind,
        source_id=str(source_id)[:64],
        recorded_by_id=recorded_by.id if recorded_by else None,
        supersedes_id=supersedes.id if supersedes else None,
        note=note[:500],
    )
    if at is not None:
        evidence.recorded_at = at
    db.session.add(evidence)
    db.session.flush()
    refresh_standing(agent.id, indicator_id)
    if commit:
        db.session.commit()
    return evidence


def refresh_standing(agent_id: int, indicator_id: str) -> None:
    """Recompute the agent's cached standing on one indicator from its evidence (one small query)."""
    rows = db.session.execute(
        select(Evidence.value, Evidence.recorded_at, Evidence.id, Evidence.supersedes_id)
        .where(Evidence.agent_id == agent_id, Evidence.indicator_id == indicator_id)
    )
    points = [stats.EvidencePoint(indicator_id, value, at, eid, sup) for value, at, eid, sup in rows]
    found = stats.standing(indicator_id, points)
    row = db.session.get(IndicatorScore, (agent_id, indicator_id))
    if found is None:
        if row is not None:
            db.session.delete(row)
        return
    values = {"count": found.count, "latest": found.latest, "earlier_mean": found.earlier_mean, "mean": found.mean,
              "highest": found.highest, "latest_at": found.latest_at, "updated_at": utcnow()}
    if row is None:
        db.session.add(IndicatorScore(agent_id=agent_id, indicator_id=indicator_id, **values))
    else:
        for key, value in values.items():
            setattr(row, key, value)


def rebuild_standings(agent_ids: list[int] | None = None, batch: int = 500) -> int:
    """Recompute the cached standings (after a bulk import, or to repair); returns how many were written.

    In bulk, `batch` agents at a time: one evidence query, one delete and one insert per batch rather than
    two statements per agent and indicator, so a company of thousands (`trainer demo --agents`) is rebuilt
    in seconds. The arithmetic is still stats.standing, as in refresh_standing.
    """
    db.session.flush()
    table = IndicatorScore.__table__
    if agent_ids is None:
        agent_ids = sorted(set(db.session.scalars(select(Evidence.agent_id).distinct()))
                           | set(db.session.scalars(select(IndicatorScore.agent_id).distinct())))
    written, now = 0, utcnow()
    for start in range(0, len(agent_ids), batch):
        chunk = agent_ids[start:start + batch]
        points: dict[tuple[int, str], list[stats.EvidencePoint]] = defaultdict(list)
        for agent_id, indicator_id, value, at, eid, sup in db.session.execute(
                select(Evidence.agent_id, Evidence.indicator_id, Evidence.value, Evidence.recorded_at, Evidence.id,
                       Evidence.supersedes_id).where(Evidence.agent_id.in_(chunk))):
            points[(agent_id, indicator_id)].append(stats.EvidencePoint(indicator_id, value, at, eid, sup))
        rows = []
        for (agent_id, indicator_id), found in points.items():
            item = stats.standing(indicator_id, found)
            if item is not None:
                rows.append({"agent_id": agent_id, "indicator_id": indicator_id, "count": item.count,
                             "latest": item.latest, "earlier_mean": item.earlier_mean, "mean": item.mean,
                             "highest": item.highest, "latest_at": item.latest_at, "updated_at": now})
        db.session.execute(table.delete().where(table.c.agent_id.in_(chunk)))
        if rows:
            db.session.execute(table.insert(), rows)
        written += len(rows)
    db.session.commit()  # expires standings loaded before the rebuild, so they are read again
    return written


def evidence_for(agent: User, limit: int | None = None) -> list[Evidence]:
    query = select(Evidence).where(Evidence.agent_id == agent.id).order_by(
        Evidence.recorded_at.desc(), Evidence.id.desc()
    )
    if limit:
        query = query.limit(limit)
    return list(db.session.scalars(query))


def evidence_in_force(agent: User, source_kind: str, source_id: str) -> list[Evidence]:
    """The records one source gave about the agent that no later record supersedes (what a regrade replaces)."""
    records = list(db.session.scalars(select(Evidence).where(
        Evidence.agent_id == agent.id, Evidence.source_kind == source_kind, Evidence.source_id == source_id)
        .order_by(Evidence.id)))
    superseded = superseded_ids(records)
    return [r for r in records if r.id not in superseded]


def superseded_ids(evidence: Iterable[Evidence]) -> set[int]:
    ids = [e.id for e in evidence]
    if not ids:
        return set()
    return set(db.session.scalars(select(Evidence.supersedes_id).where(Evidence.supersedes_id.in_(ids))))


def _standings_by_agent(agent_ids: list[int]) -> dict[int, list[stats.Standing]]:
    """Every agent's cached standings in one query: a table of thousands reads rows per indicator, not evidence."""
    found: dict[int, list[stats.Standing]] = defaultdict(list)
    if not agent_ids:
        return found
    rows = db.session.scalars(select(IndicatorScore).where(IndicatorScore.agent_id.in_(agent_ids)))
    for row in rows:
        found[row.agent_id].append(stats.Standing(row.indicator_id, row.count, row.latest, row.earlier_mean,
                                                  row.mean, row.highest, row.latest_at))
    return found


# --- profiles ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IndicatorRow:
    info: IndicatorInfo
    score: float | None
    count: int
    latest_at: datetime | None


@dataclass(frozen=True)
class GroupRow:
    info: GroupInfo
    score: float | None
    indicators: tuple[IndicatorRow, ...]


@dataclass(frozen=True)
class Profile:
    agent: User
    model: ModelView
    method: stats.Mastery
    groups: tuple[GroupRow, ...]
    index: float | None
    coverage: float
    evidence_count: int
    weakest: tuple[IndicatorInfo, ...]


def parse_method(value: str | None) -> stats.Mastery:
    try:
        return stats.Mastery(value) if value else stats.Mastery.DECAYING_AVERAGE
    except ValueError:
        return stats.Mastery.DECAYING_AVERAGE


def _build(agent: User, standings: list[stats.Standing], model: ModelView, method: stats.Mastery) -> Profile:
    decay = current_app.config["MASTERY_DECAY_WEIGHT"]
    scores = {s.indicator: stats.IndicatorScore(s.indicator, stats.score_from(s, method, decay), s.count, s.latest_at)
              for s in standings}
    values = {k: v.score for k, v in scores.items()}
    result = stats.weighted_index(values, model.weight_groups)
    infos = {i.id: i for g in model.groups for i in g.indicators}
    groups = tuple(
        GroupRow(
            g,
            result.groups.get(g.id),
            tuple(
                IndicatorRow(
                    i,
                    scores[i.id].score if i.id in scores else None,
                    scores[i.id].count if i.id in scores else 0,
                    scores[i.id].latest_at if i.id in scores else None,
                )
                for i in g.indicators
            ),
        )
        for g in model.groups
    )
    weakest = tuple(infos[i] for i in stats.weakest(values, model.combined))
    return Profile(
        agent=agent,
        model=model,
        method=method,
        groups=groups,
        index=result.index,
        coverage=result.coverage,
        evidence_count=sum(s.count for s in scores.values()),
        weakest=weakest,
    )


def profile(agent: User, method: stats.Mastery = stats.Mastery.DECAYING_AVERAGE,
            weight_set: WeightSet | None = None) -> Profile | None:
    """An agent's profile under `weight_set` (default: the version in force)."""
    model = model_view(weight_set)
    if model is None:
        return None
    return _build(agent, _standings_by_agent([agent.id])[agent.id], model, method)


def profiles(agents: list[User], method: stats.Mastery = stats.Mastery.DECAYING_AVERAGE,
             weight_set: WeightSet | None = None) -> list[Profile]:
    """Profiles for many agents from one query of their cached standings (team and HR tables)."""
    model = model_view(weight_set)
    return profiles_for(agents, model, method) if model is not None else []


def profiles_for(agents: list[User], model: ModelView, method: stats.Mastery) -> list[Profile]:
    standings = _standings_by_agent([a.id for a in agents])
    return [_build(agent, standings.get(agent.id, []), model, method) for agent in agents]


def weight_set_by_version(version: object) -> WeightSet | None:
    """A version named in a URL (`?weights=3`), or None for the one in force."""
    if not isinstance(version, str) or not version.isdigit() or len(version) > 9:
        return None
    return db.session.scalar(select(WeightSet).where(WeightSet.version == int(version)))


def evidence_totals() -> int:
    return db.session.scalar(select(func.count()).select_from(Evidence)) or 0


def get_evidence(evidence_id: int) -> Evidence | None:
    return db.session.get(Evidence, evidence_id)
