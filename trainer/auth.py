"""How a request gets its user: the session cookie for pages, a Bearer token for /api/."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask, current_app, flash, jsonify, redirect, request, session, url_for
from flask_login import current_user, logout_user
from sqlalchemy import select

from . import messages
from .accounts.models import User
from .accounts.services import user_for_token
from .extensions import db, login_manager
from .timeutil import utcnow


def _is_api() -> bool:
    return request.path.startswith("/api/")


@login_manager.user_loader
def _load_from_session(login_id: str) -> User | None:
    if _is_api():
        return None  # the API trusts tokens only, never cookies
    user = db.session.scalar(select(User).where(User.login_id == login_id))
    return user if user is not None and user.active else None


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


def _expire_idle_sessions():
    """Sign out a browser session that sat unused longer than SESSION_IDLE_TIMEOUT."""
    if _is_api() or request.endpoint == "static" or "_user_id" not in session:
        return None
    now = utcnow().timestamp()
    limit: timedelta = current_app.config["SESSION_IDLE_TIMEOUT"]
    last_seen = session.get("last_seen")
    if last_seen is not None and now - float(last_seen) > limit.total_seconds():
        logout_user()
        session.clear()
        flash(messages.msg("login.expired"), "warning")
        if request.endpoint == "accounts.login":
            return None
        return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))
    session["last_seen"] = now
    return None


def install(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.session_protection = "basic"
    app.before_request(_expire_idle_sessions)

    @app.context_processor
    def _user_context():
        return {"me": current_user}
