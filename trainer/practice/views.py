"""The free practice page for trainees and a practice reply's result."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, url_for
from flask_login import current_user
from wtforms import SelectChoice

from .. import messages
from ..access import allow
from ..accounts import services as accounts
from ..rules import services as phrase_rules
from . import services
from .forms import PracticeForm
from .highlight import segments

bp = Blueprint("practice", __name__, url_prefix="/practice")


def _rules_or_unavailable():
    try:
        return phrase_rules.rules_in_force()
    except phrase_rules.RulesNotLoaded:
        abort(503, messages.msg("practice.no_rules"))


@bp.route("/", methods=["GET", "POST"])
@allow("trainee")
def practice():
    rules = _rules_or_unavailable()
    form = PracticeForm()
    form.limit = rules.scoring.max_chars
    form.script.choices = [SelectChoice(sid, name) for sid, name in phrase_rules.script_choices(rules)]
    if form.validate_on_submit():
        attempt = services.practise(current_user, script=form.script.data, text=form.text.data)
        return redirect(url_for("practice.result", attempt_id=attempt.id))
    return render_template(
        "practice/practice.html", form=form, rules=rules, attempts=services.recent_attempts(current_user)
    ), (400 if form.errors else 200)


@bp.route("/<int:attempt_id>")
@allow("trainee", "supervisor", "hr")
def result(attempt_id: int):
    attempt = services.get_attempt(attempt_id)
    if attempt is None:
        abort(404)
    if attempt.user_id != current_user.id and not accounts.can_view_agent(current_user, attempt.user):
        abort(403)
    rules = _rules_or_unavailable()
    return render_template(
        "practice/result.html", attempt=attempt, rules=rules, report=attempt.report,
        segments=segments(attempt.text, attempt.report),
    )
