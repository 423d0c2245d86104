"""一对一演练 pages: the list with the form to open a drill, the live page both people keep open, the posts
of a customer line, a reply and the end, and the JSON state the page polls.

Every post works as a plain form (redirect back to the page) and as JSON from trainer/static/js/drill.js
(the CSRF token in the X-CSRFToken header, checked by CSRFProtect before the view runs).
"""

from __future__ import annotations

from collections.abc import Callable

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional
from wtforms.widgets import HiddenInput

from .. import messages
from ..access import allow
from ..accounts.models import User
from ..extensions import db
from ..forms import ActionForm, IntegerField
from ..messages import ServiceError
from ..practice.highlight import segments
from ..rules import services as phrase_rules
from ..scoring import RuleSet
from . import drills as service
from .models import DrillSession, DrillTurn
from .views import bp


class DrillOpenForm(FlaskForm):
    # Any id is accepted here: whether the supervisor may drill this trainee is the service's decision (403).
    agent_id = SelectField("学员", coerce=int, validate_choice=False, validators=[DataRequired("请选择学员")])
    title = StringField("演练主题", validators=[DataRequired("请填写演练主题"),
                                                Length(max=service.TITLE_LIMIT, message="主题不能超过 200 字")])
    script = SelectField("话术类型（每条回复按它评分）", validators=[DataRequired("请选择话术类型")])


class TurnForm(FlaskForm):
    # No length limit here: the rules' max_chars is the service's to enforce (413).
    text = TextAreaField("发言", validators=[DataRequired(messages.msg("drill.empty"))])
    # How many turns the page showed when it was sent: a second click or a resent form is then stale.
    after = IntegerField(widget=HiddenInput(), validators=[Optional(), NumberRange(min=0, max=100_000)])


#: refusals that a resent form (a double click, the back button) runs into: it then just lands back on the page
REPEAT_KEYS = ("drill.stale", "drill.wait_customer", "drill.wait_trainee", "drill.busy")


def drill_or_404(drill_id: int) -> DrillSession:
    """The drill, if the current user may see it: its trainee, their team's supervisors, HR (404 / 403)."""
    drill = db.session.get(DrillSession, drill_id)
    if drill is None:
        abort(404)
    if not service.can_view(current_user, drill):
        abort(403)
    return drill


def _open_form() -> DrillOpenForm:
    form = DrillOpenForm()
    form.agent_id.choices = [(a.id, f"{a.display_name}（{a.team.name if a.team else '—'}）")
                             for a in service.openable_agents(current_user)]
    rules = phrase_rules.rules_in_force()
    form.script.choices = phrase_rules.script_choices(rules)
    if request.method == "GET":
        form.script.data = "complaint" if "complaint" in rules.scripts else "any"
    return form


def _list_page(form: DrillOpenForm | None, status: int = 200):
    return render_template("review/drills.html", form=form, rows=service.drills_for(current_user),
                           rules=phrase_rules.rules_in_force()), status


@bp.route("/drills")
@allow("trainee", "supervisor", "hr")
def drills():
    """Staff: the team's drills and the form to open one. A trainee: their drills, the open one first."""
    return _list_page(_open_form() if current_user.role != "trainee" else None)


@bp.route("/drills", methods=["POST"])
@allow("supervisor", "hr")
def open_drill():
    """Open a drill with a trainee of one of the viewer's teams (HR: any trainee)."""
    form = _open_form()
    if not form.validate_on_submit():
        return _list_page(form, 400)
    agent = db.session.get(User, form.agent_id.data)
    try:
        drill = service.open_drill(current_user, agent, title=form.title.data, script=form.script.data)
    except ServiceError as err:
        if err.key == "drill.already_open":
            flash(err.text, "info")
            return redirect(url_for("review.drill", drill_id=err.values["drill_id"]))
        form.agent_id.errors = [*form.agent_id.errors, err.text]
        return _list_page(form, err.status)
    flash(messages.msg("drill.opened", name=agent.display_name), "success")
    return redirect(url_for("review.drill", drill_id=drill.id))


def _tip(seg, rules: RuleSet) -> str:
    info = seg.info
    if seg.kind == "banned":
        severity = messages.SEVERITY_LABELS.get(info.get("severity"), info.get("severity", ""))
        return f"{severity}忌语「{info.get('phrase', '')}」 · 建议：{info.get('suggestion', '')}"
    if seg.kind == "polite":
        group = info.get("group", "")
        return f"礼貌用语 · {rules.groups[group].name if group in rules.groups else group}"
    if seg.kind == "quoted":
        return f"引号内是客户的原话，不计入：「{info.get('phrase', '')}」"
    return ""


def _turn_view(turn: dict, rules: RuleSet) -> dict:
    """A trainee turn of the state with what the page shows for it: marked runs and feedback badges."""
    report = turn.get("report") or {}
    groups = rules.groups
    feedback = [{"text": f"缺{groups[m['group']].name if m['group'] in groups else m['group']}", "tone": "warn"}
                for m in report.get("missing_detail", ())]
    feedback += [{"text": f"忌语「{b['phrase']}」", "tone": "bad", "title": f"建议：{b['suggestion']}"}
                 for b in report.get("banned", ())]
    return {**turn, "passed": (turn.get("score") or 0) >= rules.scoring.pass_line, "feedback": feedback,
            "segments": [{"text": s.text, "kind": s.kind, "tip": _tip(s, rules)}
                         for s in segments(turn["text"], report)]}


def _state_json(drill: DrillSession, after: int) -> dict:
    data = service.state(drill, after)
    rules = phrase_rules.rules_in_force()
    data["turns"] = [_turn_view(t, rules) if t["role"] == "trainee" else t for t in data["turns"]]
    item = service.item_of(drill) if drill.status == "finished" else None
    data["item_url"] = url_for("review.item", item_id=item.id) if item else None
    return data


def _page(drill: DrillSession, *, form: TurnForm | None = None, status: int = 200):
    rules = phrase_rules.rules_in_force()
    turns: list[DrillTurn] = list(drill.turns)
    if current_user.id == drill.supervisor_id:
        role = "customer"
    elif current_user.id == drill.agent_id:
        role = "trainee"
    else:
        role = "viewer"
    form = form or TurnForm(formdata=None)
    form.after.data = len(turns)
    item = service.item_of(drill) if drill.status == "finished" else None
    return render_template(
        "review/drill.html", drill=drill, turns=turns, role=role, form=form, finish_form=ActionForm(), rules=rules,
        marks={t.position: segments(t.text, t.report or {}) for t in turns if t.role == "trainee"},
        next_speaker=service.next_speaker(drill, turns), item=item,
        script_name=rules.scripts[drill.script].name if drill.script in rules.scripts else drill.script,
        replies=sum(1 for t in turns if t.role == "trainee"),
    ), status


@bp.route("/drills/<int:drill_id>")
@allow("trainee", "supervisor", "hr")
def drill(drill_id: int):
    """The live drill: the transcript with the scorer's marks, and the form for whoever speaks next."""
    return _page(drill_or_404(drill_id))


def _speak(drill: DrillSession, action: Callable) -> object:
    seen = len(drill.turns)
    if request.is_json:
        body = request.get_json(silent=True)
        after = body.get("after") if isinstance(body, dict) else None
        bad_after = after is not None and (isinstance(after, bool) or not isinstance(after, int))
        if not isinstance(body, dict) or bad_after:
            return jsonify({"error": messages.msg("api.bad_json")}), 400
        try:
            action(drill, current_user, body.get("text"), after)
        except ServiceError as err:
            db.session.rollback()
            return jsonify({"error": err.text, "code": err.key, "state": _state_json(drill, seen)}), err.status
        return jsonify(_state_json(drill, seen if after is None else after)), 201
    form = TurnForm()
    if not form.validate_on_submit():
        return _page(drill, form=form, status=400)
    try:
        action(drill, current_user, form.text.data, form.after.data)
    except ServiceError as err:
        db.session.rollback()
        if err.key in REPEAT_KEYS and service.is_repeat(drill, current_user, form.text.data):
            return redirect(url_for("review.drill", drill_id=drill.id) + "#latest")
        # The text stays in the box, so a stale tab or a too-long line loses nothing.
        flash(err.text, "error")
        return _page(drill, form=form, status=err.status)
    return redirect(url_for("review.drill", drill_id=drill.id) + "#latest")


@bp.route("/drills/<int:drill_id>/say", methods=["POST"])
@allow("supervisor", "hr")
def drill_say(drill_id: int):
    """The supervisor's next line as the customer."""
    return _speak(drill_or_404(drill_id), service.say)


@bp.route("/drills/<int:drill_id>/reply", methods=["POST"])
@allow("trainee")
def drill_reply(drill_id: int):
    """The trainee's reply to the customer's last line, scored as it is stored."""
    return _speak(drill_or_404(drill_id), service.reply)


@bp.route("/drills/<int:drill_id>/finish", methods=["POST"])
@allow("supervisor", "hr")
def drill_finish(drill_id: int):
    """End the drill: score, evidence, and the item in the review queue; then off to grading it."""
    target = drill_or_404(drill_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        item = service.finish(target, current_user)
    except ServiceError as err:
        db.session.rollback()
        flash(err.text, "error")
        return _page(target, status=err.status)
    flash(messages.msg("drill.done", score=f"{target.score:.1f}"), "success")
    return redirect(url_for("review.item", item_id=item.id))


@bp.route("/drills/<int:drill_id>/state")
@allow("trainee", "supervisor", "hr")
def drill_state(drill_id: int):
    """JSON for the page's polling: the turns from position `after` on, whose turn it is, the status."""
    target = drill_or_404(drill_id)
    after = request.args.get("after", "0")
    if not after.isdigit():
        return jsonify({"error": messages.msg("error.400")}), 400
    return jsonify(_state_json(target, int(after)))
