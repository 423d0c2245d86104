"""Users, teams and login attempts."""

from __future__ import annotations

import secrets
from datetime import date, datetime

from flask_login import UserMixin
from sqlalchemy import JSON, Boolean, Column, Date, DateTime, ForeignKey, Integer, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Model, db
from ..timeutil import utcnow

ROLES = ("trainee", "supervisor", "hr", "admin")

team_supervisors = Table(
    "team_supervisors",
    db.metadata,
    Column("team_id", ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)


def new_login_id() -> str:
    return secrets.token_urlsafe(24)


class Team(Model):
    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    description: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    members: Mapped[list[User]] = relationship(
        back_populates="team", foreign_keys="User.team_id", order_by="User.username"
    )
    supervisors: Mapped[list[User]] = relationship(
        secondary=team_supervisors, back_populates="led_teams", order_by="User.username"
    )


class Grade(Model):
    """Agent grades (初级 … 资深) loaded from question_bank/competency/grades.yaml."""

    __tablename__ = "grades"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(32))
    rank: Mapped[int] = mapped_column(Integer)
    min_tenure_months: Mapped[int] = mapped_column(Integer, default=0)
    summary: Mapped[str] = mapped_column(String(500), default="")
    #: promotion into this grade: {"index_at_least", "indicators": {id: min}, "violation_points": {"at_most", "months"}}
    rules: Mapped[dict] = mapped_column(JSON, default=dict)


class User(UserMixin, Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(64))
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(16), index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"), index=True)
    grade_code: Mapped[str | None] = mapped_column(ForeignKey("grades.code"))
    hire_date: Mapped[date | None] = mapped_column(Date)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Changing the login id signs the user out everywhere (password reset, deactivation).
    login_id: Mapped[str] = mapped_column(String(64), unique=True, default=new_login_id)
    api_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    api_token_created_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime)

    team: Mapped[Team | None] = relationship(back_populates="members", foreign_keys=[team_id])
    grade: Mapped[Grade | None] = relationship()
    led_teams: Mapped[list[Team]] = relationship(
        secondary=team_supervisors, back_populates="supervisors", order_by="Team.name"
    )

    def get_id(self) -> str:
        return self.login_id

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    @property
    def is_agent(self) -> bool:
        return self.role == "trainee"


class LoginAttempt(Model):
    """Kept in the database so every app process behind a load balancer shares the rate limit."""

    __tablename__ = "login_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), index=True)
    ip: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    success: Mapped[bool] = mapped_column(Boolean, default=False)


class UserSession(Model):
    """One browser sign-in; the cookie holds a key whose hash is here (see trainer.accounts.sessions)."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    ip: Mapped[str] = mapped_column(String(64), default="")
    user_agent: Mapped[str] = mapped_column(String(200), default="")
    ended_at: Mapped[datetime | None] = mapped_column(DateTime)
    #: logout, others (signed out from another device), password, reset, disabled, idle
    end_reason: Mapped[str | None] = mapped_column(String(16))


class SecurityAlert(Model):
    """Repeated failed sign-ins, told to the user at their next sign-in and listed for admins."""

    __tablename__ = "security_alerts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: "user": failures against one account; "address": failures from one network address
    kind: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    ip: Mapped[str] = mapped_column(String(64), default="")
    failures: Mapped[int] = mapped_column(Integer, default=0)
    addresses: Mapped[str] = mapped_column(String(500), default="")
    first_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    #: when the user was shown it after signing in
    seen_at: Mapped[datetime | None] = mapped_column(DateTime)

    user: Mapped[User | None] = relationship()
