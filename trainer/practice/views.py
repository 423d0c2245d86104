"""The practice page for trainees and the rule tester for admins."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user
from wtforms import SelectChoice

from .. import messages
from ..access import allow
from ..accounts import services as accounts
from ..review import accuracy
from ..scoring import ScoringError, normalize, score
from . import services
from .forms import PracticeForm, RuleTestForm
from .highlight import segments

bp = Blueprint("practice", __name__, url_prefix="/practice")
rules_bp = Blueprint("rules", __name__, url_prefix="/admin/rules")


def _rules_or_unavailable():
    try:
        return services.rules_in_force()
    except services.RulesNotLoaded:
        abort(503, messages.msg("practice.no_rules"))


@bp.route("/", methods=["GET", "POST"])
@allow("trainee")
def practice():
    rules = _rules_or_unavailable()
    form = PracticeForm()
    form.limit = rules.scoring.max_chars
    form.script.choices = [SelectChoice(sid, name) for sid, name in services.script_choices(rules)]
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


@rules_bp.route("/", methods=["GET", "POST"])
@allow("admin")
def tester():
    form = RuleTestForm()
    draft_errors = []
    rules = None
    if form.source.data == "draft":
        rules, draft_errors = services.draft_rules()
        if rules is None:
            flash(messages.msg("rules.draft_invalid"), "error")
    else:
        rules = _rules_or_unavailable()
    base = rules or _rules_or_unavailable()
    form.limit = base.scoring.max_chars
    form.script.choices = [SelectChoice(sid, name) for sid, name in services.script_choices(base)]
    report = None
    if rules is not None and form.validate_on_submit():
        try:
            report = score(form.text.data, form.script.data, rules)
        except ScoringError as err:
            form.script.errors = [*form.script.errors, messages.msg("practice.unknown_script")] \
                if err.code == "unknown_script" else [str(err)]
    rows = []
    if report is not None:
        norm = normalize(form.text.data)
        for hit in report.hits:
            start, end = norm.original_span(hit.start, hit.end)
            rows.append((hit, form.text.data[start:end], start, end))
    return render_template(
        "practice/rules.html", form=form, rules=base, report=report, draft_errors=draft_errors, rows=rows,
        segments=segments(form.text.data or "", report.to_dict()) if report else [],
        accuracy=accuracy.by_rule(), judged_wrong=accuracy.judged_wrong(),
    ), (400 if form.errors else 200)
