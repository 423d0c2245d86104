"""Error pages in Chinese; JSON for the API. Nothing here ever shows a stack trace."""

from __future__ import annotations

from flask import Flask, jsonify, make_response, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import InternalError, OperationalError, SQLAlchemyError
from werkzeug.exceptions import HTTPException, InternalServerError

from . import messages
from .extensions import db, login_manager


def _render(code: int, key: str, text: str | None = None, **context):
    text = text or messages.msg(key)
    if request.path.startswith("/api/"):
        return jsonify({"error": text, "status": code}), code
    return render_template("errors/error.html", code=code, message=text, **context), code


def _rollback() -> None:
    try:
        db.session.rollback()
    except SQLAlchemyError:  # the connection itself is gone; the pool replaces it on the next request
        db.session.invalidate()


def install(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(_err):
        return _render(400, "error.csrf")

    @app.errorhandler(HTTPException)
    def _http(err: HTTPException):
        code = err.code or 500
        key = f"error.{code}"
        if key not in messages.MESSAGES:
            key = "error.400" if 400 <= code < 500 else "error.500"
        # A view may abort with its own (catalogue) message; Werkzeug's English default is never shown.
        custom = err.description if err.description != type(err).description else None
        return _render(code, key, custom)

    @app.errorhandler(OperationalError)
    @app.errorhandler(InternalError)
    def _database_unavailable(_err):
        """The database is down, read-only or full: nothing was saved, and the user is told so (503)."""
        _rollback()
        # The page must not look the user up again: that is the query that just failed.
        response, code = _render(503, "error.database", me=login_manager.anonymous_user())
        response = make_response(response, code)
        response.headers["Retry-After"] = "30"
        return response

    @app.errorhandler(InternalServerError)
    def _internal(_err):
        _rollback()
        return _render(500, "error.500")
