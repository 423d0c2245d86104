"""Browser sessions kept in the database, so that signing out really ends them.

Flask's session is a signed cookie: on its own, a copy taken before sign-out would stay valid for its
whole lifetime. Each sign-in therefore opens a row here and puts a random key in the cookie; a
request is signed in only while that row is open. Signing out, "sign out other devices", a password
change or reset and deactivation close rows, and a closed row never opens again. Idle expiry is
measured here too, not in the cookie, so a replayed cookie cannot keep itself alive. The rows live in
the shared database, so every app process behind a load balancer agrees on them.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import OperationalError

from ..extensions import db, rows_matched
from ..timeutil import utcnow
from .models import User, UserSession

#: How stale last_seen may get before a request writes it again (one write a minute, not one per request).
TOUCH_EVERY = timedelta(seconds=60)


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def open_session(user: User, *, ip: str, user_agent: str) -> str:
    """Record a new sign-in and return the key that goes into the cookie (only its hash is stored)."""
    key = secrets.token_urlsafe(32)
    now = utcnow()
    db.session.add(UserSession(user_id=user.id, key_hash=_digest(key), created_at=now, last_seen_at=now,
                               ip=ip[:64], user_agent=(user_agent or "")[:200]))
    db.session.commit()
    return key


@dataclass(frozen=True)
class SessionCheck:
    record: UserSession | None
    #: why the session is not valid: "missing", "ended" or "idle" (None when it is valid)
    reason: str | None = None


def check(user: User, key: object, idle_timeout: timedelta) -> SessionCheck:
    """Is `key` an open session of `user`? An idle one is closed here and reported as such."""
    if not isinstance(key, str) or not key:
        return SessionCheck(None, "missing")
    record = db.session.scalar(select(UserSession).where(UserSession.key_hash == _digest(key)))
    if record is None or record.user_id != user.id:
        return SessionCheck(None, "missing")
    if record.ended_at is not None:
        return SessionCheck(None, "ended")
    now = utcnow()
    if now - record.last_seen_at > idle_timeout:
        _close(ids=[record.id], reason="idle")
        return SessionCheck(None, "idle")
    if now - record.last_seen_at > TOUCH_EVERY:
        try:
            record.last_seen_at = now
            db.session.commit()
        except OperationalError:
            # A read-only or full database must not sign everybody out: reading pages still works.
            db.session.rollback()
    return SessionCheck(record)


def _close(*, ids: list[int] | None = None, user_id: int | None = None, keep: int | None = None,
           reason: str) -> int:
    statement = update(UserSession).where(UserSession.ended_at.is_(None))
    if ids is not None:
        statement = statement.where(UserSession.id.in_(ids))
    if user_id is not None:
        statement = statement.where(UserSession.user_id == user_id)
    if keep is not None:
        statement = statement.where(UserSession.id != keep)
    count = rows_matched(statement.values(ended_at=utcnow(), end_reason=reason))
    db.session.commit()
    return count


def end(key: object, reason: str = "logout") -> None:
    """Close the session whose key is in this cookie (sign-out)."""
    if isinstance(key, str) and key:
        record = db.session.scalar(select(UserSession.id).where(UserSession.key_hash == _digest(key)))
        if record is not None:
            _close(ids=[record], reason=reason)


def end_others(user: User, keep_key: object, reason: str = "others") -> int:
    """Close every open session of `user` except the one holding `keep_key`; returns how many closed."""
    keep = None
    if isinstance(keep_key, str) and keep_key:
        keep = db.session.scalar(select(UserSession.id).where(UserSession.key_hash == _digest(keep_key)))
    return _close(user_id=user.id, keep=keep, reason=reason)


def end_all(user: User, reason: str) -> int:
    return _close(user_id=user.id, reason=reason)


def open_sessions(user: User, idle_timeout: timedelta) -> list[UserSession]:
    """The user's sessions that still count as signed in, newest first (for the account page)."""
    since = utcnow() - idle_timeout
    return list(db.session.scalars(
        select(UserSession).where(UserSession.user_id == user.id, UserSession.ended_at.is_(None),
                                  UserSession.last_seen_at > since)
        .order_by(UserSession.last_seen_at.desc())
    ))


def is_current(record: UserSession, key: object) -> bool:
    return isinstance(key, str) and record.key_hash == _digest(key)
