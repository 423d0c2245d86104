"""违规扣分: points recorded against an agent in the categories (and with the points) of the company's rules,
kept as data in question_bank/competency/violations.yaml. A record made in error is voided by a second
record with a reason; nothing is deleted, and the points per month are what HR reads.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import select

from ..accounts import services as accounts
from ..accounts.models import User
from ..extensions import db
from ..messages import ServiceError
from ..timeutil import utcnow
from . import audit
from .models import ReviewItem, Violation, ViolationCategory


def categories() -> list[ViolationCategory]:
    return list(db.session.scalars(select(ViolationCategory).where(ViolationCategory.retired.is_(False))
                                   .order_by(ViolationCategory.position)))


def can_record(viewer: User, agent: User) -> bool:
    return viewer.role in ("supervisor", "hr") and accounts.can_view_agent(viewer, agent)


def record_violation(by: User, agent: User, *, category_id: str, occurred_on: date, note: str,
                     item: ReviewItem | None = None) -> Violation:
    if not can_record(by, agent):
        raise ServiceError("violation.not_your_team", 403)
    category = db.session.get(ViolationCategory, category_id)
    if category is None or category.retired:
        raise ServiceError("violation.unknown_category")
    if occurred_on > date.today():
        raise ServiceError("violation.future")
    if item is not None and item.agent_id != agent.id:
        item = None
    row = Violation(agent_id=agent.id, category_id=category.id, points=category.points,
                    occurred_on=datetime.combine(occurred_on, time()), note=(note or "").strip(),
                    item_id=item.id if item else None, recorded_by_id=by.id)
    db.session.add(row)
    db.session.flush()
    audit.record(actor=by, action="violation", item=item, agent_id=agent.id, target=f"violation:{row.id}",
                 after={"category": category.id, "points": category.points, "date": occurred_on.isoformat()},
                 reason=row.note)
    db.session.commit()
    return row


def void(row: Violation, by: User, reason: str) -> Violation:
    if not can_record(by, row.agent):
        raise ServiceError("violation.not_your_team", 403)
    if not (reason or "").strip():
        raise ServiceError("violation.void_reason")
    if row.voids_id is not None or voided_ids([row]):
        raise ServiceError("violation.already_void", 409)
    undo = Violation(agent_id=row.agent_id, category_id=row.category_id, points=-row.points,
                     occurred_on=row.occurred_on, note=reason.strip(), item_id=row.item_id, recorded_by_id=by.id,
                     voids_id=row.id)
    db.session.add(undo)
    db.session.flush()
    audit.record(actor=by, action="violation_void", agent_id=row.agent_id, target=f"violation:{row.id}",
                 before={"points": row.points}, after={"points": 0}, reason=reason.strip())
    db.session.commit()
    return undo


def voided_ids(rows: list[Violation]) -> set[int]:
    ids = [r.id for r in rows]
    if not ids:
        return set()
    return set(db.session.scalars(select(Violation.voids_id).where(Violation.voids_id.in_(ids))))


def violations_of(agent_ids: list[int], limit: int = 200) -> list[Violation]:
    if not agent_ids:
        return []
    return list(db.session.scalars(select(Violation).where(Violation.agent_id.in_(agent_ids),
                                                           Violation.voids_id.is_(None))
                                   .order_by(Violation.occurred_on.desc(), Violation.id.desc()).limit(limit)))


@dataclass(frozen=True)
class MonthlyPoints:
    agent: User
    #: "YYYY-MM" -> points (voided records count zero)
    months: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.months.values())


def monthly_points(agents: list[User], months: int = 6) -> tuple[list[str], list[MonthlyPoints]]:
    """Points per agent per month for the last `months` months (one query for all agents)."""
    today = utcnow().date()
    labels = []
    year, month = today.year, today.month
    for _ in range(months):
        labels.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    labels.reverse()
    first = datetime(int(labels[0][:4]), int(labels[0][5:]), 1)
    points: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    ids = [a.id for a in agents]
    if ids:
        rows = db.session.execute(select(Violation.agent_id, Violation.occurred_on, Violation.points)
                                  .where(Violation.agent_id.in_(ids), Violation.occurred_on >= first))
        for agent_id, occurred, value in rows:
            points[agent_id][occurred.strftime("%Y-%m")] += value
    return labels, [MonthlyPoints(a, {m: points[a.id].get(m, 0) for m in labels}) for a in agents]
