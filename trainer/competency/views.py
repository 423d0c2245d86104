"""Competency pages: an agent's profile, the model and its weight versions."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from .. import messages
from ..access import allow
from ..accounts import services as accounts
from ..accounts.models import User
from ..exports import table_response
from ..extensions import db
from ..messages import ServiceError
from ..review import violations
from ..timeutil import utcnow
from . import history, reports, services, weights
from .dashboard_forms import weight_form

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
    weight_set = services.weight_set_by_version(request.args.get("weights"))
    result = services.profile(agent, method, weight_set)
    if result is None:
        abort(404)
    evidence = services.evidence_for(agent, limit=50)
    indicators = [i.id for g in result.model.groups for i in g.indicators]
    months, points = violations.monthly_points([agent], months=12)
    return render_template(
        "competency/profile.html",
        profile=result,
        evidence=evidence,
        superseded=services.superseded_ids(evidence),
        links=history.source_links(evidence),
        can_correct=current_user.role in ("supervisor", "hr"),
        tenure=accounts.tenure_months(agent.hire_date),
        trend=history.series(agent, result.model, 12, method),
        team_means=history.team_means(agent, method),
        grade_bar=history.grade_bar(agent, indicators),
        violation_months=list(zip(months, [points[0].months[m] for m in months], strict=True)),
        weights=request.args.get("weights", ""),
        weight_sets=services.weight_sets(),
    )


@bp.route("/agents/<int:agent_id>/export.<fmt>")
@allow("supervisor", "hr")
def export_profile(agent_id: int, fmt: str):
    """The profile with its trend and every piece of evidence, as XLSX or CSV (the evidence sheet)."""
    if fmt not in ("xlsx", "csv"):
        abort(404)
    agent = visible_agent_or_403(agent_id)
    tables = reports.profile_tables(agent, services.parse_method(request.args.get("method")),
                                    services.weight_set_by_version(request.args.get("weights")))
    if tables is None:
        abort(404)
    if fmt == "csv":
        tables = [tables[-1]]
    return table_response(tables, f"{agent.display_name}-能力档案", fmt)


@bp.route("/model")
@allow()
def model():
    return render_template(
        "competency/model.html", model=services.model_view(), weight_sets=services.weight_sets()
    )


@bp.route("/weights/new", methods=["GET", "POST"])
@allow("hr")
def new_weight_set():
    """HR revises the weights: a new version with its effective date and reason; the old ones are kept."""
    base = services.weight_set_by_version(request.args.get("from")) or services.active_weight_set()
    model = services.model_view(base)
    if model is None:
        abort(404)
    first, second = weights.weights_of(model.weight_set)
    names = {**{g.id: g.name for g in model.groups}, **model.indicator_names}
    form = weight_form(first, second, names)
    if request.method == "GET":
        form.label.data = f"{model.weight_set.label}（调整）"[:120]
        form.effective_from.data = utcnow().date()
    status = 200
    if form.validate_on_submit():
        new_first = {top: form[f"w_{top}"].data for top in first}
        new_second = {top: {child: form[f"w_{child}"].data for child in children} for top, children in second.items()}
        try:
            created = weights.create_weight_set(
                first=new_first, second=new_second, by=current_user, label=form.label.data.strip(),
                effective_from=form.effective_from.data, note=form.note.data.strip(),
                provenance={"kind": "manual", "by": current_user.display_name, "based_on": model.weight_set.version})
        except ServiceError as err:
            db.session.rollback()
            flash(messages.msg(err.key, **err.values), "error")
            status = 400
        else:
            when = "今天" if created.active else created.effective_from.isoformat()
            flash(messages.msg("weights.saved", version=created.version, when=when), "success")
            return redirect(url_for("competency.model"))
    elif request.method == "POST":
        status = 400
    return render_template("competency/weights_form.html", form=form, model=model, first=first,
                           second=second), status


@bp.route("/agents/<int:agent_id>/evidence/<int:evidence_id>/correct")
@allow("supervisor", "hr")
def correct(agent_id: int, evidence_id: int):
    """Old address of the correction form: corrections are supervisor judgement, now in the review room."""
    agent = visible_agent_or_403(agent_id)
    evidence = services.get_evidence(evidence_id)
    if evidence is None or evidence.agent_id != agent.id:
        abort(404)
    return redirect(url_for("review.correct_evidence", evidence_id=evidence_id), 308)
