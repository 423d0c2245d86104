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
from ..competency import history as competency_history
from ..competency import services as competency
from ..extensions import db
from ..learning import services as learning
from ..messages import ServiceError
from ..review import grading as review_grading
from ..review import queue as review_queue_module
from ..review.grading import GradeInput
from ..review.models import ITEM_KINDS, ReviewItem
from ..review.sources import content_of
from ..roleplay import services as roleplay
from ..roleplay.models import RoleplaySession
from ..rules import services as phrase_rules
from ..scoring.batch import score_object
from .ratelimit import install as install_rate_limits
from .ratelimit import rate_limit

bp = Blueprint("api", __name__, url_prefix="/api/v1")
install_rate_limits(bp)  # per-token limits shared through the database: trainer/api/ratelimit.py

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


@bp.route("/agents/<int:agent_id>/history")
@allow("trainee", "supervisor", "hr")
def agent_history(agent_id: int):
    """`?indicator=<id>&months=12`: the score at the end of each month and that month's evidence count.

    Without `indicator` the points are the weighted index. An unknown indicator is a 400, months are
    bounded to 1–36.
    """
    agent = db.session.get(User, agent_id)
    if agent is None:
        abort(404)
    if not accounts.can_view_agent(current_user, agent):
        abort(403)
    model = competency.model_view(competency.weight_set_by_version(request.args.get("weights")))
    if model is None:
        abort(404)
    indicator = request.args.get("indicator") or None
    if indicator is not None and indicator not in model.indicator_names:
        return jsonify({"error": messages.msg("api.bad_indicator")}), 400
    months = request.args.get("months", "12")
    if not months.isdigit() or not 1 <= int(months) <= competency_history.MAX_MONTHS:
        return jsonify({"error": messages.msg("api.bad_months", most=competency_history.MAX_MONTHS)}), 400
    method = competency.parse_method(request.args.get("method"))
    series = competency_history.series(agent, model, int(months), method)
    return jsonify({"agent": _user_json(agent), "indicator": indicator, "method": str(method),
                    "weight_set": model.weight_set.version,
                    "points": [p.as_json() for p in competency_history.indicator_history(series, indicator)]})


@bp.route("/score", methods=["POST"])
@allow()
@rate_limit("score")
def score():
    """Score one reply: `{"id", "text", "script"}` in, the same report as `trainer score` out."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        abort(400)
    try:
        rules = phrase_rules.rules_in_force()
    except phrase_rules.RulesNotLoaded:
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
@rate_limit("roleplay_start")
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
@rate_limit("roleplay_turn")
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


# --- supervisor review -------------------------------------------------------------------------------


def _review_item(item_id: int) -> ReviewItem:
    item = db.session.get(ReviewItem, item_id)
    if item is None:
        abort(404)
    if item.agent_id != current_user.id and not accounts.can_view_agent(current_user, item.agent):
        abort(403)
    return item


def _service_error(err: ServiceError):
    return jsonify({"error": err.text, "code": err.key, "status": err.status}), err.status


@bp.route("/review/queue")
@allow("supervisor", "hr")
def review_queue():
    """The viewer's queue (`?ungraded=1`, `?kind=`, `?flagged=1`, `?page=`), oldest first, 100 a page."""
    kind = request.args.get("kind", "")
    if kind and kind not in ITEM_KINDS:
        return jsonify({"error": messages.msg("api.bad_kind", kinds=", ".join(ITEM_KINDS)), "status": 400}), 400
    page = request.args.get("page", "1")
    if not page.isdigit() or not 1 <= int(page) <= 100_000:
        abort(400)
    flt = review_queue_module.QueueFilter(kind=kind, ungraded_only=request.args.get("ungraded") == "1",
                                          flagged_only=request.args.get("flagged") == "1")
    items, total = review_queue_module.page_of(current_user, flt, int(page), per_page=100)
    return jsonify({"total": total, "page": int(page), "items": [
        {"id": i.id, "kind": i.kind, "agent": {"id": i.agent_id, "name": i.agent.display_name}, "title": i.title,
         "created_at": i.created_at.isoformat() + "Z", "auto_score": i.auto_score, "flags": i.flags,
         "graded": i.grade_id is not None}
        for i in items]})


@bp.route("/review/items/<int:item_id>")
@allow("trainee", "supervisor", "hr")
def review_item(item_id: int):
    """The item with its turns or answer, the numbered automatic hits, its indicators, the rubric and grades."""
    item = _review_item(item_id)
    content = content_of(item)
    rubric = review_grading.rubric_view(item.rubric_id)
    grade = item.grade
    return jsonify({
        "id": item.id, "kind": item.kind, "title": item.title, "agent": {"id": item.agent_id,
                                                                        "name": item.agent.display_name},
        "created_at": item.created_at.isoformat() + "Z", "auto_score": item.auto_score,
        "final_score": review_grading.final_score(item), "flags": item.flags, "prompt": content.prompt,
        "turns": [{"position": t.position, "role": t.role, "text": t.text, "report": t.report, "score": t.score}
                  for t in content.turns],
        "hits": [h.as_dict() for h in review_grading.item_hits(item, content)],
        "indicators": item.indicators,
        "rubric": {"id": rubric.id, "name": rubric.name, "scale": {str(k): v for k, v in rubric.scale.items()},
                   "levels": {ind: {str(k): v for k, v in rubric.levels.get(ind, {}).items()}
                              for ind in item.indicators}},
        "grade": None if grade is None else {
            "id": grade.id, "grader": grade.grader.display_name, "created_at": grade.created_at.isoformat() + "Z",
            "ratings": grade.ratings, "comment": grade.comment, "turn_comments": grade.turn_comments,
            "override": None if grade.override_score is None else {"score": grade.override_score,
                                                                   "reason": grade.override_reason},
            "verdicts": [{"hit": v.hit_no, "verdict": v.verdict, "note": v.note} for v in grade.verdicts]},
    })


def _grade_input(body: dict) -> GradeInput:
    """Shape the JSON grade; anything of the wrong type is a 400 with the rule it breaks."""
    ratings = body.get("ratings", {})
    override = body.get("override")
    verdicts = body.get("verdicts", [])
    comment = body.get("comment", "")
    turns = body.get("turn_comments", {})
    if not isinstance(ratings, dict) or not isinstance(verdicts, list) or not isinstance(comment, str) or not (
            override is None or isinstance(override, dict)) or not isinstance(turns, dict):
        raise ServiceError("api.bad_grade")
    for value in ratings.values():
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            raise ServiceError("review.bad_rating", indicator=next(k for k, v in ratings.items() if v is value))
    parsed_verdicts = []
    for entry in verdicts:
        if not isinstance(entry, dict) or type(entry.get("hit")) is not int or not isinstance(
                entry.get("verdict"), str) or not isinstance(entry.get("note", ""), str):
            raise ServiceError("api.bad_grade")
        parsed_verdicts.append((entry["hit"], entry["verdict"], entry.get("note", "")))
    score = reason = None
    if override is not None:
        score, reason = override.get("score"), override.get("reason", "")
        if isinstance(score, bool) or not isinstance(score, int | float) or not isinstance(reason, str):
            raise ServiceError("review.bad_override")
        try:
            score = float(score)  # an integer of 400 digits is a valid JSON number but no float
        except OverflowError:
            raise ServiceError("review.bad_override") from None
    turn_comments = {}
    for key, value in turns.items():
        # isdigit() would take "²", which int() refuses; a turn number is a few decimal digits
        if not (str(key).isdecimal() and len(str(key)) <= 9) or not isinstance(value, str):
            raise ServiceError("api.bad_grade")
        turn_comments[int(key)] = value
    return GradeInput(ratings=dict(ratings), comment=comment, turn_comments=turn_comments,
                      override_score=score, override_reason=reason or "",
                      verdicts=tuple(parsed_verdicts))


@bp.route("/review/items/<int:item_id>/grade", methods=["POST"])
@allow("supervisor", "hr")
def review_grade(item_id: int):
    """Grade an item: `{"ratings", "comment", "override": {"score", "reason"} | null, "verdicts"}` → 201."""
    item = _review_item(item_id)
    if not review_grading.can_grade(current_user, item):
        return jsonify({"error": messages.msg("review.not_allowed"), "status": 403}), 403
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        abort(400)
    try:
        grade = review_grading.grade_item(item, current_user, _grade_input(body))
    except ServiceError as err:
        return _service_error(err)
    return jsonify({"grade": grade.id, "evidence": [e.id for e in review_grading.evidence_of(grade)]}), 201


@bp.route("/practice", methods=["POST"])
@allow("trainee")
@rate_limit("practice")
def course_practice():
    """`{"course": slug, "block": id, "text"}` → the reply's grade with every part and its reason.

    Graded exactly as the lesson page grades it; recorded when the trainee is enrolled in the course,
    graded without storing anything when not (`"recorded": false`).
    """
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        abort(400)
    text, limit = body.get("text"), phrase_rules.rules_in_force().scoring.max_chars
    if not isinstance(text, str) or not text.strip():
        return jsonify({"error": messages.msg("api.text_required"), "status": 400}), 400
    if len(text) > limit:
        return jsonify({"error": messages.msg("practice.too_long", limit=limit), "status": 413}), 413
    try:
        attempt, recorded = learning.practise_block(current_user, body.get("course"), body.get("block"), text)
    except learning.LearningError as err:
        return jsonify({"error": messages.msg(err.key, **err.values), "status": 404}), 404
    report = attempt.report
    return jsonify({"grade": report["grade"], "passed": report["passed"], "parts": report["parts"],
                    "flags": report["flags"], "key_points": report["key_points"], "report": report,
                    "recorded": recorded, "attempt": attempt.id if recorded else None})
