"""Violation pages: supervisors record points against their team's agents, HR reads points per month,
an agent sees their own."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from .. import messages
from ..access import allow
from ..accounts import services as accounts
from ..accounts.models import User
from ..extensions import db
from ..messages import ServiceError
from . import violations
from .forms import ViolationForm, VoidForm
from .models import ReviewItem, Violation
from .views import bp


def _page(form: ViolationForm | None, status: int = 200):
    agents = accounts.visible_agents(current_user)
    labels, monthly = violations.monthly_points(agents)
    rows = violations.violations_of([a.id for a in agents])
    return render_template("review/violations.html", form=form, labels=labels, monthly=monthly, rows=rows,
                           voided=violations.voided_ids(rows), void_form=VoidForm(formdata=None),
                           categories=violations.categories()), status


def _form() -> ViolationForm:
    form = ViolationForm()
    form.agent_id.choices = [(a.id, f"{a.display_name}（{a.team.name if a.team else '—'}）")
                             for a in accounts.visible_agents(current_user)]
    levels = messages.VIOLATION_LEVEL_LABELS
    form.category.choices = [(c.id, f"{levels.get(c.level, c.level)} · {c.name} · {c.points} 分")
                             for c in violations.categories()]
    if request.method == "GET" and request.args.get("agent", "").isdigit():
        form.agent_id.data = int(request.args["agent"])
    if request.method == "GET" and request.args.get("item", "").isdigit():
        form.item_id.data = int(request.args["item"])
    return form


@bp.route("/violations", methods=["GET", "POST"])
@allow("trainee", "supervisor", "hr")
def violations_page():
    """Staff: record a violation and read points per agent per month. A trainee: their own record."""
    if current_user.role == "trainee":
        return _page(None)
    form = _form()
    if form.validate_on_submit():
        agent = db.session.get(User, form.agent_id.data)
        item = db.session.get(ReviewItem, form.item_id.data) if form.item_id.data else None
        try:
            row = violations.record_violation(current_user, agent, category_id=form.category.data,
                                              occurred_on=form.occurred_on.data, note=form.note.data or "",
                                              item=item)
        except ServiceError as err:
            form.category.errors = [*form.category.errors, err.text]
            return _page(form, err.status)
        flash(messages.msg("violation.recorded", name=row.category.name, points=row.points), "success")
        return redirect(url_for("review.violations_page"))
    return _page(form, 400 if form.errors else 200)


@bp.route("/violations/<int:violation_id>/void", methods=["POST"])
@allow("supervisor", "hr")
def void_violation(violation_id: int):
    """Void a violation recorded in error: a second record with a reason; the first stays."""
    row = db.session.get(Violation, violation_id)
    if row is None:
        abort(404)
    if not accounts.can_view_agent(current_user, row.agent):
        abort(403)
    form = VoidForm()
    if not form.validate_on_submit():
        flash(messages.msg("violation.void_reason"), "error")
        return redirect(url_for("review.violations_page"))
    try:
        violations.void(row, current_user, form.reason.data)
    except ServiceError as err:
        flash(err.text, "error")
    else:
        flash(messages.msg("violation.voided"), "success")
    return redirect(url_for("review.violations_page"))
