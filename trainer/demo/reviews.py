"""Demo human judgement, made through the real review services: a supervisor grades the queue (one hit
judged wrong, one score overridden with a reason), a trainee acknowledges one grade and disputes another,
HR decides the dispute, three graders calibrate on the same transcripts, and a violation is recorded."""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import select

from ..accounts.models import Team, User
from ..extensions import db
from ..messages import ServiceError
from ..review import calibration, disputes, grading, violations
from ..review.grading import GradeInput
from ..review.models import ReviewItem
from ..timeutil import utcnow

COMMENTS = ("开头的致歉很及时，记得复述客户的诉求。", "方案要说清谁、什么时候上门。", "语气平稳，继续保持。")
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
                                   .order_by(ReviewItem.created_at).limit(limit)))


def reviews(lead: User, other_lead: User, hr: User, team: Team | None, rng: random.Random) -> None:
    if team is None:
        return
    items = _team_items(team, 5)
    for n, item in enumerate(items[:3]):
        hits = grading.item_hits(item)
        verdicts = ((hits[0].n, "wrong", WRONG_HIT_NOTES[hits[0].kind]),) if n == 0 and hits else ()
        lowered = round(max(0.0, (item.auto_score or 60) - 15), 1) if n == 1 else None
        grading.grade_item(item, lead, GradeInput(
            ratings=_ratings(item, rng), comment=COMMENTS[n], override_score=lowered,
            override_reason=OVERRIDE_REASON if lowered is not None else "", verdicts=verdicts))
    graded = [db.session.get(ReviewItem, i.id) for i in items[:3]]
    if graded:
        disputes.acknowledge(graded[-1], graded[-1].agent)
    if len(graded) > 1:
        try:
            dispute = disputes.open_dispute(graded[1], graded[1].agent, comment=DISPUTE,
                                            proposed={graded[1].indicators[0]: 4})
            deciders = disputes.deciders(dispute)
            if deciders:
                disputes.decide(dispute, deciders[0], decision="partial", reason=DECISION,
                                ratings={graded[1].indicators[0]: 3})
        except ServiceError:
            pass
    pool = items[3:5] or items[:2]
    if len(pool) >= 1:
        session = calibration.open_session(hr, title="月度评分校准（演示）", items=pool, graders=[lead, other_lead, hr],
                                           deadline=utcnow() + timedelta(days=7), expert=hr, tolerance=10.0)
        for grader, bias in ((hr, 0), (lead, 0), (other_lead, -1)):
            for item in pool:
                calibration.submit(session, item, grader, GradeInput(ratings=_ratings(item, random.Random(item.id),
                                                                                    bias)))
    members = [m for m in team.members if m.role == "trainee"]
    categories = violations.categories()
    if members and categories:
        violations.record_violation(lead, members[-1], category_id=categories[0].id,
                                    occurred_on=(utcnow() - timedelta(days=12)).date(), note=VIOLATION_NOTE)
