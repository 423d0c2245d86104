"""Competency pages: an agent's profile, the model and its weight versions."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user

from ..access import allow
from ..accounts import services as accounts
from ..accounts.models import User
from ..extensions import db
from . import services

bp = Blueprint("competency", __name__, url_prefix="/competency")


def visible_agent_or_403(agent_id: int) -> User:
    agent = db.session.get(User, agent_id)
    if agent is None:
        abort(404)
    if not accounts.can_view_agent(current_user, agent):
        abort(403)
    return agent


@bp.route("/me")
@allow("trainee")
def my_profile():
    return redirect(url_for("competency.profile", agent_id=current_user.id))


@bp.route("/agents/<int:agent_id>")
@allow("trainee", "supervisor", "hr")
def profile(agent_id: int):
    agent = visible_agent_or_403(agent_id)
    method = services.parse_method(request.args.get("method"))
    result = services.profile(agent, method)
    if result is None:
        abort(404)
    evidence = services.evidence_for(agent, limit=50)
    return render_template(
        "competency/profile.html",
        profile=result,
        evidence=evidence,
        superseded=services.superseded_ids(evidence),
        can_correct=current_user.role in ("supervisor", "hr"),
        tenure=accounts.tenure_months(agent.hire_date),
    )


@bp.route("/model")
@allow()
def model():
    return render_template(
        "competency/model.html", model=services.model_view(), weight_sets=services.weight_sets()
    )


@bp.route("/agents/<int:agent_id>/evidence/<int:evidence_id>/correct")
@allow("supervisor", "hr")
def correct(agent_id: int, evidence_id: int):
    """Old address of the correction form: corrections are supervisor judgement, now in the review room."""
    agent = visible_agent_or_403(agent_id)
    evidence = services.get_evidence(evidence_id)
    if evidence is None or evidence.agent_id != agent.id:
        abort(404)
    return redirect(url_for("review.correct_evidence", evidence_id=evidence_id), 308)
