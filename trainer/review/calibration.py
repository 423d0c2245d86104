"""Calibration: several supervisors grade the same items blind, then see how far apart they are.

A grader sees the others' grades of an item only after submitting their own, and cannot change it
afterwards, so nobody anchors on a colleague. Results compare each grader with the expert (when one
is named), show the spread, and give the agreement statistics of trainer/review/agreement.py with the
number of items and graders behind them. Calibration grades never write agent evidence.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from statistics import mean, pstdev

from sqlalchemy import select

from ..accounts import services as accounts
from ..accounts.models import User
from ..extensions import db
from ..messages import ServiceError
from ..timeutil import utcnow
from . import agreement, audit
from .grading import GradeInput, grade_item
from .models import CalibrationGrader, CalibrationItem, CalibrationSession, ReviewGrade, ReviewItem

SCALE_SPAN = 4  # ratings 1–5: the largest possible difference


def open_session(by: User, *, title: str, items: list[ReviewItem], graders: list[User], deadline: datetime,
                 expert: User | None, tolerance: float) -> CalibrationSession:
    if not items or any(not accounts.can_view_agent(by, i.agent) for i in items):
        raise ServiceError("calibration.items")
    graders = list({g.id: g for g in graders}.values())
    if len(graders) < 2 or any(g.role not in ("supervisor", "hr") or not g.active for g in graders):
        raise ServiceError("calibration.graders")
    if expert is not None and expert.id not in {g.id for g in graders}:
        raise ServiceError("calibration.expert")
    if deadline <= utcnow():
        raise ServiceError("calibration.deadline")
    session = CalibrationSession(title=title.strip()[:200], created_by_id=by.id, deadline=deadline,
                                 expert_id=expert.id if expert else None, tolerance=tolerance)
    db.session.add(session)
    db.session.flush()
    for position, item in enumerate(dict.fromkeys(items)):
        db.session.add(CalibrationItem(session_id=session.id, item_id=item.id, position=position))
    for grader in graders:
        db.session.add(CalibrationGrader(session_id=session.id, user_id=grader.id))
    audit.record(actor=by, action="calibration_open", target=f"calibration:{session.id}",
                 after={"items": [i.id for i in items], "graders": [g.id for g in graders],
                        "expert": expert.id if expert else None, "deadline": deadline.isoformat()})
    db.session.commit()
    return session


def is_grader(user: User, session: CalibrationSession) -> bool:
    return any(g.user_id == user.id for g in session.graders)


def can_see(user: User, session: CalibrationSession) -> bool:
    return is_grader(user, session) or user.id == session.created_by_id or user.role == "hr"


def sessions_for(user: User) -> list[CalibrationSession]:
    query = select(CalibrationSession).order_by(CalibrationSession.deadline.desc())
    if user.role != "hr":
        invited = select(CalibrationGrader.session_id).where(CalibrationGrader.user_id == user.id)
        query = query.where(CalibrationSession.id.in_(invited) | (CalibrationSession.created_by_id == user.id))
    return list(db.session.scalars(query))


def grades_in(session: CalibrationSession, item: ReviewItem | None = None) -> list[ReviewGrade]:
    query = select(ReviewGrade).where(ReviewGrade.calibration_id == session.id)
    if item is not None:
        query = query.where(ReviewGrade.item_id == item.id)
    return list(db.session.scalars(query.order_by(ReviewGrade.created_at)))


def grade_of(session: CalibrationSession, item: ReviewItem, user: User) -> ReviewGrade | None:
    return next((g for g in grades_in(session, item) if g.grader_id == user.id), None)


def visible_grades(session: CalibrationSession, item: ReviewItem, viewer: User) -> list[ReviewGrade]:
    """Blind grading: a grader sees the others' grades only once their own is in."""
    grades = grades_in(session, item)
    if is_grader(viewer, session) and not any(g.grader_id == viewer.id for g in grades):
        return []
    return grades


def submit(session: CalibrationSession, item: ReviewItem, grader: User, data: GradeInput) -> ReviewGrade:
    if not is_grader(grader, session):
        raise ServiceError("calibration.not_invited", 403)
    if utcnow() > session.deadline:
        raise ServiceError("calibration.closed", 409)
    if item.id not in {i.item_id for i in session.items}:
        raise ServiceError("calibration.not_in_session", 404)
    if grade_of(session, item, grader) is not None:
        raise ServiceError("calibration.twice", 409)
    return grade_item(item, grader, data, calibration_id=session.id)


# --- results -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Deviation:
    grader: User
    units: int
    points: float | None  # mean signed difference from the expert, on the 1–5 scale
    percent: float | None  # the same as a share of the scale's span
    flagged: bool


@dataclass(frozen=True)
class Section:
    """Results over one indicator (or over all of them: `indicator` is None)."""

    indicator: str | None
    items: int
    graders: int
    spread: float | None  # mean over units of (highest − lowest rating)
    sd: float | None  # mean over units of the ratings' standard deviation
    deviations: tuple[Deviation, ...]
    stats: agreement.Agreement | None


def _ratings(grades: Iterable[ReviewGrade], indicator: str | None) -> dict[tuple[int, str], dict[int, int]]:
    units: dict[tuple[int, str], dict[int, int]] = {}
    for grade in grades:
        for ind, rating in grade.ratings.items():
            if rating is not None and (indicator is None or ind == indicator):
                units.setdefault((grade.item_id, ind), {})[grade.grader_id] = int(rating)
    return units


def _section(indicator: str | None, units: dict[tuple[int, str], dict[int, int]], session: CalibrationSession,
             users: dict[int, User]) -> Section:
    rated = [u for u in units.values() if len(u) >= 2]
    deviations = []
    if session.expert_id is not None:
        for grader_id, user in users.items():
            if grader_id == session.expert_id:
                continue
            diffs = [u[grader_id] - u[session.expert_id] for u in units.values()
                     if grader_id in u and session.expert_id in u]
            points = mean(diffs) if diffs else None
            percent = None if points is None else 100 * points / SCALE_SPAN
            deviations.append(Deviation(user, len(diffs), points, percent,
                                        percent is not None and abs(percent) > session.tolerance))
    try:
        stats = agreement.summarise(units) if units else None
    except ValueError:
        stats = None
    return Section(
        indicator=indicator, items=len({key[0] for key in units}),
        graders=len({g for u in units.values() for g in u}),
        spread=mean(max(u.values()) - min(u.values()) for u in rated) if rated else None,
        sd=mean(pstdev(u.values()) for u in rated) if rated else None,
        deviations=tuple(deviations), stats=stats,
    )


def results(session: CalibrationSession) -> list[Section]:
    """Overall first, then one section per indicator that somebody rated."""
    grades = grades_in(session)
    users = {g.user_id: g.user for g in session.graders}
    indicators = sorted({ind for g in grades for ind, r in g.ratings.items() if r is not None})
    sections = [_section(None, _ratings(grades, None), session, users)]
    sections += [_section(ind, _ratings(grades, ind), session, users) for ind in indicators]
    return sections
