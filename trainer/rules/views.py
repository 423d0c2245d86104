"""The admin rule tester: how the phrase rules judge a pasted reply, and how accurate supervisors find them."""

from __future__ import annotations

from flask import Blueprint, abort, flash, render_template
from wtforms import SelectChoice

from .. import messages
from ..access import allow
from ..practice.forms import RuleTestForm
from ..practice.highlight import segments
from ..review import accuracy
from ..scoring import ScoringError, normalize, score
from . import services

bp = Blueprint("rules", __name__, url_prefix="/admin/rules")


def _rules_or_unavailable():
    try:
        return services.rules_in_force()
    except services.RulesNotLoaded:
        abort(503, messages.msg("practice.no_rules"))


@bp.route("/", methods=["GET", "POST"])
@allow("admin")
def tester():
    """Paste a reply and see every rule that fired or was suppressed and why, against the rules in force or
    the draft files on disk; with each rule's precision as measured by supervisors' verdicts."""
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
