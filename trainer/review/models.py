"""Human judgement: the queue of items to grade, grades with their verdicts, disputes and their decisions,
acknowledgements, calibration sessions, violations, and the audit trail of all of it.

Everything a person decides here is append-only (refused by the ORM and by database triggers): a
second grade supersedes the first, a dispute gets a decision row of its own, a violation recorded in
error is voided by another record. Only the queue entry (`ReviewItem`) changes, to point at the grade
now in force.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, Float, ForeignKey, Integer, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User
from ..extensions import Model
from ..timeutil import utcnow

#: what can be graded: a finished role-play, a course's practice reply, an exam's short-answer or scripted
#: reply, a free practice reply, a one-to-one drill
ITEM_KINDS = ("roleplay", "course_practice", "exam_answer", "exam_essay", "practice", "drill")


class Rubric(Model):
    """A rubric as synced from question_bank/rubrics/ (levels 1–5 per indicator, rating → evidence value)."""

    __tablename__ = "rubrics"

    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    default_for: Mapped[str | None] = mapped_column(String(32))
    data: Mapped[dict] = mapped_column(JSON)
    content_hash: Mapped[str] = mapped_column(String(32), default="")
    retired: Mapped[bool] = mapped_column(Boolean, default=False)


class ReviewItem(Model):
    """One thing a supervisor may grade, created when the trainee's work is finished.

    Flagged items (a critical phrase, a failed score, an escalation or a hang-up) are always queued;
    of the rest a configured share is sampled, as QA teams sample calls. Items that are not queued
    can still be graded from their page.
    """

    __tablename__ = "review_items"
    __table_args__ = (UniqueConstraint("kind", "source_id", name="one_item_per_source"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), index=True)
    source_id: Mapped[str] = mapped_column(String(64))
    agent_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    #: scenario id, course slug, paper id or script type: what the queue filters "scenario or course" on
    context: Mapped[str] = mapped_column(String(120), default="", index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    auto_score: Mapped[float | None] = mapped_column(Float)
    flags: Mapped[list] = mapped_column(JSON, default=list)
    flagged: Mapped[bool] = mapped_column(Boolean, default=False)
    queued: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    indicators: Mapped[list] = mapped_column(JSON, default=list)
    rubric_id: Mapped[str | None] = mapped_column(ForeignKey("rubrics.id"))
    #: the grade in force (None until graded); calibration grades never set it
    grade_id: Mapped[int | None] = mapped_column(ForeignKey("review_grades.id", use_alter=True))
    graded_at: Mapped[datetime | None] = mapped_column(DateTime)

    agent: Mapped[User] = relationship(foreign_keys=[agent_id])
    grade: Mapped[ReviewGrade | None] = relationship(foreign_keys=[grade_id], post_update=True)


class ReviewGrade(Model):
    """A person's grade of an item: ratings per indicator, comments, an optional override of the score."""

    __tablename__ = "review_grades"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("review_items.id"), index=True)
    grader_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    rubric_id: Mapped[str | None] = mapped_column(ForeignKey("rubrics.id"))
    #: indicator id -> 1..5, or None for N/A
    ratings: Mapped[dict] = mapped_column(JSON, default=dict)
    comment: Mapped[str] = mapped_column(Text, default="")
    #: turn position (as a string) -> comment
    turn_comments: Mapped[dict] = mapped_column(JSON, default=dict)
    auto_score: Mapped[float | None] = mapped_column(Float)
    override_score: Mapped[float | None] = mapped_column(Float)
    override_reason: Mapped[str] = mapped_column(Text, default="")
    #: the grade this one replaces (a regrade or a dispute decision); unique, so two cannot replace one
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("review_grades.id"), unique=True)
    #: "grade", "dispute" (made by deciding a dispute) or "calibration"
    origin: Mapped[str] = mapped_column(String(16), default="grade")
    calibration_id: Mapped[int | None] = mapped_column(ForeignKey("calibration_sessions.id"), index=True)

    item: Mapped[ReviewItem] = relationship(foreign_keys=[item_id])
    grader: Mapped[User] = relationship(foreign_keys=[grader_id])
    verdicts: Mapped[list[ReviewVerdict]] = relationship(order_by="ReviewVerdict.hit_no")


class ReviewVerdict(Model):
    """机检正确 / 机检错误 on one automatic hit of the item, as numbered on its page."""

    __tablename__ = "review_verdicts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    grade_id: Mapped[int] = mapped_column(ForeignKey("review_grades.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("review_items.id"), index=True)
    hit_no: Mapped[int] = mapped_column(Integer)
    #: banned | group_found | group_missing | point_covered | point_missing
    hit_kind: Mapped[str] = mapped_column(String(16), index=True)
    #: the banned phrase, the polite group id or the key point id
    rule: Mapped[str] = mapped_column(String(120), index=True)
    label: Mapped[str] = mapped_column(String(200), default="")
    matched: Mapped[str] = mapped_column(String(200), default="")
    verdict: Mapped[str] = mapped_column(String(8))  # correct | wrong
    note: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Acknowledgement(Model):
    """The trainee has read a grade."""

    __tablename__ = "review_acknowledgements"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    grade_id: Mapped[int] = mapped_column(ForeignKey("review_grades.id"), unique=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Dispute(Model):
    """A trainee's objection to a grade, with the ratings they think are fair (optional)."""

    __tablename__ = "review_disputes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    grade_id: Mapped[int] = mapped_column(ForeignKey("review_grades.id"), unique=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("review_items.id"), index=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    comment: Mapped[str] = mapped_column(Text)
    proposed: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    grade: Mapped[ReviewGrade] = relationship(foreign_keys=[grade_id])
    item: Mapped[ReviewItem] = relationship(foreign_keys=[item_id])
    agent: Mapped[User] = relationship(foreign_keys=[agent_id])
    decision: Mapped[DisputeDecision | None] = relationship(back_populates="dispute", uselist=False)


class DisputeDecision(Model):
    """The answer to a dispute; one per dispute, so a decided dispute cannot be reopened."""

    __tablename__ = "review_dispute_decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dispute_id: Mapped[int] = mapped_column(ForeignKey("review_disputes.id"), unique=True)
    decided_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    decision: Mapped[str] = mapped_column(String(16))  # accept | partial | reject
    reason: Mapped[str] = mapped_column(Text)
    new_grade_id: Mapped[int | None] = mapped_column(ForeignKey("review_grades.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    dispute: Mapped[Dispute] = relationship(back_populates="decision")
    decided_by: Mapped[User] = relationship(foreign_keys=[decided_by_id])


class AuditRecord(Model):
    """Who did what, when, what it was before and after, and why. Never edited, never deleted."""

    __tablename__ = "audit_records"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    action: Mapped[str] = mapped_column(String(32), index=True)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("review_items.id"), index=True)
    #: the agent the record is about, when there is one (visibility follows the agent)
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    target: Mapped[str] = mapped_column(String(64), default="")
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)
    reason: Mapped[str] = mapped_column(Text, default="")

    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])


class CalibrationSession(Model):
    """Several graders grade the same items blind, so their agreement can be measured."""

    __tablename__ = "calibration_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    deadline: Mapped[datetime] = mapped_column(DateTime)
    expert_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: a grader is flagged when further than this (percent of the 1–5 scale) from the expert
    tolerance: Mapped[float] = mapped_column(Float, default=10.0)

    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    expert: Mapped[User | None] = relationship(foreign_keys=[expert_id])
    items: Mapped[list[CalibrationItem]] = relationship(order_by="CalibrationItem.position")
    graders: Mapped[list[CalibrationGrader]] = relationship()


class CalibrationItem(Model):
    __tablename__ = "calibration_items"
    __table_args__ = (UniqueConstraint("session_id", "item_id", name="item_once"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("calibration_sessions.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("review_items.id"))
    position: Mapped[int] = mapped_column(Integer, default=0)

    item: Mapped[ReviewItem] = relationship()


class CalibrationGrader(Model):
    __tablename__ = "calibration_graders"
    __table_args__ = (UniqueConstraint("session_id", "user_id", name="grader_once"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("calibration_sessions.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    user: Mapped[User] = relationship()


class ViolationCategory(Model):
    """A violation category with its points, as synced from question_bank/competency/violations.yaml."""

    __tablename__ = "violation_categories"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    level: Mapped[str] = mapped_column(String(16))
    points: Mapped[int] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(Integer, default=0)
    retired: Mapped[bool] = mapped_column(Boolean, default=False)


class Violation(Model):
    """违规扣分: points recorded against an agent. A mistaken one is voided by a second record, never deleted."""

    __tablename__ = "violations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    category_id: Mapped[str] = mapped_column(ForeignKey("violation_categories.id"))
    #: the category's points when recorded (a later change to the file does not rewrite history)
    points: Mapped[int] = mapped_column(Integer)
    occurred_on: Mapped[datetime] = mapped_column(DateTime, index=True)
    note: Mapped[str] = mapped_column(Text, default="")
    item_id: Mapped[int | None] = mapped_column(ForeignKey("review_items.id"))
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    voids_id: Mapped[int | None] = mapped_column(ForeignKey("violations.id"), unique=True)

    agent: Mapped[User] = relationship(foreign_keys=[agent_id])
    recorded_by: Mapped[User] = relationship(foreign_keys=[recorded_by_id])
    category: Mapped[ViolationCategory] = relationship()


class SpotCheck(Model):
    """A supervisor's random one-to-one check: a random team member, a random question, the verdict."""

    __tablename__ = "spot_checks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    supervisor_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    question_id: Mapped[str] = mapped_column(ForeignKey("bank_questions.id"))
    verdict: Mapped[str | None] = mapped_column(String(16))  # correct | partial | wrong (None until recorded)
    note: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    recorded_at: Mapped[datetime | None] = mapped_column(DateTime)

    agent = relationship("User", foreign_keys=[agent_id])
    question = relationship("BankQuestion")


class DrillSession(Model):
    """一对一演练: a supervisor plays the customer live and the trainee answers from their own browser."""

    __tablename__ = "drill_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    supervisor_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    script: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | finished
    score: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)

    supervisor: Mapped[User] = relationship(foreign_keys=[supervisor_id])
    agent: Mapped[User] = relationship(foreign_keys=[agent_id])
    turns: Mapped[list[DrillTurn]] = relationship(order_by="DrillTurn.position", back_populates="session")


class DrillTurn(Model):
    __tablename__ = "drill_turns"
    __table_args__ = (UniqueConstraint("session_id", "position", name="one_drill_turn_per_position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("drill_sessions.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    role: Mapped[str] = mapped_column(String(16))  # customer | trainee
    text: Mapped[str] = mapped_column(Text)  # trainee text with personal data masked (same length)
    report: Mapped[dict | None] = mapped_column(JSON)
    turn_score: Mapped[float | None] = mapped_column(Float)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    session: Mapped[DrillSession] = relationship(back_populates="turns")


APPEND_ONLY = (ReviewGrade, ReviewVerdict, Acknowledgement, Dispute, DisputeDecision, AuditRecord, Violation)


class JudgementIsAppendOnly(Exception):
    """A recorded judgement was about to be changed or removed: record a new one instead."""


def _refuse(mapper, connection, target):
    raise JudgementIsAppendOnly(f"{type(target).__name__} records are append-only")


for _model in APPEND_ONLY:
    event.listen(_model, "before_update", _refuse)
    event.listen(_model, "before_delete", _refuse)
