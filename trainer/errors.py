"""Error pages in Chinese; JSON for the API. Nothing here ever shows a stack trace."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from . import messages
from .extensions import db


def _render(code: int, key: str, text: str | None = None):
    text = text or messages.msg(key)
    if request.path.startswith("/api/"):
        return jsonify({"error": text, "status": code}), code
    return render_template("errors/error.html", code=code, message=text), code


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

    @app.errorhandler(InternalServerError)
    def _internal(_err):
        db.session.rollback()
        return _render(500, "error.500")
