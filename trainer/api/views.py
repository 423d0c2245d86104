"""/api/v1: token-authenticated JSON endpoints.

The API ignores session cookies entirely (see `trainer.auth`), so it needs no CSRF token and a
browser tab signed in to the web UI cannot be tricked into calling it.
"""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, request
from flask_login import current_user
from werkzeug.exceptions import HTTPException

from .. import messages
from ..access import allow
from ..accounts import services as accounts
from ..accounts.models import User
from ..competency import services as competency
from ..extensions import db
from ..practice import services as practice
from ..roleplay import services as roleplay
from ..roleplay.models import RoleplaySession
from ..scoring.batch import score_object

bp = Blueprint("api", __name__, url_prefix="/api/v1")

_ERROR_KEYS = {400: "api.bad_json", 401: "api.unauthorized", 403: "api.forbidden", 404: "api.not_found"}


@bp.errorhandler(HTTPException)
def _json_error(err: HTTPException):
    key = _ERROR_KEYS.get(err.code or 500, f"error.{err.code}")
    custom = err.description if err.description != type(err).description else None
    text = custom or messages.MESSAGES.get(key, messages.MESSAGES["error.500"])
    return jsonify({"error": text, "status": err.code}), err.code


def _user_json(user: User) -> dict:
    return {
        "id": user.id,
        "username": user.username,
        "display_name": user.display_name,
        "role": user.role,
        "team": user.team.name if user.team else None,
        "grade": user.grade.name if user.grade else None,
        "hire_date": user.hire_date.isoformat() if user.hire_date else None,
    }


@bp.route("/me")
@allow()
def me():
    return jsonify(_user_json(current_user))


@bp.route("/agents/<int:agent_id>/profile")
@allow("trainee", "supervisor", "hr")
def agent_profile(agent_id: int):
    agent = db.session.get(User, agent_id)
    if agent is None:
        abort(404)
    if not accounts.can_view_agent(current_user, agent):
        abort(403)
    profile = competency.profile(agent)
    if profile is None:
        abort(404)
    return jsonify({
        "agent": _user_json(agent),
        "weight_set": profile.model.weight_set.version,
        "method": str(profile.method),
        "index": None if profile.index is None else round(profile.index, 2),
        "coverage": round(profile.coverage, 4),
        "indicators": [
            {
                "id": row.info.id,
                "name": row.info.name,
                "group": group.info.id,
                "weight": row.info.weight,
                "combined": round(row.info.combined, 2),
                "score": None if row.score is None else round(row.score, 2),
                "evidence": row.count,
            }
            for group in profile.groups
            for row in group.indicators
        ],
    })


@bp.route("/score", methods=["POST"])
@allow()
def score():
    """Score one reply: `{"id", "text", "script"}` in, the same report as `trainer score` out."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        abort(400)
    try:
        rules = practice.rules_in_force()
    except practice.RulesNotLoaded:
        abort(503, messages.msg("practice.no_rules"))
    result = score_object(body, rules)
    if "error" in result:
        return jsonify({**result, "status": 413 if result["code"] == "too_long" else 400}), (
            413 if result["code"] == "too_long" else 400
        )
    return jsonify(result)


def _roleplay_error(err: roleplay.RoleplayError):
    return jsonify({"error": messages.msg(err.key, **err.values), "code": err.key, "status": err.status}), err.status


def _own_session(session_id: int) -> RoleplaySession:
    session = db.session.get(RoleplaySession, session_id)
    if session is None:
        abort(404)
    if not roleplay.can_view(current_user, session):
        abort(403)
    return session


@bp.route("/roleplay/sessions", methods=["POST"])
@allow("trainee")
def roleplay_start():
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("scenario"), str):
        return jsonify({"error": messages.msg("api.scenario_required"), "status": 400}), 400
    try:
        session = roleplay.start(current_user, body["scenario"])
    except roleplay.RoleplayError as err:
        return _roleplay_error(err)
    return jsonify({"session": session.id, "customer": session.turns[0].text, "emotion": session.emotion,
                    "stage": session.stage}), 201


@bp.route("/roleplay/sessions/<int:session_id>/turns", methods=["POST"])
@allow("trainee")
def roleplay_turn(session_id: int):
    session = _own_session(session_id)
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        abort(400)
    after = body.get("after")
    if after is not None and (type(after) is not int or after < 0):
        return jsonify({"error": messages.msg("roleplay.bad_after"), "code": "roleplay.bad_after", "status": 400}), 400
    try:
        mine, theirs = roleplay.take_turn(session, current_user, body.get("text"), after)
    except roleplay.RoleplayError as err:
        return _roleplay_error(err)
    return jsonify({"report": mine.report, "turn_score": mine.turn_score, "customer": theirs.text,
                    "turns": session.turns_taken,
                    "emotion": session.emotion, "stage": session.stage, "finished": session.status == "finished",
                    "outcome": session.outcome})


@bp.route("/roleplay/sessions/<int:session_id>")
@allow("trainee", "supervisor", "hr")
def roleplay_session(session_id: int):
    return jsonify(roleplay.session_json(_own_session(session_id)))
