"""Account rules: sign-in with rate limiting, user and team management, API tokens, who sees whom.

Every administrative change here (an account created or edited, a password reset or changed, a token issued or
revoked, a team saved) adds a record to the administrative audit log (`audit.record`) before the commit that stores
the change, so the two are stored together. `actor` is who did it; None means the command line.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import date

from flask import current_app
from sqlalchemy import Select, false, select
from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import db
from ..timeutil import utcnow
from . import audit, passwords, sessions
from .models import ROLES, Grade, Team, User, new_login_id

TOKEN_PREFIX = "trn_"


class AccountError(Exception):
    """A rule was broken; `key` names the message in trainer.messages, `values` fill it in."""

    def __init__(self, key: str, **values: object):
        super().__init__(key)
        self.key = key
        self.values = values


# --- passwords and sign-in -------------------------------------------------------------------------


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config.get("PASSWORD_HASH_METHOD", "scrypt"))


_DUMMY_HASH: dict[str, str] = {}


def dummy_hash() -> str:
    """A hash to check unknown usernames against, so they take as long as real ones."""
    method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
    if method not in _DUMMY_HASH:
        _DUMMY_HASH[method] = generate_password_hash(secrets.token_hex(8), method=method)
    return _DUMMY_HASH[method]


def check_password_rule(password: str, username: str) -> None:
    """Raise passwords.PasswordRejected when `password` may not be set for `username` (see trainer.accounts.passwords).

    Every path that sets a password calls this, so a form that forgot its validator still cannot store a weak one.
    """
    passwords.check(password, username, min_length=current_app.config["PASSWORD_MIN_LENGTH"])


def change_password(user: User, current: str, new: str, *, keep_session: object) -> None:
    """A new password signs out every other device; the session that changed it stays signed in."""
    if not check_password_hash(user.password_hash, current):
        raise AccountError("account.password_wrong")
    check_password_rule(new, user.username)
    user.password_hash = hash_password(new)
    audit.record(actor=user, action="password_change", target=audit.user_target(user))
    db.session.commit()
    sessions.end_others(user, keep_session, reason="password")


# --- API tokens --------------------------------------------------------------------------------------


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _token_time(user: User) -> str | None:
    created = user.api_token_created_at
    return created.isoformat(timespec="seconds") if created is not None else None


def issue_api_token(user: User, *, actor: User | None = None) -> str:
    """Create a new token (the old one stops working). Only its hash is stored; show it once.

    The audit record says when the replaced and the new token were issued, never the token or its hash.
    """
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    before = {"token_created_at": _token_time(user)}
    user.api_token_hash = _token_digest(token)
    user.api_token_created_at = utcnow()
    audit.record(actor=actor, action="token_issue", target=audit.user_target(user), before=before,
                 after={"token_created_at": _token_time(user)})
    db.session.commit()
    return token


def revoke_api_token(user: User, *, actor: User | None = None) -> None:
    """Remove the user's token; recorded only when there was one to revoke."""
    if user.api_token_hash is not None:
        audit.record(actor=actor, action="token_revoke", target=audit.user_target(user),
                     before={"token_created_at": _token_time(user)}, after={"token_created_at": None})
    user.api_token_hash = None
    user.api_token_created_at = None
    db.session.commit()


def user_for_token(token: str) -> User | None:
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    digest = _token_digest(token)
    user = db.session.scalar(select(User).where(User.api_token_hash == digest))
    if user is None or not user.active or not hmac.compare_digest(user.api_token_hash or "", digest):
        return None
    return user


# --- users and teams ---------------------------------------------------------------------------------


def normalise_username(username: str) -> str:
    return (username or "").strip().lower()


def get_user(username: str) -> User | None:
    return db.session.scalar(select(User).where(User.username == normalise_username(username)))


def create_user(
    *,
    username: str,
    password: str,
    role: str,
    display_name: str = "",
    team: Team | None = None,
    grade_code: str | None = None,
    hire_date: date | None = None,
    commit: bool = True,
    actor: User | None = None,
) -> User:
    """Create an account; refuses a taken username (AccountError) and a weak password (PasswordRejected)."""
    username = normalise_username(username)
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}")
    check_password_rule(password, username)
    if get_user(username) is not None:
        raise AccountError("admin.username_taken", username=username)
    user = User(
        username=username,
        display_name=display_name.strip() or username,
        password_hash=hash_password(password),
        role=role,
        team=team if role == "trainee" else None,
        grade_code=grade_code,
        hire_date=hire_date,
        login_id=new_login_id(),
    )
    db.session.add(user)
    db.session.flush()  # the record names the account by id
    audit.record(actor=actor, action="user_create", target=audit.user_target(user),
                 after={"username": user.username, **audit.user_state(user), "active": True})
    if commit:
        db.session.commit()
    return user


def update_user(
    user: User,
    *,
    acting: User,
    display_name: str,
    role: str,
    team: Team | None,
    grade_code: str | None,
    hire_date: date | None,
    active: bool,
) -> None:
    """Save an admin's edit: one audit record for the changed fields, one more when the account is disabled or
    enabled. Disabling signs the user out everywhere (new login id, open sessions closed)."""
    if user.id == acting.id and (not active or role != "admin"):
        raise AccountError("admin.cannot_demote_self")
    if team is not None and role != "trainee":
        raise AccountError("admin.team_only_for_trainees")
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}")
    before, was_active = audit.user_state(user), user.active
    disabling = was_active and not active
    if disabling:
        user.login_id = new_login_id()
    if role != "supervisor":
        user.led_teams = []
    user.display_name = display_name.strip() or user.username
    user.role = role
    user.team = team
    user.grade_code = grade_code
    user.hire_date = hire_date
    user.active = active
    changed_before, changed_after = audit.difference(before, audit.user_state(user))
    target = audit.user_target(user)
    if changed_after:
        audit.record(actor=acting, action="user_update", target=target, before=changed_before, after=changed_after)
    if was_active != active:
        audit.record(actor=acting, action="user_enable" if active else "user_disable", target=target,
                     before={"active": was_active}, after={"active": active})
    db.session.commit()
    if disabling:
        sessions.end_all(user, reason="disabled")


def reset_password(user: User, new_password: str, *, actor: User | None = None) -> None:
    """An admin reset signs the user out of every session and invalidates nothing else.

    The rule is checked against the user's own username; the record names the account, never the password.
    """
    check_password_rule(new_password, user.username)
    user.password_hash = hash_password(new_password)
    user.login_id = new_login_id()
    audit.record(actor=actor, action="password_reset", target=audit.user_target(user))
    db.session.commit()
    sessions.end_all(user, reason="reset")


def save_team(team: Team | None, *, name: str, description: str, supervisors: list[User],
              actor: User | None = None) -> Team:
    """Create or edit a team; the audit record holds the changed name, description and supervisors."""
    name = name.strip()
    clash = db.session.scalar(select(Team).where(Team.name == name))
    if clash is not None and clash is not team:
        raise AccountError("admin.team_name_taken", name=name)
    if any(s.role != "supervisor" for s in supervisors):
        raise AccountError("admin.supervisor_required")
    before = audit.team_state(team) if team is not None else None
    if team is None:
        team = Team(name=name)
        db.session.add(team)
    team.name = name
    team.description = description.strip()
    team.supervisors = supervisors
    db.session.flush()
    target = f"team:{team.id}"
    if before is None:
        audit.record(actor=actor, action="team_create", target=target, after=audit.team_state(team))
    else:
        changed_before, changed_after = audit.difference(before, audit.team_state(team))
        if changed_after:
            audit.record(actor=actor, action="team_update", target=target, before=changed_before,
                         after=changed_after)
    db.session.commit()
    return team


def all_users() -> list[User]:
    return list(db.session.scalars(select(User).order_by(User.role, User.username)))


def all_teams() -> list[Team]:
    return list(db.session.scalars(select(Team).order_by(Team.name)))


def supervisors() -> list[User]:
    return list(db.session.scalars(
        select(User).where(User.role == "supervisor", User.active.is_(True)).order_by(User.username)
    ))


def managed_teams(viewer: User) -> list[Team]:
    """Teams whose trainees `viewer` can direct (assign courses, set exams): HR all, a supervisor theirs."""
    return all_teams() if viewer.role == "hr" else list(viewer.led_teams)


def grades() -> list[Grade]:
    return list(db.session.scalars(select(Grade).order_by(Grade.rank)))


# --- who may see whose records -----------------------------------------------------------------------


def visible_agents_query(viewer: User) -> Select[User]:
    """Agents (trainees) whose records `viewer` may see: self; a supervisor's teams; HR everyone."""
    query = select(User).where(User.role == "trainee")
    if viewer.role == "hr":
        return query
    if viewer.role == "supervisor":
        team_ids = [team.id for team in viewer.led_teams]
        return query.where(User.team_id.in_(team_ids))
    if viewer.role == "trainee":
        return query.where(User.id == viewer.id)
    return query.where(false())  # admins manage accounts and content, not people's results


def can_view_agent(viewer: User, agent: User) -> bool:
    if agent.role != "trainee":
        return False
    if viewer.role == "hr":
        return True
    if viewer.role == "supervisor":
        return agent.team_id is not None and agent.team_id in {team.id for team in viewer.led_teams}
    return viewer.role == "trainee" and viewer.id == agent.id


def visible_agents(viewer: User) -> list[User]:
    return list(db.session.scalars(visible_agents_query(viewer).order_by(User.username)))


def tenure_months(hire_date: date | None, today: date | None = None) -> int | None:
    if hire_date is None:
        return None
    today = today or date.today()
    months = (today.year - hire_date.year) * 12 + today.month - hire_date.month
    if today.day < hire_date.day:
        months -= 1
    return max(0, months)
