"""How a request gets its user: the session cookie for pages, a Bearer token for /api/."""

from __future__ import annotations

from flask import Flask, current_app, flash, g, jsonify, redirect, request, session, url_for
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select

from . import messages
from .accounts import sessions
from .accounts.models import User
from .accounts.services import user_for_token
from .extensions import db, login_manager

#: the session cookie's key for the server-side session (trainer.accounts.sessions)
SESSION_KEY = "sid"


def _is_api() -> bool:
    return request.path.startswith("/api/")


@login_manager.user_loader
def _load_from_session(login_id: str) -> User | None:
    """A cookie signs a request in only while its server-side session row is open (see accounts.sessions)."""
    if _is_api():
        return None  # the API trusts tokens only, never cookies
    user = db.session.scalar(select(User).where(User.login_id == login_id))
    if user is None or not user.active:
        return None
    checked = sessions.check(user, session.get(SESSION_KEY), current_app.config["SESSION_IDLE_TIMEOUT"])
    g.session_end_reason = checked.reason
    return user if checked.record is not None else None


@login_manager.request_loader
def _load_from_token(req) -> User | None:
    if not _is_api():
        return None
    header = req.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return user_for_token(token.strip())


@login_manager.unauthorized_handler
def _unauthorized():
    if _is_api():
        return jsonify({"error": messages.msg("api.unauthorized"), "status": 401}), 401
    flash(messages.msg("login.required"), "info")
    return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))


def _drop_dead_sessions():
    """A cookie whose session was ended (sign-out, another device, idle) is cleared; idle says so."""
    if _is_api() or request.endpoint == "static" or "_user_id" not in session:
        return None
    if current_user.is_authenticated:
        return None
    reason = g.get("session_end_reason")
    session.clear()
    if reason != "idle":
        return None
    flash(messages.msg("login.expired"), "warning")
    if request.endpoint == "accounts.login":
        return None
    return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))


def sign_in(user: User) -> None:
    """Start a fresh session for `user`: a new cookie and a new server-side row."""
    session.clear()
    login_user(user)
    session.permanent = True
    session[SESSION_KEY] = sessions.open_session(user, ip=request.remote_addr or "",
                                                 user_agent=request.user_agent.string)


def sign_out() -> None:
    sessions.end(session.get(SESSION_KEY), reason="logout")
    logout_user()
    session.clear()


def current_session_key() -> object:
    return session.get(SESSION_KEY)


def install(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.session_protection = "basic"
    app.before_request(_drop_dead_sessions)

    @app.context_processor
    def _user_context():
        return {"me": current_user}
