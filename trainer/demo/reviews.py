"""Demo human judgement, made through the real review services and dated like the rest of the history:
supervisors grade items a day or so after the work was done (one hit judged wrong, one score overridden
with a reason), a trainee acknowledges one grade and disputes another, HR decides the dispute, three
graders calibrate on the same transcripts, and a violation is recorded."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import select

from ..accounts.models import Team, User
from ..extensions import db
from ..messages import ServiceError
from ..review import calibration, disputes, grading, violations
from ..review.grading import GradeInput
from ..review.models import ReviewItem
from ..timeutil import utcnow
from .activity import dated

COMMENTS = ("开头的致歉很及时，记得复述客户的诉求。", "方案要说清谁、什么时候上门。", "语气平稳，继续保持。",
            "先安抚再解释，顺序对了，客户的火气就下来了。")
WRONG_HIT_NOTES = {"banned": "这是在复述客户的话，不算忌语", "group_found": "只是顺口一说，算不上礼貌用语",
                   "group_missing": "其实说了，只是换了一种说法", "point_missing": "换了说法，要点其实答到了",
                   "point_covered": "只提到了词，并没有真正回答"}
OVERRIDE_REASON = "客户问的时间没有正面回答"
DISPUTE = "我在第二句已经说了师傅半小时内到，扣分太多。"
DECISION = "时间确实说了，但没有确认业主是否在家。"
VIOLATION_NOTE = "早班未到岗，未请假"


def _ratings(item: ReviewItem, rng: random.Random, bias: int = 0) -> dict[str, int | None]:
    """What a supervisor would give: near the machine's score, a little sharper at the ends."""
    base = (item.auto_score or 60) / 20
    return {ind: max(1, min(5, round(base + bias + rng.choice((-0.6, -0.2, 0, 0.3))))) for ind in item.indicators}


def _team_items(team: Team, limit: int) -> list[ReviewItem]:
    ids = [m.id for m in team.members]
    return list(db.session.scalars(select(ReviewItem).where(ReviewItem.agent_id.in_(ids), ReviewItem.queued.is_(True),
                                                            ReviewItem.grade_id.is_(None))
                                   .order_by(ReviewItem.created_at, ReviewItem.id).limit(limit)))


def _later(at: datetime, now: datetime, rng: random.Random, low: float = 0.5, high: float = 2.5) -> datetime:
    """A moment `low`–`high` days after `at` (a supervisor's usual delay), never in the future."""
    return min(at + timedelta(hours=rng.uniform(low * 24, high * 24)), now - timedelta(minutes=rng.randint(5, 60)))


def _grade(item: ReviewItem, grader: User, at: datetime, data: GradeInput) -> ReviewItem:
    with dated(at):
        grading.grade_item(item, grader, data)
    graded = db.session.get(ReviewItem, item.id)
    assert graded is not None  # just graded, never deleted
    return graded


def reviews(lead: User, other_lead: User, hr: User, team: Team | None, now: datetime, rng: random.Random,
            other_team: Team | None = None) -> None:
    """The oldest items of `team` graded by its lead (and two of `other_team` by theirs), a dispute, calibration."""
    if team is None:
        return
    items = _team_items(team, 5)
    graded = []
    for n, item in enumerate(items[:3]):
        hits = grading.item_hits(item)
        verdicts = ((hits[0].n, "wrong", WRONG_HIT_NOTES[hits[0].kind]),) if n == 0 and hits else ()
        lowered = round(max(0.0, (item.auto_score or 60) - 15), 1) if n == 1 else None
        graded.append(_grade(item, lead, _later(item.created_at, now, rng), GradeInput(
            ratings=_ratings(item, rng), comment=COMMENTS[n], override_score=lowered,
            override_reason=OVERRIDE_REASON if lowered is not None else "", verdicts=verdicts)))
    if graded:
        last = graded[-1]
        assert last.graded_at is not None  # graded above
        with dated(_later(last.graded_at, now, rng, 0.1, 1.0)):
            disputes.acknowledge(last, last.agent)
    if len(graded) > 1:
        _dispute(graded[1], now, rng)
    if other_team is not None:
        for item in _team_items(other_team, 2):
            _grade(item, other_lead, _later(item.created_at, now, rng), GradeInput(
                ratings=_ratings(item, rng), comment=COMMENTS[3]))
    pool = items[3:5] or items[:2]
    if pool:
        with dated(now - timedelta(days=3, hours=rng.randint(0, 6))):
            session = calibration.open_session(hr, title="月度评分校准（演示）", items=pool,
                                               graders=[lead, other_lead, hr], deadline=utcnow() + timedelta(days=7),
                                               expert=hr, tolerance=10.0)
        for day, (grader, bias) in enumerate(((hr, 0), (lead, 0), (other_lead, -1))):
            with dated(now - timedelta(days=2 - day, hours=rng.randint(2, 8))):
                for item in pool:
                    calibration.submit(session, item, grader,
                                       GradeInput(ratings=_ratings(item, random.Random(item.id), bias)))
    members = [m for m in team.members if m.role == "trainee"]
    categories = violations.categories()
    if members and categories:
        occurred = now - timedelta(days=12)
        with dated(occurred.replace(hour=1) + timedelta(days=1)):  # written down the next morning
            violations.record_violation(lead, members[-1], category_id=categories[0].id,
                                        occurred_on=occurred.date(), note=VIOLATION_NOTE)


def _dispute(item: ReviewItem, now: datetime, rng: random.Random) -> None:
    """The trainee disputes the lowered score the next day; the decider (HR, as the grader is the team's only
    supervisor) answers a day later."""
    assert item.graded_at is not None  # the demo disputes a graded item
    try:
        with dated(_later(item.graded_at, now, rng, 0.3, 1.0)):
            dispute = disputes.open_dispute(item, item.agent, comment=DISPUTE, proposed={item.indicators[0]: 4})
        deciders = disputes.deciders(dispute)
        if deciders:
            with dated(_later(dispute.created_at, now, rng, 0.5, 1.5)):
                disputes.decide(dispute, deciders[0], decision="partial", reason=DECISION,
                                ratings={item.indicators[0]: 3})
    except ServiceError:
        db.session.rollback()
