"""Role-play rules: starting a conversation, taking a turn (exactly once, even from two tabs), finishing it
with evidence per stage, and who may see a transcript."""

from __future__ import annotations

import secrets
from dataclasses import asdict
from datetime import timedelta

from sqlalchemy import select, update

from ..accounts import services as accounts
from ..accounts.models import User
from ..competency import services as competency
from ..content.scenarios import Scenario, scenario_from_dict
from ..extensions import db, rows_matched
from ..review import hits, queue
from ..rules import services as phrase_rules
from ..scoring.privacy import mask
from ..timeutil import utcnow
from . import engine
from .models import RoleplaySession, RoleplayTurn, ScenarioRecord


class RoleplayError(Exception):
    """A rule was broken; `key` names the message in trainer.messages, `status` the HTTP status for the API."""

    def __init__(self, key: str, status: int = 400, **values: object):
        super().__init__(key)
        self.key, self.status, self.values = key, status, values


def scenarios() -> list[ScenarioRecord]:
    return list(db.session.scalars(select(ScenarioRecord).where(ScenarioRecord.retired.is_(False))
                                   .order_by(ScenarioRecord.domain, ScenarioRecord.id)))


def get_scenario(scenario_id: str) -> ScenarioRecord | None:
    return db.session.get(ScenarioRecord, scenario_id)


def scenario_of(session: RoleplaySession) -> Scenario:
    return scenario_from_dict(session.scenario_data)


#: a second start of the same scenario this soon after the first, before any reply, is the first start sent
#: again (a double click, a form re-sent, an API client retrying): it gets the conversation already started,
#: so a trainee's history and the team's counts hold one attempt, not two
REPEATED_START = timedelta(seconds=60)


def start(user: User, scenario_id: str) -> RoleplaySession:
    """A new conversation with the scenario's customer, or the one just started when this is its repeat."""
    record = get_scenario(scenario_id) if isinstance(scenario_id, str) else None
    if record is None or record.retired:
        raise RoleplayError("roleplay.unknown_scenario", 404)
    now = utcnow()
    # one start at a time per trainee (PostgreSQL locks the row; SQLite has a single writer anyway)
    db.session.execute(select(User.id).where(User.id == user.id).with_for_update())
    repeated = db.session.scalars(
        select(RoleplaySession).where(
            RoleplaySession.user_id == user.id, RoleplaySession.scenario_id == record.id,
            RoleplaySession.status == "in_progress", RoleplaySession.turns_taken == 0,
            RoleplaySession.started_at >= now - REPEATED_START,
        ).order_by(RoleplaySession.id.desc()).limit(1)
    ).first()
    if repeated is not None:
        db.session.commit()  # ends the transaction that holds the lock
        return repeated
    scenario = scenario_from_dict(record.data)
    state = engine.start(scenario)
    session = RoleplaySession(user_id=user.id, scenario_id=record.id, scenario_data=asdict(scenario),
                              seed=secrets.token_hex(8), stage=state.stage, emotion=state.emotion, started_at=now,
                              last_customer_at=now)
    session.turns.append(RoleplayTurn(position=0, role="customer", text=scenario.opening, stage=state.stage,
                                      emotion=state.emotion, at=now))
    db.session.add(session)
    db.session.commit()
    return session


def can_view(viewer: User, session: RoleplaySession) -> bool:
    return session.user_id == viewer.id or accounts.can_view_agent(viewer, session.user)


def take_turn(session: RoleplaySession, user: User, text: object,
              after: int | None = None) -> tuple[RoleplayTurn, RoleplayTurn]:
    """Score the reply, let the customer react, store both turns. Returns (trainee turn, customer turn).

    `after` is how many replies the client had seen when it sent this one. When it is given and the
    session has moved on since, the reply is a retry or a double click: refused (409), nothing stored.
    """
    if session.user_id != user.id:
        raise RoleplayError("roleplay.not_yours", 403)
    taken = session.turns_taken
    # A resend of the reply that ended the session is stale too: the client learns its reply was stored.
    if after is not None and after != taken:
        raise RoleplayError("roleplay.stale", 409, seen=after, taken=taken)
    if session.status != "in_progress":
        raise RoleplayError("roleplay.finished", 409)
    if not isinstance(text, str) or not text.strip():
        raise RoleplayError("roleplay.empty")
    rules = phrase_rules.rules_in_force()
    if len(text) > rules.scoring.max_chars:
        raise RoleplayError("roleplay.too_long", 413, limit=rules.scoring.max_chars)
    # Claim this turn number: of two replies posted at once exactly one wins, the other changes nothing.
    claimed = rows_matched(
        update(RoleplaySession).where(RoleplaySession.id == session.id, RoleplaySession.turns_taken == taken,
                                      RoleplaySession.status == "in_progress")
        .values(turns_taken=taken + 1)
    )
    if claimed != 1:
        db.session.rollback()
        raise RoleplayError("roleplay.busy", 409)
    now = utcnow()
    scenario = scenario_of(session)
    state = engine.State(stage=session.stage, emotion=session.emotion, turns=taken, covered=_covered_in_stage(session))
    seconds = (now - session.last_customer_at).total_seconds()
    earlier = tuple(t.text for t in session.turns if t.role == "trainee")
    customer = next((t.text for t in reversed(session.turns) if t.role == "customer"), scenario.opening)
    turn = engine.play(scenario, state, text, seconds, rules, session.seed, earlier=earlier, customer=customer)
    report = turn.grade.to_dict()
    report["key_points"] = [{"id": p.id, "label": p.label, "covered": p.covered, "matched": p.matched,
                             "start": p.start, "end": p.end, "earlier": p.covered and p.start < 0, "reason": p.reason}
                            for p in turn.points]
    report["slow"] = turn.slow
    position = len(session.turns)
    mine = RoleplayTurn(position=position, role="trainee", text=mask(text), stage=turn.stage,
                        emotion=turn.emotion_before, report=report, seconds=turn.seconds, turn_score=turn.turn_score,
                        at=now)
    theirs = RoleplayTurn(position=position + 1, role="customer", text=turn.customer, stage=turn.state.stage,
                          emotion=turn.state.emotion, at=now)
    session.turns.extend([mine, theirs])
    session.stage, session.emotion, session.last_customer_at = turn.state.stage, turn.state.emotion, now
    if turn.state.finished:
        assert turn.state.outcome is not None  # a finished conversation has its outcome
        _finish(session, scenario, turn.state.outcome)
    db.session.commit()
    return mine, theirs


def is_repeat_of_last_reply(session: RoleplaySession, text: object) -> bool:
    """Is `text` the reply the trainee just sent (a double click), rather than a new one?"""
    last = next((t for t in reversed(session.turns) if t.role == "trainee"), None)
    return last is not None and isinstance(text, str) and last.text == mask(text)


def _covered_in_stage(session: RoleplaySession) -> frozenset[str]:
    """Key points covered by the trainee's replies since the conversation last entered its current stage."""
    covered: set[str] = set()
    for turn in reversed(session.turns):
        if turn.role != "trainee":
            continue
        if turn.stage != session.stage:
            break
        covered |= {k["id"] for k in (turn.report or {}).get("key_points", ()) if k["covered"]}
    return frozenset(covered)


def _turn_score(turn: RoleplayTurn) -> float:
    """The score of a trainee's turn (every trainee turn is scored when it is played)."""
    assert turn.turn_score is not None
    return turn.turn_score


def _finish(session: RoleplaySession, scenario: Scenario, outcome: str) -> None:
    trainee_turns = [t for t in session.turns if t.role == "trainee"]
    session.status, session.outcome, session.finished_at = "finished", outcome, utcnow()
    session.score = engine.overall_score([_turn_score(t) for t in trainee_turns], outcome)
    for stage_id, value in engine.stage_scores([(t.stage, _turn_score(t)) for t in trainee_turns]).items():
        stage = scenario.stage(stage_id)
        for indicator in stage.indicators:
            competency.record_evidence(agent=session.user, indicator_id=indicator, value=value,
                                       source_kind="roleplay", source_id=str(session.id),
                                       note=f"{scenario.title} · {stage.name}", commit=False)
    for indicator in scenario.indicators:
        competency.record_evidence(agent=session.user, indicator_id=indicator, value=session.score,
                                   source_kind="roleplay", source_id=str(session.id),
                                   note=f"{scenario.title} · 整体", commit=False)
    turns = [hits.Turn(t.position, t.role, t.text, t.report) for t in session.turns]
    pass_line = phrase_rules.rules_in_force().scoring.pass_line
    indicators = [i for stage in scenario.stages for i in stage.indicators] + list(scenario.indicators)
    queue.enqueue(kind="roleplay", source_id=session.id, agent=session.user, title=scenario.title,
                  context=scenario.id, auto_score=session.score, indicators=indicators,
                  flags=hits.flags_of(turns, passed=outcome == "resolved" and session.score >= pass_line,
                                      outcome=outcome),
                  rubric=scenario.rubric, at=session.finished_at)


def sessions_of(user: User) -> list[RoleplaySession]:
    return list(db.session.scalars(select(RoleplaySession).where(RoleplaySession.user_id == user.id)
                                   .order_by(RoleplaySession.started_at.desc())))


def sessions_visible_to(viewer: User, limit: int = 50) -> list[RoleplaySession]:
    agent_ids = [u.id for u in accounts.visible_agents(viewer)]
    if not agent_ids:
        return []
    return list(db.session.scalars(select(RoleplaySession).where(RoleplaySession.user_id.in_(agent_ids))
                                   .order_by(RoleplaySession.started_at.desc()).limit(limit)))


def remaining_seconds(session: RoleplaySession) -> int:
    limit = session.scenario_data["turn_seconds"]
    return max(0, int(limit - (utcnow() - session.last_customer_at).total_seconds()))


def session_json(session: RoleplaySession) -> dict:
    """The API's view of a session (GET /api/v1/roleplay/sessions/<id>)."""
    return {
        "session": session.id,
        "scenario": session.scenario_id,
        "status": session.status,
        "outcome": session.outcome,
        "stage": session.stage,
        "emotion": session.emotion,
        "score": session.score,
        "turns": [
            {"role": t.role, "text": t.text, "emotion": t.emotion, "stage": t.stage,
             **({"report": t.report, "seconds": t.seconds, "turn_score": t.turn_score} if t.role == "trainee" else {}),
             "at": t.at.isoformat() + "Z"}
            for t in session.turns
        ],
    }
