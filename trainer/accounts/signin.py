"""Checking a password without handing strangers a way to lock people out.

A lock per username lets anyone lock a real agent out by typing wrong passwords for them, and a lock
per address locks out a whole call centre behind one NAT address. So failures slow down guessing
instead of locking accounts:

- per (username, address): after a few failures each further try from that address waits a delay
  that doubles (30 s, 1 min, 2 min … up to 15 min); a success resets the pair;
- per address: after many failures for any usernames, tries from it wait a growing delay too —
  except a user who has signed in from that address before and has no failures there, so the
  regular agents behind a shared address keep signing in while someone among them sprays guesses;
- the real user at any other address is never slowed down by someone else's failures.

Repeated failures against one account are recorded as a security alert: the user is told at their
next sign-in, and admins see every alert. Attempts live in the database so all app processes share
them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select
from werkzeug.security import check_password_hash

from ..extensions import db
from ..timeutil import utcnow
from .models import LoginAttempt, SecurityAlert, User
from .services import dummy_hash, normalise_username

ATTEMPT_RETENTION = timedelta(days=45)


def growing_delay(failures: int, *, free: int, first: timedelta, cap: timedelta, step: int = 1) -> timedelta:
    """No wait for the first `free` failures, then `first`, doubling every `step` further failures, up to `cap`."""
    if failures < free:
        return timedelta(0)
    doublings = (failures - free) // max(1, step)
    if doublings > 40:
        return cap
    return min(cap, first * (2**doublings))


@dataclass(frozen=True)
class LoginResult:
    user: User | None
    error: str | None = None
    #: seconds to wait before trying again (when throttled)
    wait: int = 0
    #: alerts about failed sign-ins the user has not been told about yet
    alerts: list[SecurityAlert] = field(default_factory=list)


def _window_start(now: datetime) -> datetime:
    return now - current_app.config["LOGIN_FAILURE_WINDOW"]


def _failures(*conditions, since: datetime) -> tuple[int, datetime | None]:
    count, last = db.session.execute(
        select(func.count(), func.max(LoginAttempt.at)).where(
            *conditions, LoginAttempt.success.is_(False), LoginAttempt.at > since
        )
    ).one()
    return count or 0, last


def _last_success(*conditions) -> datetime | None:
    return db.session.scalar(select(func.max(LoginAttempt.at)).where(*conditions, LoginAttempt.success.is_(True)))


def _remaining(delay: timedelta, last: datetime | None, now: datetime) -> int:
    if last is None or not delay:
        return 0
    left = (last + delay - now).total_seconds()
    return math.ceil(left) if left > 0 else 0


def _wait_before_trying(username: str, ip: str, now: datetime) -> int:
    cfg = current_app.config
    window = _window_start(now)
    pair = (LoginAttempt.username == username, LoginAttempt.ip == ip)
    pair_success = _last_success(*pair)
    pair_count, pair_last = _failures(*pair, since=max(window, pair_success) if pair_success else window)
    wait = _remaining(growing_delay(pair_count, free=cfg["LOGIN_FREE_FAILURES"], first=cfg["LOGIN_DELAY"],
                                    cap=cfg["LOGIN_MAX_DELAY"]), pair_last, now)
    if wait:
        return wait
    address_count, address_last = _failures(LoginAttempt.ip == ip, since=window)
    if address_count < cfg["LOGIN_ADDRESS_FREE_FAILURES"]:
        return 0
    known = pair_count == 0 and pair_success is not None and pair_success > now - cfg["LOGIN_KNOWN_ADDRESS"]
    if known:
        return 0
    return _remaining(growing_delay(address_count, free=cfg["LOGIN_ADDRESS_FREE_FAILURES"],
                                    first=cfg["LOGIN_ADDRESS_DELAY"], cap=cfg["LOGIN_MAX_DELAY"], step=5),
                      address_last, now)


def _record(username: str, ip: str, success: bool, now: datetime) -> None:
    db.session.add(LoginAttempt(username=username, ip=ip, at=now, success=success))
    db.session.execute(LoginAttempt.__table__.delete().where(LoginAttempt.at < now - ATTEMPT_RETENTION))


def _open_alert(kind: str, now: datetime, **match) -> SecurityAlert | None:
    query = select(SecurityAlert).where(SecurityAlert.kind == kind, SecurityAlert.last_at > _window_start(now))
    for column, value in match.items():
        query = query.where(getattr(SecurityAlert, column) == value)
    if kind == "user":
        query = query.where(SecurityAlert.seen_at.is_(None))
    return db.session.scalar(query.order_by(SecurityAlert.id.desc()).limit(1))


def _raise_alerts(user: User | None, username: str, ip: str, now: datetime) -> None:
    cfg = current_app.config
    window = _window_start(now)
    if user is not None:
        success = _last_success(LoginAttempt.username == username)
        since = max(window, success) if success else window
        count, _ = _failures(LoginAttempt.username == username, since=since)
        if count >= cfg["LOGIN_ALERT_FAILURES"]:
            addresses = db.session.scalars(
                select(LoginAttempt.ip).where(LoginAttempt.username == username, LoginAttempt.success.is_(False),
                                              LoginAttempt.at > since).group_by(LoginAttempt.ip).limit(10)
            ).all()
            alert = _open_alert("user", now, user_id=user.id) or SecurityAlert(kind="user", user_id=user.id,
                                                                               first_at=now)
            alert.failures, alert.last_at = count, now
            alert.addresses = ", ".join(sorted(a for a in addresses if a))[:500]
            db.session.add(alert)
    count, _ = _failures(LoginAttempt.ip == ip, since=window)
    if count >= cfg["LOGIN_ADDRESS_FREE_FAILURES"]:
        alert = _open_alert("address", now, ip=ip) or SecurityAlert(kind="address", ip=ip, first_at=now)
        alert.failures, alert.last_at, alert.addresses = count, now, ip
        db.session.add(alert)


def authenticate(username: str, password: str, ip: str) -> LoginResult:
    """Check credentials. Unknown users and wrong passwords look identical, in message and in timing."""
    username = normalise_username(username)
    now = utcnow()
    wait = _wait_before_trying(username, ip, now)
    if wait:
        return LoginResult(None, "login.throttled", wait)
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        check_password_hash(dummy_hash(), password)
    ok = user is not None and check_password_hash(user.password_hash, password)
    if not ok or user is None:
        _record(username, ip, False, now)
        _raise_alerts(user, username, ip, now)
        db.session.commit()
        return LoginResult(None, "login.bad_credentials")
    if not user.active:
        _record(username, ip, False, now)
        db.session.commit()
        return LoginResult(None, "login.disabled")
    alerts = list(db.session.scalars(
        select(SecurityAlert).where(SecurityAlert.user_id == user.id, SecurityAlert.kind == "user",
                                    SecurityAlert.seen_at.is_(None)).order_by(SecurityAlert.first_at)
    ))
    for alert in alerts:
        alert.seen_at = now
    user.last_login_at = now
    _record(username, ip, True, now)
    db.session.commit()
    return LoginResult(user, alerts=alerts)


def recent_alerts(days: int = 30, limit: int = 200) -> list[SecurityAlert]:
    """Alerts of the last `days`, newest first (the admin security page)."""
    since = utcnow() - timedelta(days=days)
    return list(db.session.scalars(
        select(SecurityAlert).where(SecurityAlert.last_at > since).order_by(SecurityAlert.last_at.desc()).limit(limit)
    ))


def alerts_of(user: User, limit: int = 10) -> list[SecurityAlert]:
    return list(db.session.scalars(
        select(SecurityAlert).where(SecurityAlert.user_id == user.id).order_by(SecurityAlert.last_at.desc())
        .limit(limit)
    ))
