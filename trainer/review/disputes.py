"""The trainee's side of a grade: acknowledging it, disputing it within the window, and the decision.

A dispute goes to another supervisor of the trainee's team — never the one who graded — or to HR when
the team has no other supervisor. The decision (accept, accept in part, reject) carries a reason;
accepting makes a new grade that supersedes the disputed one, with its own evidence. A decision is a
row of its own, one per dispute, so a decided dispute cannot be reopened.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..accounts.models import User
from ..extensions import db
from ..messages import ServiceError
from ..timeutil import utcnow
from . import audit
from .grading import GradeInput, check_ratings, grade_item
from .models import Acknowledgement, Dispute, DisputeDecision, ReviewGrade, ReviewItem

DECISIONS = ("accept", "partial", "reject")


def acknowledged(grade: ReviewGrade) -> bool:
    return db.session.scalar(select(Acknowledgement.id).where(Acknowledgement.grade_id == grade.id)) is not None


def acknowledge(item: ReviewItem, agent: User) -> None:
    grade = item.grade
    if agent.id != item.agent_id or grade is None:
        raise ServiceError("review.not_yours", 403)
    if acknowledged(grade):
        return
    db.session.add(Acknowledgement(grade_id=grade.id, agent_id=agent.id))
    audit.record(actor=agent, action="acknowledge", item=item, target=f"grade:{grade.id}")
    try:
        db.session.commit()
    except IntegrityError:  # acknowledged twice at once: once is enough
        db.session.rollback()


def dispute_window() -> timedelta:
    return timedelta(days=int(current_app.config.get("REVIEW_DISPUTE_DAYS", 7)))


def can_dispute(item: ReviewItem, agent: User) -> bool:
    grade = item.grade
    return (grade is not None and agent.id == item.agent_id and grade.origin != "dispute"
            and utcnow() - grade.created_at <= dispute_window() and dispute_of(grade) is None)


def dispute_of(grade: ReviewGrade) -> Dispute | None:
    return db.session.scalar(select(Dispute).where(Dispute.grade_id == grade.id))


def open_dispute(item: ReviewItem, agent: User, *, comment: str, proposed: dict[str, int | None]) -> Dispute:
    grade = item.grade
    if agent.id != item.agent_id:
        raise ServiceError("review.not_yours", 403)
    if grade is None:
        raise ServiceError("review.not_graded", 409)
    if utcnow() - grade.created_at > dispute_window():
        raise ServiceError("review.dispute_closed", 409, days=dispute_window().days)
    if dispute_of(grade) is not None or grade.origin == "dispute":  # a decision is not disputed again
        raise ServiceError("review.dispute_twice", 409)
    comment = (comment or "").strip()
    if not comment:
        raise ServiceError("review.dispute_comment")
    limit = int(current_app.config.get("REVIEW_COMMENT_MAX", 2000))
    if len(comment) > limit:
        raise ServiceError("review.comment_too_long", limit=limit)
    check_ratings(item, proposed)
    dispute = Dispute(grade_id=grade.id, item_id=item.id, agent_id=agent.id, comment=comment,
                      proposed={k: v for k, v in proposed.items() if v is not None})
    db.session.add(dispute)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise ServiceError("review.dispute_twice", 409) from None
    audit.record(actor=agent, action="dispute", item=item, target=f"dispute:{dispute.id}",
                 before={"grade": grade.id, "ratings": grade.ratings}, after={"proposed": dispute.proposed},
                 reason=comment)
    db.session.commit()
    return dispute


def deciders(dispute: Dispute) -> list[User]:
    """Who decides: the team's other supervisors; HR when the grader is the team's only supervisor."""
    team = dispute.agent.team
    others = [s for s in (team.supervisors if team else []) if s.id != dispute.grade.grader_id and s.active]
    if others:
        return others
    return list(db.session.scalars(select(User).where(User.role == "hr", User.active.is_(True))
                                   .order_by(User.username)))


def can_decide(viewer: User, dispute: Dispute) -> bool:
    return dispute.decision is None and any(u.id == viewer.id for u in deciders(dispute))


def decide(dispute: Dispute, by: User, *, decision: str, reason: str,
           ratings: dict[str, int | None] | None = None) -> DisputeDecision:
    if dispute.decision is not None:
        raise ServiceError("review.dispute_decided", 409)
    if not can_decide(by, dispute):
        raise ServiceError("review.not_decider", 403)
    if decision not in DECISIONS:
        raise ServiceError("review.bad_decision")
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("review.decision_reason")
    item = dispute.item
    new_grade = None
    if decision != "reject":
        chosen = ratings if ratings is not None else (dispute.proposed or {})
        if decision == "accept" and not any(v is not None for v in chosen.values()):
            chosen = dict(dispute.proposed)
        if not any(v is not None for v in (chosen or {}).values()):
            raise ServiceError("review.decision_ratings")
        base = dispute.grade
        new_grade = grade_item(item, by, GradeInput(
            ratings={**{k: v for k, v in base.ratings.items()}, **chosen}, comment=reason,
            override_score=base.override_score, override_reason=base.override_reason,
        ), origin="dispute", commit=False)
    row = DisputeDecision(dispute_id=dispute.id, decided_by_id=by.id, decision=decision, reason=reason,
                          new_grade_id=new_grade.id if new_grade else None)
    db.session.add(row)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise ServiceError("review.dispute_decided", 409) from None
    audit.record(actor=by, action="decision", item=item, target=f"dispute:{dispute.id}",
                 before={"grade": dispute.grade_id, "ratings": dispute.grade.ratings},
                 after={"decision": decision, "grade": new_grade.id if new_grade else dispute.grade_id,
                        "ratings": new_grade.ratings if new_grade else dispute.grade.ratings},
                 reason=reason)
    db.session.commit()
    return row


def disputes_for(viewer: User) -> list[Dispute]:
    """Open disputes `viewer` decides, then (for HR) every other open one, oldest first."""
    rows = db.session.scalars(select(Dispute).where(~Dispute.id.in_(select(DisputeDecision.dispute_id)))
                              .order_by(Dispute.created_at))
    mine = [d for d in rows if can_decide(viewer, d) or viewer.role == "hr"]
    return mine


def disputes_of_item(item: ReviewItem) -> list[Dispute]:
    return list(db.session.scalars(select(Dispute).where(Dispute.item_id == item.id).order_by(Dispute.created_at)))


def unacknowledged_count(agent: User) -> int:
    """Grades in force on the agent's items that the agent has not acknowledged yet."""
    from sqlalchemy import func

    query = select(func.count()).select_from(ReviewItem).where(
        ReviewItem.agent_id == agent.id, ReviewItem.grade_id.is_not(None),
        ~ReviewItem.grade_id.in_(select(Acknowledgement.grade_id)))
    return db.session.scalar(query) or 0
