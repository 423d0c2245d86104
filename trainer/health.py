"""Is this app process able to serve? The answer a load balancer acts on.

Reading is not enough: a database that went read-only or ran out of space still answers SELECT while
every sign-in fails. So the check writes (and commits) one row, and compares the schema revision with
the migrations this code ships, so a process started against an un-migrated database is taken out of
rotation instead of failing on its first real request.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path

from sqlalchemy import DateTime, Integer, String, select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Mapped, mapped_column

from .extensions import Model, db
from .timeutil import utcnow

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


class HealthProbe(Model):
    """One row per app host, rewritten by every health check: proof that the database takes writes."""

    __tablename__ = "health_probes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    host: Mapped[str] = mapped_column(String(128), unique=True)
    checked_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


@cache
def expected_revision() -> str:
    """The head revision of the migrations shipped with this code."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(config).get_current_head() or ""


@dataclass(frozen=True)
class Health:
    ok: bool
    #: "ok", "schema" (not migrated to this code's revision) or "write" (the database refuses writes)
    problem: str
    detail: str = ""

    def as_json(self) -> dict:
        return {"status": "ok" if self.ok else "unavailable", "problem": None if self.ok else self.problem,
                "schema": expected_revision()}


def check(host: str) -> Health:
    try:
        current = db.session.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except SQLAlchemyError as exc:
        db.session.rollback()
        return Health(False, "database", type(exc).__name__)
    if current != expected_revision():
        return Health(False, "schema", f"{current} != {expected_revision()}")
    try:
        probe = db.session.scalar(select(HealthProbe).where(HealthProbe.host == host[:128]))
        if probe is None:
            db.session.add(HealthProbe(host=host[:128], checked_at=utcnow()))
        else:
            probe.checked_at = utcnow()
        db.session.commit()
    except SQLAlchemyError as exc:
        db.session.rollback()
        return Health(False, "write", type(exc).__name__)
    return Health(True, "ok")
