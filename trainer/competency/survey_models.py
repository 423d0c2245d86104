"""Delphi surveys: the indicators rated, the invited experts, the rounds and each expert's answers.

An answer (a response and its ratings) is append-only, as every judgement is: an expert submits once per
round, and the figures of a round can always be recomputed from what was submitted in it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User
from ..extensions import Model
from ..timeutil import utcnow
from .models import Indicator, WeightSet

#: draft: experts being invited, no round yet; running: rounds under way; ended: no more answers
SURVEY_STATUSES = ("draft", "running", "ended")


class DelphiSurvey(Model):
    __tablename__ = "delphi_surveys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="draft")
    #: the stop rule: Kendall's W at least min_w with p below alpha, and every item's CV at most max_cv
    min_w: Mapped[float] = mapped_column(Float)
    max_cv: Mapped[float] = mapped_column(Float)
    alpha: Mapped[float] = mapped_column(Float)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime)
    #: the weight-set version made from the final round, once HR applied it
    weight_set_id: Mapped[int | None] = mapped_column(ForeignKey("weight_sets.id"))

    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    weight_set: Mapped[WeightSet | None] = relationship()
    items: Mapped[list[DelphiItem]] = relationship(back_populates="survey", cascade="all, delete-orphan",
                                                   order_by="(DelphiItem.level, DelphiItem.position)")
    experts: Mapped[list[DelphiExpert]] = relationship(back_populates="survey", order_by="DelphiExpert.id")
    rounds: Mapped[list[DelphiRound]] = relationship(back_populates="survey", order_by="DelphiRound.number")


class DelphiItem(Model):
    """One indicator rated in the survey, as the model stood when the survey was created."""

    __tablename__ = "delphi_items"

    survey_id: Mapped[int] = mapped_column(ForeignKey("delphi_surveys.id", ondelete="CASCADE"), primary_key=True)
    indicator_id: Mapped[str] = mapped_column(ForeignKey("indicators.id"), primary_key=True)
    level: Mapped[int] = mapped_column(Integer)
    parent_id: Mapped[str | None] = mapped_column(ForeignKey("indicators.id"))
    position: Mapped[int] = mapped_column(Integer)

    survey: Mapped[DelphiSurvey] = relationship(back_populates="items")
    indicator: Mapped[Indicator] = relationship(foreign_keys=[indicator_id])


class DelphiExpert(Model):
    """An invited expert: a platform user (supervisor or HR), or someone outside with a personal link.

    Only the SHA-256 of an outside expert's link token is kept; the link is shown to HR once.
    """

    __tablename__ = "delphi_experts"
    __table_args__ = (UniqueConstraint("survey_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("delphi_surveys.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    name: Mapped[str] = mapped_column(String(80))
    affiliation: Mapped[str] = mapped_column(String(120), default="")
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    token_created_at: Mapped[datetime | None] = mapped_column(DateTime)
    invited_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    invited_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    survey: Mapped[DelphiSurvey] = relationship(back_populates="experts")
    user: Mapped[User | None] = relationship(foreign_keys=[user_id])

    @property
    def outside(self) -> bool:
        return self.user_id is None


class DelphiRound(Model):
    __tablename__ = "delphi_rounds"
    __table_args__ = (UniqueConstraint("survey_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("delphi_surveys.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    opened_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    opened_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: "hr" (closed by HR) or "consensus" (closed by the stop rule once every expert had answered)
    close_reason: Mapped[str | None] = mapped_column(String(16))

    survey: Mapped[DelphiSurvey] = relationship(back_populates="rounds")
    responses: Mapped[list[DelphiResponse]] = relationship(back_populates="round", order_by="DelphiResponse.id")

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class DelphiResponse(Model):
    """One expert's answer in one round: submitted once, never edited."""

    __tablename__ = "delphi_responses"
    __table_args__ = (UniqueConstraint("round_id", "expert_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("delphi_rounds.id"), index=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("delphi_experts.id"), index=True)
    submitted_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    #: a new indicator the expert proposes (free text)
    proposal: Mapped[str] = mapped_column(Text, default="")

    round: Mapped[DelphiRound] = relationship(back_populates="responses")
    expert: Mapped[DelphiExpert] = relationship()
    ratings: Mapped[list[DelphiRating]] = relationship(back_populates="response", cascade="save-update, merge")


class DelphiRating(Model):
    """The importance (Likert 1-5) one expert gave one indicator in one round, with an optional comment."""

    __tablename__ = "delphi_ratings"
    __table_args__ = (CheckConstraint("rating >= 1 AND rating <= 5", name="likert"),)

    response_id: Mapped[int] = mapped_column(ForeignKey("delphi_responses.id"), primary_key=True)
    indicator_id: Mapped[str] = mapped_column(ForeignKey("indicators.id"), primary_key=True)
    rating: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(Text, default="")

    response: Mapped[DelphiResponse] = relationship(back_populates="ratings")


class DelphiAnswerIsAppendOnly(Exception):
    """A submitted answer was about to be changed or removed."""


def _refuse(mapper, connection, target):
    raise DelphiAnswerIsAppendOnly(f"{type(target).__name__} records are append-only")


for _model in (DelphiResponse, DelphiRating):
    event.listen(_model, "before_update", _refuse)
    event.listen(_model, "before_delete", _refuse)
