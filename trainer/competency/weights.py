"""Weight sets as HR revises them: a new version each time, with its effective date and provenance.

The reference computes the combined weight of a second-level indicator as first-level weight ×
second-level weight; each level's weights must add up to 100 %. A version is never edited: changing a
weight makes a new version, and every profile and table can still be read under any old one. A version
dated in the future is stored and comes into force on its date (the first request after it activates it).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from ..accounts.models import User
from ..extensions import db
from ..messages import ServiceError
from ..timeutil import utcnow
from . import delphi
from .models import Indicator, IndicatorWeight, WeightSet

SUM_TOLERANCE = 0.05


def check_weights(first: dict[str, float], second: dict[str, dict[str, float]]) -> None:
    """Refuse a negative weight, a level that does not add up to 100 %, or an indicator missing from the model."""
    indicators = list(db.session.scalars(select(Indicator).where(Indicator.retired.is_(False))))
    tops = {i.id for i in indicators if i.level == 1}
    children = {top: {i.id for i in indicators if i.parent_id == top} for top in tops}
    if set(first) != tops or any(set(second.get(top, {})) != children[top] for top in tops):
        raise ServiceError("weights.incomplete")
    values = [*first.values(), *(w for group in second.values() for w in group.values())]
    if any(not isinstance(w, int | float) or w < 0 or w != w for w in values):
        raise ServiceError("weights.negative")
    if abs(sum(first.values()) - 100) > SUM_TOLERANCE:
        raise ServiceError("weights.sum", level="一级指标", total=round(sum(first.values()), 2))
    for top, group in second.items():
        if abs(sum(group.values()) - 100) > SUM_TOLERANCE:
            name = next(i.name for i in indicators if i.id == top)
            raise ServiceError("weights.sum", level=f"“{name}”下的二级指标", total=round(sum(group.values()), 2))


def create_weight_set(*, first: dict[str, float], second: dict[str, dict[str, float]], by: User | None,
                      provenance: dict, label: str, effective_from: date | None = None,
                      note: str = "") -> WeightSet:
    """Store a new version (validated first); in force at once unless dated in the future."""
    check_weights(first, second)
    combined = delphi.combined_weights(first, second)
    effective = effective_from or utcnow().date()
    version = (db.session.scalar(select(func.max(WeightSet.version))) or 0) + 1
    weight_set = WeightSet(version=version, label=label[:120], source=provenance.get("kind", "manual"),
                           content_hash="", active=False, created_by_id=by.id if by else None,
                           effective_from=effective, provenance=provenance, note=note[:500])
    for top, weight in first.items():
        weight_set.weights.append(IndicatorWeight(indicator_id=top, weight=float(weight)))
        for child, child_weight in second[top].items():
            weight_set.weights.append(IndicatorWeight(indicator_id=child, weight=float(child_weight),
                                                      combined=round(combined[child], 4)))
    db.session.add(weight_set)
    db.session.flush()
    if effective <= utcnow().date():
        activate(weight_set)
    db.session.commit()
    return weight_set


def activate(weight_set: WeightSet) -> None:
    for other in db.session.scalars(select(WeightSet).where(WeightSet.active.is_(True))):
        other.active = False
    weight_set.active = True


def bring_due_into_force() -> WeightSet | None:
    """The version in force, after activating a newer one whose effective date has come (two small queries)."""
    today = utcnow().date()
    active = db.session.scalar(select(WeightSet).where(WeightSet.active.is_(True)))
    query = select(WeightSet).where(WeightSet.active.is_(False), WeightSet.effective_from <= today)
    if active is not None:
        query = query.where(WeightSet.version > active.version,
                            WeightSet.effective_from >= (active.effective_from or date.min))
    due = db.session.scalar(query.order_by(WeightSet.effective_from.desc(), WeightSet.version.desc()).limit(1))
    if due is None:
        return active
    activate(due)
    db.session.commit()
    return due


def weights_of(weight_set: WeightSet) -> tuple[dict[str, float], dict[str, dict[str, float]]]:
    """(first level, second level by parent) of a version, as the edit form shows them."""
    rows = list(db.session.scalars(select(IndicatorWeight).where(IndicatorWeight.weight_set_id == weight_set.id)))
    parents = {i.id: i.parent_id for i in db.session.scalars(select(Indicator))}
    first = {r.indicator_id: r.weight for r in rows if parents.get(r.indicator_id) is None}
    second: dict[str, dict[str, float]] = {top: {} for top in first}
    for r in rows:
        parent = parents.get(r.indicator_id)
        if parent is not None:
            second.setdefault(parent, {})[r.indicator_id] = r.weight
    return first, second
