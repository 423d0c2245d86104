"""Error pages in Chinese; JSON for the API. Nothing here ever shows a stack trace."""

from __future__ import annotations

from flask import Flask, Response, current_app, jsonify, make_response, render_template, request
from flask_wtf.csrf import CSRFError
from markupsafe import escape
from sqlalchemy.exc import InterfaceError, InternalError, OperationalError, PendingRollbackError, SQLAlchemyError
from werkzeug.exceptions import HTTPException, InternalServerError

from . import messages
from .extensions import db, login_manager


def _render(code: int, key: str, text: str | None = None, **context):
    text = text or messages.msg(key)
    if request.path.startswith("/api/"):
        return jsonify({"error": text, "status": code}), code
    try:
        return render_template("errors/error.html", code=code, message=text, **context), code
    except Exception:
        current_app.logger.exception("rendering the error page failed")
        return _bare_page(code, text), code


def _bare_page(code: int, text: str) -> Response:
    """The error page without the layout: what is left when the layout itself needs the failing database."""
    body = (f'<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>{code}</title>'
            f"<h1>{code}</h1><p>{escape(text)}</p><p><a href=\"/\">{escape(messages.msg('error.home'))}</a></p>")
    return Response(body, code, mimetype="text/html")


def _rollback() -> None:
    try:
        db.session.rollback()
    except SQLAlchemyError:  # the connection itself is gone; the pool replaces it on the next request
        try:
            db.session().invalidate()
        except SQLAlchemyError:
            current_app.logger.warning("dropping a dead database connection failed", exc_info=True)


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
    @app.errorhandler(InterfaceError)
    @app.errorhandler(PendingRollbackError)
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
