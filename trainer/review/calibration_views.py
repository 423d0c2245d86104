"""Calibration pages: open a session, grade its items blind, read the agreement between graders."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select

from .. import messages
from ..access import allow
from ..accounts.models import User
from ..extensions import db
from ..messages import ServiceError
from ..practice.highlight import segments
from ..rules import services as phrase_rules
from ..timeutil import utcnow
from . import calibration, grading
from .forms import CalibrationForm, grade_form
from .models import CalibrationSession, ReviewItem
from .sources import content_of
from .views import bp, indicator_names


def session_or_404(session_id: int) -> CalibrationSession:
    """The session, if the current user is one of its graders, its creator or HR (404 / 403 otherwise)."""
    session = db.session.get(CalibrationSession, session_id)
    if session is None:
        abort(404)
    if not calibration.can_see(current_user, session):
        abort(403)
    return session


def _graders() -> list[User]:
    return list(db.session.scalars(select(User).where(User.role.in_(("supervisor", "hr")), User.active.is_(True))
                                   .order_by(User.role.desc(), User.username)))


@bp.route("/calibration", methods=["GET", "POST"])
@allow("supervisor", "hr")
def calibrations():
    """The viewer's calibration sessions, and the form to open one."""
    form = CalibrationForm()
    people = _graders()
    form.graders.choices = [(u.id, f"{u.display_name}（{messages.ROLE_LABELS[u.role]}）") for u in people]
    form.expert.choices = [(0, "— 不指定 —"), *form.graders.choices]
    if form.validate_on_submit():
        ids = form.parsed_item_ids()
        items = [db.session.get(ReviewItem, i) for i in ids]
        chosen = [u for u in people if u.id in set(form.graders.data)]
        expert = next((u for u in people if u.id == form.expert.data), None)
        try:
            session = calibration.open_session(
                current_user, title=form.title.data, items=[i for i in items if i is not None] if all(items) else [],
                graders=chosen, deadline=_utc(form.deadline.data), expert=expert, tolerance=form.tolerance.data)
        except ServiceError as err:
            form.title.errors = [*form.title.errors, err.text]
        else:
            flash(messages.msg("calibration.created", title=session.title, count=len(chosen)), "success")
            return redirect(url_for("review.calibration_page", session_id=session.id))
    return render_template("review/calibrations.html", form=form, sessions=calibration.sessions_for(current_user),
                           now=utcnow()), 400 if form.errors else 200


def _utc(local: datetime) -> datetime:
    """The form's local time (the desk's time zone) as the stored naive UTC."""
    zone = ZoneInfo(current_app.config.get("TIMEZONE", os.environ.get("TRAINER_TIMEZONE", "Asia/Shanghai")))
    return local.replace(tzinfo=zone).astimezone(UTC).replace(tzinfo=None)


@bp.route("/calibration/<int:session_id>")
@allow("supervisor", "hr")
def calibration_page(session_id: int):
    """A session: its items with each grader's progress, and the results once grades are in."""
    session = session_or_404(session_id)
    grades = calibration.grades_in(session)
    submitted = {(g.item_id, g.grader_id) for g in grades}
    mine_done = {g.item_id for g in grades if g.grader_id == current_user.id}
    grader = calibration.is_grader(current_user, session)
    # Blind: a grader sees results only after grading every item (or once the deadline has passed).
    show = not grader or len(mine_done) == len(session.items) or utcnow() > session.deadline
    return render_template("review/calibration.html", session=session, submitted=submitted, mine_done=mine_done,
                           grader=grader, show=show, sections=calibration.results(session) if show else [],
                           names=indicator_names(), now=utcnow())


@bp.route("/calibration/<int:session_id>/items/<int:item_id>", methods=["GET", "POST"])
@allow("supervisor", "hr")
def calibration_item(session_id: int, item_id: int):
    """Grade one item of a session blind; after submitting, everyone's grades of it are shown."""
    session = session_or_404(session_id)
    # Invited graders may come from other teams (calibration is about consistency across teams): being
    # in the session is what gives access to its items, not leading the trainee's team.
    target = db.session.get(ReviewItem, item_id)
    if target is None or target.id not in {i.item_id for i in session.items}:
        abort(404)
    content = content_of(target)
    hits = grading.item_hits(target, content)
    positions = [t.position for t in content.turns if t.role == "trainee"]
    form = grade_form(target.indicators, hits, positions, with_override=False)
    mine = calibration.grade_of(session, target, current_user)
    status = 200
    if mine is None and form.validate_on_submit():
        try:
            calibration.submit(session, target, current_user, form.to_input())
        except ServiceError as err:
            form.comment.errors = [*form.comment.errors, err.text]
            status = err.status
        else:
            flash(messages.msg("calibration.graded"), "success")
            return redirect(url_for("review.calibration_item", session_id=session.id, item_id=target.id))
    elif form.errors:
        status = 400
    return render_template(
        "review/calibration_item.html", session=session, item=target, content=content, hits=hits, form=form,
        mine=mine, grades=calibration.visible_grades(session, target, current_user),
        grader=calibration.is_grader(current_user, session), closed=utcnow() > session.deadline,
        rubric=grading.rubric_view(target.rubric_id), names=indicator_names(), rules=phrase_rules.rules_in_force(),
        marks={t.position: segments(t.text, dict(t.report or {})) for t in content.turns if t.role == "trainee"},
        hits_by_turn={p: [h for h in hits if h.turn == p] for p in positions},
    ), status
