"""随机抽查: a supervisor draws a random trainee of the team and a random question, asks it face to face
and records the verdict, which becomes evidence recorded by that supervisor."""

from __future__ import annotations

import random
import secrets

from sqlalchemy import select

from ..accounts import services as accounts
from ..accounts.models import Team, User
from ..assessment.models import BankQuestion
from ..competency import services as competency
from ..extensions import db
from ..messages import ServiceError
from ..timeutil import utcnow
from . import audit
from .models import SpotCheck

VERDICT_VALUES = {"correct": 100.0, "partial": 50.0, "wrong": 0.0}


def draw(supervisor: User, team: Team, rng: random.Random | None = None) -> SpotCheck:
    """A random trainee of the team and a random question for a one-to-one check.

    `rng` is for the demo, whose history must come out the same on every build (a draw that fell on a
    senior trainee with a "partial" verdict once cost her a promotion rule); a supervisor's draw is never
    predictable.
    """
    if supervisor.role != "hr" and team not in supervisor.led_teams:
        raise ServiceError("exam.team_required", 403)
    members = sorted((m for m in team.members if m.role == "trainee" and m.active), key=lambda m: m.id)
    questions = list(db.session.scalars(select(BankQuestion.id).where(BankQuestion.retired.is_(False))))
    if not members or not questions:
        raise ServiceError("spot.nothing_to_draw", 409)
    rng = rng or random.Random(secrets.randbits(64))
    check = SpotCheck(supervisor_id=supervisor.id, agent_id=rng.choice(members).id,
                      question_id=rng.choice(sorted(questions)))
    db.session.add(check)
    db.session.commit()
    return check


def record(check: SpotCheck, *, by: User, verdict: str, note: str) -> None:
    if check.verdict is not None:
        raise ServiceError("spot.already", 409)
    check.verdict, check.note, check.recorded_at = verdict, note.strip()[:500], utcnow()
    question = check.question.question()
    for indicator in question.indicators:
        competency.record_evidence(agent=check.agent, indicator_id=indicator, value=VERDICT_VALUES[verdict],
                                   source_kind="supervisor", source_id=f"spot-{check.id}", recorded_by=by,
                                   note=f"随机抽查: {note.strip()[:200]}", commit=False)
    audit.record(actor=by, action="spot_check", agent_id=check.agent_id, target=f"spot:{check.id}",
                 after={"question": check.question_id, "verdict": verdict}, reason=check.note)
    db.session.commit()


def recent(viewer: User, limit: int = 20) -> list[SpotCheck]:
    agents = [u.id for u in accounts.visible_agents(viewer)]
    if not agents:
        return []
    return list(db.session.scalars(select(SpotCheck).where(SpotCheck.agent_id.in_(agents))
                                   .order_by(SpotCheck.created_at.desc()).limit(limit)))
