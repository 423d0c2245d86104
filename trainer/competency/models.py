"""Indicators, versioned weight sets and append-only evidence."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, CheckConstraint, Date, DateTime, Float, ForeignKey, Integer, String, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User
from ..extensions import Model
from ..timeutil import utcnow


class Indicator(Model):
    """A first-level (level 1) or second-level (level 2) competency indicator."""

    __tablename__ = "indicators"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    description: Mapped[str] = mapped_column(String(500), default="")
    level: Mapped[int] = mapped_column(Integer)
    parent_id: Mapped[str | None] = mapped_column(ForeignKey("indicators.id"))
    position: Mapped[int] = mapped_column(Integer, default=0)
    # An indicator dropped from the model file is retired, never deleted: old evidence still points at it.
    retired: Mapped[bool] = mapped_column(Boolean, default=False)


class WeightSet(Model):
    """One version of the model's weights; exactly one is active and drives every index."""

    __tablename__ = "weight_sets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, unique=True)
    label: Mapped[str] = mapped_column(String(120))
    source: Mapped[str] = mapped_column(String(32))  # model_file | delphi | manual
    content_hash: Mapped[str] = mapped_column(String(64), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: from when the version drives the index (a new version takes effect on this date)
    effective_from: Mapped[date | None] = mapped_column(Date)
    #: where the numbers came from: {"kind": "model_file" | "manual" | "delphi", "survey", "round", "w", "p", …}
    provenance: Mapped[dict] = mapped_column(JSON, default=dict)
    note: Mapped[str] = mapped_column(String(500), default="")

    weights: Mapped[list[IndicatorWeight]] = relationship(
        back_populates="weight_set", cascade="all, delete-orphan"
    )


class IndicatorWeight(Model):
    __tablename__ = "indicator_weights"

    weight_set_id: Mapped[int] = mapped_column(ForeignKey("weight_sets.id", ondelete="CASCADE"), primary_key=True)
    indicator_id: Mapped[str] = mapped_column(ForeignKey("indicators.id"), primary_key=True)
    weight: Mapped[float] = mapped_column(Float)  # percent within the parent level
    combined: Mapped[float | None] = mapped_column(Float)  # percent of the whole model (level 2 only)

    weight_set: Mapped[WeightSet] = relationship(back_populates="weights")
    indicator: Mapped[Indicator] = relationship()


class Evidence(Model):
    """One measurement of one agent on one indicator. Append-only: corrections supersede."""

    __tablename__ = "evidence"
    __table_args__ = (CheckConstraint("value >= 0 AND value <= 100", name="value_range"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    indicator_id: Mapped[str] = mapped_column(ForeignKey("indicators.id"), index=True)
    value: Mapped[float] = mapped_column(Float)
    source_kind: Mapped[str] = mapped_column(String(32))
    source_id: Mapped[str] = mapped_column(String(64), default="")
    recorded_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("evidence.id"), unique=True)
    note: Mapped[str] = mapped_column(String(500), default="")

    agent: Mapped[User] = relationship(foreign_keys=[agent_id])
    recorded_by: Mapped[User | None] = relationship(foreign_keys=[recorded_by_id])
    indicator: Mapped[Indicator] = relationship()


class IndicatorScore(Model):
    """An agent's current standing on one indicator, kept up to date as evidence is appended.

    Every mastery method can be computed from these few numbers, so tables of thousands of agents read
    one row per agent and indicator instead of every piece of evidence; the arithmetic stays in stats.py.
    """

    __tablename__ = "indicator_scores"

    agent_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    indicator_id: Mapped[str] = mapped_column(ForeignKey("indicators.id"), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)
    latest: Mapped[float] = mapped_column(Float)  # the most recent effective value
    earlier_mean: Mapped[float | None] = mapped_column(Float)  # the mean of the values before it
    mean: Mapped[float] = mapped_column(Float)
    highest: Mapped[float] = mapped_column(Float)
    latest_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class EvidenceIsAppendOnly(Exception):
    pass


@event.listens_for(Evidence, "before_update")
def _refuse_update(mapper, connection, target):
    raise EvidenceIsAppendOnly("evidence is append-only; record a correction that supersedes it")


@event.listens_for(Evidence, "before_delete")
def _refuse_delete(mapper, connection, target):
    raise EvidenceIsAppendOnly("evidence is append-only; record a correction that supersedes it")
