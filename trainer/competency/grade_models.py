"""The grade history: every HR decision on a promotion, confirmed or declined. Append-only."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, DateTime, ForeignKey, Integer, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import Grade, User
from ..extensions import Model
from ..timeutil import utcnow

DECISIONS = ("confirm", "decline")


class GradeChange(Model):
    """One decision: the agent's grade before, the grade proposed, confirmed or declined, why, by whom, when.

    ``rules`` keeps the evidence the decision was taken on (each rule with its value, what was needed and
    whether it was met), so the history still explains itself after the rules or the scores change.
    """

    __tablename__ = "grade_history"
    __table_args__ = (CheckConstraint("decision IN ('confirm', 'decline')", name="decision_kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    from_code: Mapped[str | None] = mapped_column(ForeignKey("grades.code"))
    to_code: Mapped[str] = mapped_column(ForeignKey("grades.code"))
    decision: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text)
    rules: Mapped[list] = mapped_column(JSON, default=list)
    decided_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)

    agent: Mapped[User] = relationship(foreign_keys=[agent_id])
    decided_by: Mapped[User] = relationship(foreign_keys=[decided_by_id])
    from_grade: Mapped[Grade | None] = relationship(foreign_keys=[from_code])
    to_grade: Mapped[Grade] = relationship(foreign_keys=[to_code])


class GradeHistoryIsAppendOnly(Exception):
    """A recorded promotion decision was about to be changed or removed: record a new decision instead."""


def _refuse(mapper, connection, target):
    raise GradeHistoryIsAppendOnly("grade history is append-only")


event.listen(GradeChange, "before_update", _refuse)
event.listen(GradeChange, "before_delete", _refuse)
