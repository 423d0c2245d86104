"""Role home pages: what each kind of user needs to see first after signing in."""

from __future__ import annotations

import socket

from flask import Blueprint, render_template
from flask_login import current_user

from .. import health
from ..access import allow, public
from ..accounts import services as accounts
from ..assessment import services as assessment
from ..assessment.forms import answer_form, field_name
from ..competency import services as competency
from ..learning import services as learning
from ..review import disputes as review_disputes
from ..review import grading as review_grading
from ..roleplay import services as roleplay

bp = Blueprint("home", __name__)


@bp.route("/me")
@allow("trainee")
def trainee():
    weekly = assessment.weekly_question()
    question = weekly.question.question() if weekly else None
    due, _ = assessment.recall_counts(current_user)
    return render_template(
        "home/trainee.html",
        profile=competency.profile(current_user),
        evidence=competency.evidence_for(current_user, limit=8),
        weekly=weekly,
        question=question,
        weekly_form=answer_form([question]) if question else None,
        weekly_answer=assessment.weekly_answer_of(current_user),
        field_name=field_name,
        recalls_due=due,
        courses=[e for e in learning.my_enrolments(current_user) if e.status != "completed"][:5],
        sessions=roleplay.sessions_of(current_user)[:3],
        open_exam=assessment.open_attempt(current_user),
        reviews=review_grading.graded_items_of(current_user, limit=5),
        acknowledged=review_disputes.acknowledged,
    )


@bp.route("/admin")
@allow("admin")
def admin():
    return render_template(
        "home/admin.html",
        users=accounts.all_users(),
        teams=accounts.all_teams(),
        weight_set=competency.active_weight_set(),
        evidence_total=competency.evidence_totals(),
    )


@bp.route("/healthz")
@public
def healthz():
    """For load balancers: 200 only when the database takes a write and its schema matches this code.

    A read-only or full database, one that is down, or one not migrated yet answers 503 with the
    problem named, so the balancer stops sending sign-ins to a process that would fail them.
    """
    result = health.check(socket.gethostname())
    if result.ok:
        return result.as_json()
    return result.as_json(), 503, {"Retry-After": "30"}
