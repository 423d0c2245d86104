"""Per-token rate limits on /api/v1, counted in the database so every process and host shares them.

Each API request belongs to one bucket: the scorer (`score`), course practice (`practice`), starting
a role-play (`roleplay_start`), a role-play reply (`roleplay_turn`), or `other` for the rest of the
API (the GETs, grading). `API_RATE_LIMITS` in the configuration gives each bucket (requests,
seconds); a bucket that is missing or None is not limited.

The count is a fixed window per (token's user, bucket, window start) in `api_rate_counters`, bumped
by one atomic `INSERT … ON CONFLICT DO UPDATE … WHERE hits < limit RETURNING hits` (SQLAlchemy's
PostgreSQL and SQLite inserts) in a transaction of its own, committed before the view runs: the count
survives whatever the view then does (a request refused for bad input still counts), and the request's
own session is never touched. When the row is already at the limit the update does not happen and no
row comes back, so a refused request changes nothing — not the counter, not the view's tables — and
answers 429 with `Retry-After` (seconds until the window ends). A window's first request deletes that
user's expired windows, so the table holds about one row per active token and bucket.

The user id stands for the token (a user has at most one): issuing a new token does not reset the
count. A fixed window lets a client burst up to twice the limit across a window boundary; that is
acceptable for a guard against runaway clients, and costs one row instead of a log of requests.

Why not Flask-Limiter: its counters are per process unless given a storage server (redis, memcached,
MongoDB), and this deployment runs none; the database is the one store every gunicorn worker and
host already shares (as for sessions and sign-in attempts in `trainer.accounts.signin`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from flask import Blueprint, Response, current_app, g, jsonify, request
from flask.blueprints import BlueprintSetupState
from flask_login import current_user
from sqlalchemy import DateTime, ForeignKey, Integer, String, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Mapped, mapped_column

from .. import messages
from ..extensions import Model, db
from ..timeutil import utcnow

F = TypeVar("F", bound=Callable)

#: the bucket of every API request whose view names none
OTHER = "other"
EPOCH = datetime(1970, 1, 1)


class ApiRateCounter(Model):
    """Requests one token's user made in one bucket within one fixed window."""

    __tablename__ = "api_rate_counters"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    bucket: Mapped[str] = mapped_column(String(32), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(DateTime, primary_key=True)
    window_end: Mapped[datetime] = mapped_column(DateTime)
    hits: Mapped[int] = mapped_column(Integer, default=0)


@dataclass(frozen=True)
class Limit:
    """At most `count` requests per `seconds`."""

    count: int
    seconds: int


@dataclass(frozen=True)
class Outcome:
    allowed: bool
    limit: Limit
    #: requests left in this window after this one
    remaining: int
    #: seconds until the window ends (at least 1)
    reset: int


def rate_limit(bucket: str) -> Callable[[F], F]:
    """Count the view's requests in `bucket` instead of `other` (the limit itself is configuration)."""

    def mark(view: F) -> F:
        view.rate_bucket = bucket  # type: ignore[attr-defined]  # a mark on the function object
        return view

    return mark


def parse_limits(config: Mapping[str, Any]) -> dict[str, Limit]:
    """`API_RATE_LIMITS` as Limits; a malformed entry is a ValueError (raised when the app is built)."""
    limits: dict[str, Limit] = {}
    for bucket, value in (config.get("API_RATE_LIMITS") or {}).items():
        if value is None:
            continue
        if isinstance(value, Limit):
            limits[bucket] = value
            continue
        try:
            count, seconds = value
        except (TypeError, ValueError):
            raise ValueError(f"API_RATE_LIMITS[{bucket!r}] must be (requests, seconds) or None") from None
        if type(count) is not int or type(seconds) is not int or count < 1 or seconds < 1:
            raise ValueError(f"API_RATE_LIMITS[{bucket!r}] must be two positive integers, not {value!r}")
        limits[bucket] = Limit(count, seconds)
    return limits


def _window(now: datetime, seconds: int) -> tuple[datetime, datetime]:
    elapsed = int((now - EPOCH).total_seconds())
    start = EPOCH + timedelta(seconds=elapsed - elapsed % seconds)
    return start, start + timedelta(seconds=seconds)


_UPSERT_INSERTS: dict[str, Callable[[Table], postgresql.Insert] | Callable[[Table], sqlite.Insert]] = {
    "postgresql": postgresql.insert, "sqlite": sqlite.insert,
}


def _upsert(values: dict[str, Any], limit: Limit):
    table = ApiRateCounter.__table__
    # The app runs on SQLite and PostgreSQL only; both have INSERT … ON CONFLICT.
    insert = _UPSERT_INSERTS[db.engine.dialect.name]
    statement = insert(table).values(**values)
    return statement.on_conflict_do_update(
        index_elements=[table.c.user_id, table.c.bucket, table.c.window_start],
        set_={"hits": table.c.hits + 1},
        where=table.c.hits < limit.count,
    ).returning(table.c.hits)


def hit(user_id: int, bucket: str, limit: Limit, now: datetime | None = None) -> Outcome:
    """Count one request of `user_id` in `bucket`, unless the window is full; commits on its own connection."""
    now = now or utcnow()
    start, end = _window(now, limit.seconds)
    statement = _upsert({"user_id": user_id, "bucket": bucket, "window_start": start, "window_end": end,
                         "hits": 1}, limit)
    with db.engine.begin() as conn:
        hits = conn.execute(statement).scalar()
    reset = max(1, math.ceil((end - now).total_seconds()))
    if hits is None:  # the row is at the limit: nothing was written
        return Outcome(False, limit, 0, reset)
    if hits == 1:
        _prune(user_id, now)
    return Outcome(True, limit, max(0, limit.count - hits), reset)


def _prune(user_id: int, now: datetime) -> None:
    """Best effort: drop the user's ended windows (a statement of its own, so it never holds other locks)."""
    table = ApiRateCounter.__table__
    try:
        with db.engine.begin() as conn:
            conn.execute(table.delete().where(table.c.user_id == user_id, table.c.window_end <= now))
    except SQLAlchemyError:  # a lock or a busy database: the next new window tries again
        current_app.logger.warning("api rate limit: pruning old windows of user %s failed", user_id, exc_info=True)


def check() -> Response | None:
    """`before_request` of the API blueprint (after sign-in and the role check): count, or refuse with 429."""
    if not current_user.is_authenticated:
        return None
    view = current_app.view_functions.get(request.endpoint or "")
    bucket = getattr(view, "rate_bucket", OTHER)
    limit = parse_limits(current_app.config).get(bucket)
    if limit is None:
        return None
    outcome = hit(current_user.id, bucket, limit)
    g.api_rate_limit = outcome
    if outcome.allowed:
        return None
    period = messages.duration(limit.seconds)
    response = jsonify({"error": messages.msg("api.rate_limited", limit=limit.count, period=period,
                                              wait=messages.duration(outcome.reset)),
                        "code": "api.rate_limited", "status": 429, "retry_after": outcome.reset})
    response.status_code = 429
    response.headers["Retry-After"] = str(outcome.reset)
    return response


def add_headers(response: Response) -> Response:
    """`after_request` of the API blueprint: the limit and what is left of it, on every counted answer."""
    outcome = g.pop("api_rate_limit", None)
    if outcome is not None:
        response.headers["X-RateLimit-Limit"] = str(outcome.limit.count)
        response.headers["X-RateLimit-Remaining"] = str(outcome.remaining)
        response.headers["X-RateLimit-Reset"] = str(outcome.reset)
    return response


def _check_limits(state: BlueprintSetupState) -> None:
    """Refuse to build an app whose configured limits do not parse."""
    parse_limits(state.app.config)


def install(bp: Blueprint) -> None:
    """Count every request of `bp` and label its answers; the limits are checked when the app is built."""
    bp.record_once(_check_limits)
    bp.before_request(check)
    bp.after_request(add_headers)
