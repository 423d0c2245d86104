"""Role-play pages: pick a scenario, talk to the customer, read the transcript."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user

from .. import messages
from ..access import allow
from ..extensions import db
from ..forms import ActionForm
from ..practice.highlight import segments
from ..rules import services as phrase_rules
from . import services
from .forms import ReplyForm
from .models import RoleplaySession, RoleplayTurn

bp = Blueprint("roleplay", __name__, url_prefix="/roleplay")


@bp.route("/")
@allow()
def index():
    mine = services.sessions_of(current_user) if current_user.role == "trainee" else []
    team = services.sessions_visible_to(current_user) if current_user.role in ("supervisor", "hr") else []
    return render_template("roleplay/index.html", scenarios=services.scenarios(), mine=mine, team=team,
                           action=ActionForm())


@bp.route("/start/<scenario_id>", methods=["POST"])
@allow("trainee")
def start(scenario_id: str):
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        session = services.start(current_user, scenario_id)
    except services.RoleplayError as err:
        abort(err.status, messages.msg(err.key, **err.values))
    return redirect(url_for("roleplay.session", session_id=session.id))


@bp.route("/sessions/<int:session_id>", methods=["GET", "POST"])
@allow("trainee", "supervisor", "hr")
def session(session_id: int):
    item = db.session.get(RoleplaySession, session_id)
    if item is None:
        abort(404)
    if not services.can_view(current_user, item):
        abort(403)
    form = ReplyForm()
    status = 200
    if form.validate_on_submit():
        try:
            services.take_turn(item, current_user, form.text.data, form.after.data)
        except services.RoleplayError as err:
            db.session.rollback()
            if err.status == 409 and services.is_repeat_of_last_reply(item, form.text.data):
                return redirect(url_for("roleplay.session", session_id=item.id) + "#latest")
            # Anything else keeps the reply in the box, so a stale tab or a too-long reply loses nothing.
            flash(messages.msg(err.key, **err.values), "error")
            status = err.status
        else:
            return redirect(url_for("roleplay.session", session_id=item.id) + "#latest")
    elif form.errors:
        status = 400
    form.after.data = item.turns_taken
    scenario = services.scenario_of(item)
    rules = phrase_rules.rules_in_force()
    marks = {t.id: segments(t.text, _report(t)) for t in item.turns if t.role == "trainee"}
    return render_template(
        "roleplay/session.html", item=item, scenario=scenario, form=form, rules=rules, marks=marks,
        stage_index=scenario.stage_index(item.stage), remaining=services.remaining_seconds(item),
        mine=item.user_id == current_user.id,
    ), status


def _report(turn: RoleplayTurn) -> dict[str, Any]:
    """The stored report of a trainee's turn (every trainee turn is scored when it is played)."""
    assert turn.report is not None
    return turn.report
