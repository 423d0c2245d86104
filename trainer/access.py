"""Every view declares who may use it; one `before_request` hook enforces the declaration.

Declaring roles on the view (rather than checking inside it) lets `create_app` refuse to start when
a view forgot to declare anything, so a new page can never be reachable by accident.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import Flask, abort, current_app, request
from flask.typing import ResponseReturnValue
from flask_login import current_user

from .accounts.models import ROLES
from .extensions import login_manager

F = TypeVar("F", bound=Callable)

PUBLIC = frozenset({"*"})
ANY_ROLE = frozenset(ROLES)
STAFF = frozenset({"supervisor", "hr", "admin"})


def allow(*roles: str) -> Callable[[F], F]:
    """Allow signed-in users with one of `roles` (`allow()` with no roles = any signed-in user)."""
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown roles {sorted(unknown)}")
    allowed = frozenset(roles) if roles else ANY_ROLE

    def mark(view: F) -> F:
        view.allowed_roles = allowed  # type: ignore[attr-defined]  # a mark on the function object
        return view

    return mark


def public(view: F) -> F:
    """Reachable without signing in (login page, health check)."""
    view.allowed_roles = PUBLIC  # type: ignore[attr-defined]  # a mark on the function object
    return view


def undeclared_views(app: Flask) -> list[str]:
    return sorted(
        endpoint
        for endpoint, view in app.view_functions.items()
        if endpoint != "static" and not endpoint.endswith(".static") and not hasattr(view, "allowed_roles")
    )


def enforce_roles() -> ResponseReturnValue | None:
    view = current_app.view_functions.get(request.endpoint or "")
    if view is None or request.endpoint == "static":
        return None
    roles = getattr(view, "allowed_roles", None)
    if roles is None:  # defensive: create_app refuses undeclared views
        abort(403)
    if roles is PUBLIC:
        return None
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if current_user.role not in roles:
        abort(403)
    return None


def install(app: Flask) -> None:
    missing = undeclared_views(app)
    if missing:
        raise RuntimeError(f"views without an access declaration: {', '.join(missing)}")
    app.before_request(enforce_roles)
