"""一对一演练: a supervisor plays the customer live, a trainee of their team answers from their own browser.

The rules:

- **Who.** A supervisor opens a drill with a trainee of a team they lead (HR with any trainee); only the
  person who opened it speaks as the customer and ends it. The trainee answers; another supervisor of
  the team and HR may read along; admins see no one's results. A supervisor has at most one open
  drill with a trainee: opening a second one sends them back to the open one.
- **Turns alternate strictly.** The customer speaks first; the trainee may reply only to a customer
  line that has no reply yet, and the customer's next line waits for that reply. So at any moment
  only one side may write, and a reply always answers the line above it.
- **Exactly once.** Each post carries `after`, the number of turns its page showed: when the drill
  has moved on since, the post is a retry or a double click and is refused (409) with nothing stored.
  Every write first locks the drill's row (and finds it still open), then takes the next position,
  which the unique (session, position) constraint guarantees to nobody else.
- **Scoring.** Each reply is graded by scoring/grade.py on what a drill can judge — phrases, form,
  repetition of an earlier reply (an improvised customer gives no key points or goal to judge more);
  the report is stored with the reply (personal data masked, same length, so the report's spans still
  fit) together with what it says
  about each indicator (`evidence_values`). Customer lines are masked too: supervisors often retell
  real calls.
- **Finishing.** Allowed once the trainee has replied at least once. The drill's score is the mean of
  the reply scores (one decimal); each indicator's evidence is the mean of its values over the replies
  that measured it; the drill is queued for grading (flags: a critical phrase in any reply; a score
  under the pass line).
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from ..accounts import services as accounts
from ..accounts.models import User
from ..competency import services as competency
from ..extensions import db, rows_matched
from ..messages import ServiceError
from ..practice import services as practice
from ..rules import services as phrase_rules
from ..scoring import RuleSet
from ..scoring.grade import Situation, grade_reply
from ..scoring.privacy import mask
from ..timeutil import utcnow
from . import hits, queue
from .models import DrillSession, DrillTurn, ReviewItem

logger = logging.getLogger(__name__)

TITLE_LIMIT = 200
STAFF = ("supervisor", "hr")


def can_open(viewer: User, agent: User | None) -> bool:
    return (viewer.role in STAFF and agent is not None and agent.active
            and accounts.can_view_agent(viewer, agent))


def can_view(viewer: User, session: DrillSession) -> bool:
    """The trainee, the supervisors of the trainee's team (the one who opened it among them) and HR."""
    return session.agent_id == viewer.id or accounts.can_view_agent(viewer, session.agent)


def _script_of(script: str, rules: RuleSet) -> str:
    return script if script in rules.scripts else "any"


def open_drill(supervisor: User, agent: User | None, *, title: str, script: str) -> DrillSession:
    """Start a drill. An open one between the same two people is refused (409) with its id as `drill_id`."""
    if supervisor.role not in STAFF:
        raise ServiceError("drill.not_staff", 403)
    if agent is None or not can_open(supervisor, agent):  # (can_open refuses no agent too)
        raise ServiceError("drill.not_your_team", 403)
    title = (title or "").strip() if isinstance(title, str) else ""
    if not title or len(title) > TITLE_LIMIT:
        raise ServiceError("drill.title_required", limit=TITLE_LIMIT)
    rules = phrase_rules.rules_in_force()
    if not isinstance(script, str) or script not in rules.scripts:
        raise ServiceError("drill.unknown_script")
    existing = db.session.scalar(select(DrillSession).where(
        DrillSession.supervisor_id == supervisor.id, DrillSession.agent_id == agent.id,
        DrillSession.status == "open"))
    if existing is not None:
        raise ServiceError("drill.already_open", 409, name=agent.display_name, drill_id=existing.id)
    session = DrillSession(supervisor_id=supervisor.id, agent_id=agent.id, title=title, script=script,
                           status="open", created_at=utcnow())
    db.session.add(session)
    db.session.commit()
    logger.info("Drill %s opened by %s with %s", session.id, supervisor.username, agent.username)
    return session


def _checked_text(text: object, rules: RuleSet) -> str:
    if not isinstance(text, str) or not text.strip():
        raise ServiceError("drill.empty")
    if len(text) > rules.scoring.max_chars:
        raise ServiceError("drill.too_long", 413, limit=rules.scoring.max_chars)
    return text


def _lock_open(session: DrillSession) -> None:
    """Lock the drill's row until commit, provided it is still open (a no-op update takes the lock)."""
    locked = rows_matched(
        update(DrillSession).where(DrillSession.id == session.id, DrillSession.status == "open")
        .values(status="open")
    )
    if locked != 1:
        db.session.rollback()
        raise ServiceError("drill.finished", 409)


def _turns(session_id: int, after: int = 0) -> list[DrillTurn]:
    return list(db.session.scalars(select(DrillTurn).where(DrillTurn.session_id == session_id,
                                                           DrillTurn.position >= after)
                                   .order_by(DrillTurn.position)))


def _append(session: DrillSession, role: str, text: str, after: int | None, report: dict | None = None,
            turn_score: float | None = None) -> DrillTurn:
    _lock_open(session)
    last = db.session.scalar(select(DrillTurn).where(DrillTurn.session_id == session.id)
                             .order_by(DrillTurn.position.desc()).limit(1))
    taken = 0 if last is None else last.position + 1
    refusal = None
    if after is not None and after != taken:
        refusal = ServiceError("drill.stale", 409, seen=after, taken=taken)
    elif role == "trainee" and (last is None or last.role != "customer"):
        refusal = ServiceError("drill.wait_customer", 409)
    elif role == "customer" and last is not None and last.role == "customer":
        refusal = ServiceError("drill.wait_trainee", 409)
    if refusal is not None:
        db.session.rollback()
        raise refusal
    turn = DrillTurn(session_id=session.id, position=taken, role=role, text=mask(text), report=report,
                     turn_score=turn_score, at=utcnow())
    db.session.add(turn)
    try:
        db.session.commit()
    except IntegrityError:  # the position was taken after all (a database without row locks): nothing stored
        db.session.rollback()
        raise ServiceError("drill.busy", 409) from None
    return turn


def say(session: DrillSession, supervisor: User, text: object, after: int | None = None) -> DrillTurn:
    """The customer's next line, typed by the supervisor who opened the drill."""
    if session.status != "open":
        raise ServiceError("drill.finished", 409)
    if supervisor.id != session.supervisor_id:
        raise ServiceError("drill.not_customer", 403)
    checked = _checked_text(text, phrase_rules.rules_in_force())
    return _append(session, "customer", checked, after)


def reply(session: DrillSession, agent: User, text: object, after: int | None = None) -> DrillTurn:
    """The trainee's answer to the customer's last line: scored, stored masked, with its evidence values."""
    if session.status != "open":
        raise ServiceError("drill.finished", 409)
    if agent.id != session.agent_id:
        raise ServiceError("drill.not_trainee", 403)
    rules = phrase_rules.rules_in_force()
    checked = _checked_text(text, rules)
    # A drill has no key points or goal to judge relevance by (the supervisor improvises the customer):
    # the reply is graded on its phrases and its form, and a repeat of an earlier reply earns nothing.
    earlier = tuple(t.text for t in session.turns if t.role == "trainee")
    graded = grade_reply(checked, _script_of(session.script, rules), rules, Situation(earlier=earlier))
    data = graded.to_dict()
    data["evidence"] = {v.indicator: v.value for v in practice.evidence_values(graded.report, rules, graded.grade)}
    return _append(session, "trainee", checked, after, data, graded.grade)


def is_repeat(session: DrillSession, user: User, text: object) -> bool:
    """Is `text` what `user` just said in this drill (a double click or a resent form)?"""
    role = "customer" if user.id == session.supervisor_id else "trainee"
    last = next((t for t in reversed(_turns(session.id)) if t.role == role), None)
    return last is not None and isinstance(text, str) and last.text == mask(text)


def indicator_values(replies: list[DrillTurn], rules: RuleSet, script: str) -> dict[str, float]:
    """Per indicator, the mean of the values of the replies that measured it (script order first)."""
    collected: dict[str, list[float]] = {}
    for turn in replies:
        values = (turn.report or {}).get("evidence")
        if not isinstance(values, dict):  # a report stored without them: the reply's score for the script
            values = {i: turn.turn_score or 0.0 for i in rules.script(_script_of(script, rules)).indicators}
        for indicator, value in values.items():
            collected.setdefault(indicator, []).append(float(value))
    return {k: round(sum(v) / len(v), 1) for k, v in collected.items()}


def finish(session: DrillSession, supervisor: User) -> ReviewItem:
    """End the drill: its score, automatic evidence per indicator, and the item in the review queue."""
    if supervisor.id != session.supervisor_id:
        raise ServiceError("drill.not_customer", 403)
    if session.status != "open":
        raise ServiceError("drill.finished", 409)
    rules = phrase_rules.rules_in_force()
    now = utcnow()
    claimed = rows_matched(
        update(DrillSession).where(DrillSession.id == session.id, DrillSession.status == "open")
        .values(status="finished", finished_at=now)
    )
    if claimed != 1:
        db.session.rollback()
        raise ServiceError("drill.finished", 409)
    turns = _turns(session.id)  # read after the claim: every turn committed before it, none after
    replies = [t for t in turns if t.role == "trainee"]
    if not replies:
        db.session.rollback()
        raise ServiceError("drill.no_reply", 409)
    session.score = round(sum(t.turn_score or 0.0 for t in replies) / len(replies), 1)
    script_name = rules.script(_script_of(session.script, rules)).name
    values = indicator_values(replies, rules, session.script)
    for indicator, value in values.items():
        competency.record_evidence(agent=session.agent, indicator_id=indicator, value=value, source_kind="drill",
                                   source_id=str(session.id), note=f"{session.title} · {script_name}", at=now,
                                   commit=False)
    flags = hits.flags_of([hits.Turn(t.position, t.role, t.text, t.report, t.turn_score) for t in turns],
                          passed=session.score >= rules.scoring.pass_line)
    item = queue.enqueue(kind="drill", source_id=session.id, agent=session.agent, title=session.title,
                         context=session.script, auto_score=session.score, flags=flags, indicators=list(values),
                         at=now)
    db.session.commit()
    logger.info("Drill %s finished by %s: %s over %d replies", session.id, supervisor.username, session.score,
                len(replies))
    return item


def next_speaker(session: DrillSession, turns: list[DrillTurn] | None = None) -> str | None:
    """"customer", "trainee", or None once finished."""
    if session.status != "open":
        return None
    turns = session.turns if turns is None else turns
    return "trainee" if turns and turns[-1].role == "customer" else "customer"


def item_of(session: DrillSession) -> ReviewItem | None:
    return db.session.scalar(select(ReviewItem).where(ReviewItem.kind == "drill",
                                                      ReviewItem.source_id == str(session.id)))


def _iso(at: datetime) -> str:
    return at.isoformat() + "Z"


def state(session: DrillSession, after: int = 0) -> dict:
    """What a polling page needs: the turns from position `after` on, how many there are, whose turn it is."""
    turns = _turns(session.id)
    after = max(0, min(int(after), len(turns)))
    return {
        "drill": session.id,
        "status": session.status,
        "score": session.score,
        "count": len(turns),
        "next": next_speaker(session, turns),
        "turns": [
            {"position": t.position, "role": t.role, "text": t.text, "at": _iso(t.at),
             **({"score": t.turn_score, "report": t.report} if t.role == "trainee" else {})}
            for t in turns[after:]
        ],
    }


def drills_for(user: User, limit: int = 100) -> list[DrillSession]:
    """A trainee's own drills; a supervisor's teams' drills; HR's everyone's. Open ones first, newest first."""
    query = select(DrillSession).options(selectinload(DrillSession.agent), selectinload(DrillSession.supervisor))
    if user.role == "trainee":
        query = query.where(DrillSession.agent_id == user.id)
    else:
        agents = accounts.visible_agents_query(user).with_only_columns(User.id)
        query = query.where(DrillSession.agent_id.in_(agents.scalar_subquery()))
    return list(db.session.scalars(query.order_by((DrillSession.status == "open").desc(),
                                                  DrillSession.created_at.desc(), DrillSession.id.desc())
                                   .limit(limit)))


def openable_agents(viewer: User) -> list[User]:
    """The trainees `viewer` may open a drill with."""
    return [a for a in accounts.visible_agents(viewer) if a.active] if viewer.role in STAFF else []
