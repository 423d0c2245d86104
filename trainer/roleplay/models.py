"""Scenarios (synced content) and role-play sessions with their turns."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User
from ..extensions import Model
from ..timeutil import utcnow


class ScenarioRecord(Model):
    __tablename__ = "scenarios"

    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    domain: Mapped[str] = mapped_column(String(16))
    summary: Mapped[str] = mapped_column(Text)
    data: Mapped[dict] = mapped_column(JSON)
    content_hash: Mapped[str] = mapped_column(String(32))
    retired: Mapped[bool] = mapped_column(Boolean, default=False)


class RoleplaySession(Model):
    """One conversation. It keeps its own copy of the scenario, so edits to the file never change a replay."""

    __tablename__ = "roleplay_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    scenario_id: Mapped[str] = mapped_column(ForeignKey("scenarios.id"), index=True)
    scenario_data: Mapped[dict] = mapped_column(JSON)
    seed: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="in_progress")  # in_progress | finished
    outcome: Mapped[str | None] = mapped_column(String(16))
    stage: Mapped[str] = mapped_column(String(64))
    emotion: Mapped[int] = mapped_column(Integer)
    turns_taken: Mapped[int] = mapped_column(Integer, default=0)  # trainee replies; guards concurrent posts
    score: Mapped[float | None] = mapped_column(Float)
    started_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_customer_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    user: Mapped[User] = relationship()
    scenario: Mapped[ScenarioRecord] = relationship()
    turns: Mapped[list[RoleplayTurn]] = relationship(back_populates="session", order_by="RoleplayTurn.position",
                                                     cascade="all, delete-orphan")


class RoleplayTurn(Model):
    __tablename__ = "roleplay_turns"
    __table_args__ = (UniqueConstraint("session_id", "position", name="one_turn_per_position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("roleplay_sessions.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    role: Mapped[str] = mapped_column(String(16))  # customer | trainee
    text: Mapped[str] = mapped_column(Text)  # trainee text with personal data masked (same length)
    stage: Mapped[str] = mapped_column(String(64))
    emotion: Mapped[int] = mapped_column(Integer)  # the customer's emotion after this turn
    report: Mapped[dict | None] = mapped_column(JSON)
    seconds: Mapped[float | None] = mapped_column(Float)
    turn_score: Mapped[float | None] = mapped_column(Float)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    session: Mapped[RoleplaySession] = relationship(back_populates="turns")
