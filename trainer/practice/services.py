"""Practice rules: grading a trainee's reply, keeping it, and what it is evidence of."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from ..accounts.models import User
from ..competency import services as competency
from ..extensions import db
from ..rules import services as phrase_rules
from ..scoring import KeyPoint, RuleSet, ScoreReport
from ..scoring.facts import Facts
from ..scoring.grade import Situation, grade_reply
from ..scoring.privacy import mask
from ..timeutil import utcnow
from .models import PracticeAttempt


@dataclass(frozen=True)
class EvidenceValue:
    indicator: str
    value: float


def evidence_values(report: ScoreReport, rules: RuleSet, value: float | None = None) -> list[EvidenceValue]:
    """What a scored reply says about the agent.

    The reply's score counts for each indicator of its script type; each banned phrase also counts
    against the indicator it belongs to (100 minus the penalties of that indicator's phrases), so
    "烦死人了" shows up under 自我管理能力 even in a reply scored for 人际沟通能力.
    """
    overall = report.score if value is None else value
    values = {indicator: overall for indicator in rules.script(report.script).indicators}
    penalties: dict[str, float] = defaultdict(float)
    for hit in report.banned:
        if hit.indicator:
            penalties[hit.indicator] += rules.scoring.severity_penalty[hit.severity]
    for indicator, penalty in penalties.items():
        values[indicator] = min(values.get(indicator, 100.0), max(0.0, 100.0 - penalty))
    return [EvidenceValue(k, v) for k, v in values.items()]


def practise(
    user: User, *, script: str, text: str, prompt: str = "", context: str = "", at: datetime | None = None,
    key_points: tuple[KeyPoint, ...] = (), rubric: str | None = None, title: str | None = None,
    facts: Facts | None = None, model_answer: str = "", record: bool = True, domain: str | None = None,
    channel: str = "default",
) -> PracticeAttempt:
    """Grade a reply, keep it (personal data masked) and record it as evidence for the trainee.

    With key points (a course's practice block) the reply is graded on everything the block asks —
    phrases, key points with their acts, facts, relevance to the prompt and model answer, form — in
    scoring/grade.py, the one place a reply's grade is made. The free practice page has no key points:
    its grade is the phrase compliance and the form. `record=False` grades without storing anything.
    """
    rules = phrase_rules.rules_in_force()
    situation = Situation(key_points=key_points, facts=facts or Facts(), domain=domain, channel=channel,
                          references=(prompt, model_answer) if key_points else ())
    graded = grade_reply(text, script, rules, situation)
    data = graded.to_dict()
    attempt = PracticeAttempt(
        user_id=user.id, script=graded.report.script, context=context[:120], prompt=prompt, text=mask(text),
        score=graded.grade, passed=graded.passed, report=data, rules_version=graded.report.rules_version,
        created_at=at or utcnow(),
    )
    if not record:
        return attempt
    db.session.add(attempt)
    db.session.flush()
    values = evidence_values(graded.report, rules, graded.grade)
    for item in values:
        competency.record_evidence(
            agent=user, indicator_id=item.indicator, value=item.value, source_kind="practice",
            source_id=str(attempt.id), note=rules.script(graded.report.script).name, at=at, commit=False,
        )
    _enqueue(user, attempt, rules, [v.indicator for v in values], rubric, title)
    db.session.commit()
    return attempt


def _enqueue(user: User, attempt: PracticeAttempt, rules: RuleSet, indicators: list[str], rubric: str | None,
             title: str | None) -> None:
    """Put the reply in front of a supervisor: always when flagged, otherwise when sampled."""
    from ..review import hits, queue

    in_course = attempt.context.startswith("course:")
    script_name = rules.script(attempt.script).name
    title = title or (f"{script_name} · {attempt.prompt[:40]}" if attempt.prompt else script_name)
    flags = hits.flags_of([hits.Turn(0, "trainee", attempt.text, attempt.report)], passed=attempt.passed)
    queue.enqueue(kind="course_practice" if in_course else "practice", source_id=attempt.id, agent=user,
                  title=title, context=attempt.context.split(":")[1] if in_course else attempt.script,
                  auto_score=attempt.score, flags=flags, indicators=indicators, rubric=rubric,
                  at=attempt.created_at)


def recent_attempts(user: User, limit: int = 10) -> list[PracticeAttempt]:
    return list(db.session.scalars(
        select(PracticeAttempt).where(PracticeAttempt.user_id == user.id)
        .order_by(PracticeAttempt.created_at.desc(), PracticeAttempt.id.desc()).limit(limit)
    ))


def attempts_in_context(user: User, prefix: str) -> list[PracticeAttempt]:
    """The user's attempts whose context starts with `prefix` (e.g. one course's practice blocks), newest first."""
    return list(db.session.scalars(
        select(PracticeAttempt).where(PracticeAttempt.user_id == user.id, PracticeAttempt.context.startswith(prefix))
        .order_by(PracticeAttempt.created_at.desc(), PracticeAttempt.id.desc())
    ))


def get_attempt(attempt_id: int) -> PracticeAttempt | None:
    return db.session.get(PracticeAttempt, attempt_id)
