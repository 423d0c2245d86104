"""Promotion pages: HR confirms or declines the agents who meet their next grade's rules; a supervisor reads
their teams' list; an agent sees what stands between them and the next grade."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import HiddenField, TextAreaField
from wtforms.validators import DataRequired, Length

from .. import messages
from ..access import allow
from ..accounts.models import User
from ..extensions import db
from ..messages import ServiceError
from . import promotions
from .views import bp, visible_agent_or_403

PAGE_SIZE = 50


class PromotionDecisionForm(FlaskForm):
    """One reason, two buttons: 确认晋级 posts to .../confirm, 暂缓 to .../decline."""

    to_code = HiddenField(validators=[DataRequired()])
    reason = TextAreaField("理由", validators=[DataRequired(messages.msg("promotion.reason_required")),
                                             Length(max=1000, message="理由不能超过 1000 字")])


def _list_page(status: int = 200):
    eligible, checked = promotions.eligible_for(current_user)
    pages = max(1, -(-len(eligible) // PAGE_SIZE))
    page = min(max(request.args.get("page", 1, type=int) or 1, 1), pages)
    shown = eligible[(page - 1) * PAGE_SIZE: page * PAGE_SIZE]
    return render_template(
        "competency/promotions.html", eligible=shown, total=len(eligible), checked=checked, page=page, pages=pages,
        last=promotions.last_decisions([e.agent.id for e in shown]), can_decide=current_user.role == "hr",
        form=PromotionDecisionForm(formdata=None), recent=promotions.recent_decisions(current_user),
        grades=promotions.all_grades(), indicator_names=promotions.indicator_names(),
    ), status


@bp.route("/promotions")
@allow("supervisor", "hr")
def promotions_page():
    """HR: the agents who meet every rule of their next grade, to confirm or decline. A supervisor: their teams'."""
    return _list_page()


def _decide(agent_id: int, decision: str):
    agent = db.session.get(User, agent_id)
    if agent is None:
        abort(404)
    form = PromotionDecisionForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(error, "error")
        return _list_page(400)
    action = promotions.confirm if decision == "confirm" else promotions.decline
    try:
        row = action(agent, current_user, to_code=form.to_code.data, reason=form.reason.data)
    except ServiceError as err:
        flash(err.text, "error")
        return _list_page(err.status)
    key = "promotion.confirmed" if decision == "confirm" else "promotion.declined"
    flash(messages.msg(key, name=agent.display_name, grade=row.to_grade.name), "success")
    return redirect(url_for("competency.promotions_page"))


@bp.route("/promotions/<int:agent_id>/confirm", methods=["POST"])
@allow("hr")
def confirm_promotion(agent_id: int):
    """Promote the agent to their next grade, if they still meet every rule (checked again now)."""
    return _decide(agent_id, "confirm")


@bp.route("/promotions/<int:agent_id>/decline", methods=["POST"])
@allow("hr")
def decline_promotion(agent_id: int):
    """Record that the agent is not promoted now, with the reason; the grade stays."""
    return _decide(agent_id, "decline")


def _agent_page(agent: User):
    return render_template("competency/promotions_agent.html", agent=agent, standing=promotions.of_agent(agent),
                           history=promotions.history_of(agent), grades=promotions.all_grades(),
                           indicator_names=promotions.indicator_names(), own=agent.id == current_user.id)


@bp.route("/promotions/me")
@allow("trainee")
def my_promotion():
    """The agent's own next grade: each rule with their value and what is needed, and their grade history."""
    return _agent_page(current_user)


@bp.route("/promotions/agents/<int:agent_id>")
@allow("supervisor", "hr")
def agent_promotion(agent_id: int):
    """One agent's standing toward the next grade, for HR and the agent's supervisors."""
    return _agent_page(visible_agent_or_403(agent_id))
