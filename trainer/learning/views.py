"""Micro-course pages: catalogue, course page, lesson player, quiz, survey; assignments, reports, requests."""

from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.datastructures import MultiDict
from wtforms import SelectChoice

from .. import messages
from ..access import allow
from ..accounts import services as accounts
from ..accounts.models import Team, User
from ..assessment.forms import answer_form, answers_from
from ..competency import services as competency
from ..extensions import db
from ..forms import ActionForm
from ..practice.highlight import segments as highlight
from ..rules import services as phrase_rules
from . import services
from .forms import (
    ArchiveForm,
    AssignForm,
    DecisionForm,
    FeedbackForm,
    InstructorForm,
    LessonPracticeForm,
    TrainingRequestForm,
)
from .models import TrainingRequest

bp = Blueprint("learning", __name__, url_prefix="/courses")
requests_bp = Blueprint("requests", __name__, url_prefix="/training-requests")


def _course_or_404(slug: str):
    course = services.get_course(slug)
    if course is None:
        abort(404)
    return course


def _enrolment_or_redirect(course):
    enrolment = services.enrolment_for(current_user, course)
    if enrolment is None:
        flash(messages.msg("learning.not_enrolled"), "info")
    return enrolment


# --- catalogue and course page -----------------------------------------------------------------------


@bp.route("/")
@allow()
def catalogue():
    series = request.args.get("series") or None
    indicator = request.args.get("indicator") or None
    model = competency.model_view()
    mine = services.my_enrolments(current_user) if current_user.role == "trainee" else []
    return render_template(
        "learning/catalogue.html",
        courses=services.catalogue(series, indicator),
        series_list=services.all_series(),
        series=series,
        indicator=indicator,
        indicator_names=model.indicator_names if model else {},
        recommended=services.recommended(current_user) if current_user.role == "trainee" else [],
        mine={e.course_id: e for e in mine},
        enrolments=mine,
    )


@bp.route("/<slug>")
@allow()
def course(slug: str):
    course = _course_or_404(slug)
    enrolment = services.enrolment_for(current_user, course) if current_user.role == "trainee" else None
    model = competency.model_view()
    return render_template(
        "learning/course.html",
        course=course,
        enrolment=enrolment,
        state=services.progress(enrolment) if enrolment else None,
        missing=services.missing_prerequisites(current_user, course) if current_user.role == "trainee" else [],
        prerequisites=[c for s in course.prerequisites if (c := services.get_course(s))],
        indicator_names=model.indicator_names if model else {},
        feedback=services.feedback_for(enrolment) if enrolment else None,
        action=ActionForm(),
    )


@bp.route("/<slug>/enrol", methods=["POST"])
@allow("trainee")
def enrol(slug: str):
    course = _course_or_404(slug)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        services.enrol(current_user, course)
    except services.LearningError as err:
        flash(messages.msg(err.key, **err.values), "error")
        return redirect(url_for("learning.course", slug=slug))
    missing = services.missing_prerequisites(current_user, course)
    flash(messages.msg("learning.enrolled", title=course.title), "success")
    if missing:
        flash(messages.msg("learning.prerequisites", titles="、".join(c.title for c in missing)), "info")
    return redirect(url_for("learning.learn", slug=slug))


# --- lesson player -----------------------------------------------------------------------------------


@bp.route("/<slug>/learn")
@allow("trainee")
def learn(slug: str):
    """Resume where the trainee left off."""
    course = _course_or_404(slug)
    enrolment = _enrolment_or_redirect(course)
    if enrolment is None:
        return redirect(url_for("learning.course", slug=slug))
    position = services.position_of(course, enrolment.current_key)
    return redirect(url_for("learning.segment", slug=slug, position=position))


@bp.route("/<slug>/learn/<int:position>", methods=["GET", "POST"])
@allow("trainee")
def segment(slug: str, position: int):
    course = _course_or_404(slug)
    enrolment = _enrolment_or_redirect(course)
    if enrolment is None:
        return redirect(url_for("learning.course", slug=slug))
    part = services.segment_at(course, position)
    if part is None:
        abort(404)
    form = LessonPracticeForm()
    practice_id = request.args.get("practice") or request.form.get("practice_id")
    status = 200
    if request.method == "POST":
        if practice_id is None or practice_id not in course.practices:
            abort(400)
        if form.validate_on_submit():
            services.submit_practice(enrolment, practice_id, form.text.data)
            return redirect(url_for("learning.segment", slug=slug, position=position, practice=practice_id)
                            + f"#practice-{practice_id}")
        status = 400
    else:
        services.visit(enrolment, part)
    results = services.practice_results(enrolment)
    return render_template(
        "learning/player.html",
        course=course,
        enrolment=enrolment,
        part=part,
        position=position,
        state=services.progress(enrolment),
        form=form,
        empty_form=LessonPracticeForm(formdata=None),
        form_practice=practice_id if request.method == "POST" else None,
        results=results,
        highlights={pid: highlight(a.text, a.report) for pid, a in results.items()},
        rules=phrase_rules.rules_in_force(),
        action=ActionForm(),
    ), status


@bp.route("/<slug>/learn/<int:position>/time", methods=["POST"])
@allow("trainee")
def time_spent(slug: str, position: int):
    """Heartbeat from the lesson player (JSON, CSRF token in the X-CSRFToken header)."""
    course = _course_or_404(slug)
    enrolment = services.enrolment_for(current_user, course)
    part = services.segment_at(course, position)
    body = request.get_json(silent=True)
    if enrolment is None or part is None or not isinstance(body, dict) or not isinstance(body.get("seconds"), int):
        abort(400)
    return jsonify({"seconds_spent": services.add_time(enrolment, part, body["seconds"])})


# --- quiz and feedback -------------------------------------------------------------------------------


@bp.route("/<slug>/quiz", methods=["GET", "POST"])
@allow("trainee")
def quiz(slug: str):
    course = _course_or_404(slug)
    enrolment = _enrolment_or_redirect(course)
    if enrolment is None:
        return redirect(url_for("learning.course", slug=slug))
    rows = services.quiz_questions(course)
    questions = [row.question() for row in rows]
    form = answer_form(questions)
    if form.validate_on_submit():
        attempt = services.submit_quiz(enrolment, answers_from(form, questions))
        if attempt.passed:
            flash(messages.msg("learning.quiz_passed", score=attempt.score), "success")
        else:
            flash(messages.msg("learning.quiz_failed", score=attempt.score, mark=course.pass_mark), "warning")
        if enrolment.status == "completed" and services.feedback_for(enrolment) is None:
            flash(messages.msg("learning.completed", title=course.title), "success")
            return redirect(url_for("learning.feedback", slug=slug))
        return redirect(url_for("learning.quiz_result", slug=slug))
    return render_template("learning/quiz.html", course=course, enrolment=enrolment, questions=questions,
                           form=form), (400 if form.errors else 200)


@bp.route("/<slug>/quiz/result")
@allow("trainee")
def quiz_result(slug: str):
    course = _course_or_404(slug)
    enrolment = _enrolment_or_redirect(course)
    attempt = services.last_quiz_attempt(enrolment) if enrolment else None
    if attempt is None:
        return redirect(url_for("learning.quiz", slug=slug))
    rows = services.quiz_questions(course)
    return render_template("learning/quiz_result.html", course=course, enrolment=enrolment, attempt=attempt,
                           questions=[row.question() for row in rows], state=services.progress(enrolment))


@bp.route("/<slug>/feedback", methods=["GET", "POST"])
@allow("trainee")
def feedback(slug: str):
    course = _course_or_404(slug)
    enrolment = _enrolment_or_redirect(course)
    if enrolment is None:
        return redirect(url_for("learning.course", slug=slug))
    form = FeedbackForm()
    if form.validate_on_submit():
        try:
            services.give_feedback(enrolment, form.rating.data, form.comment.data or "")
        except services.LearningError as err:
            flash(messages.msg(err.key), "error")
        else:
            flash(messages.msg("learning.feedback_thanks"), "success")
        return redirect(url_for("learning.course", slug=slug))
    return render_template("learning/feedback.html", course=course, enrolment=enrolment, form=form,
                           existing=services.feedback_for(enrolment)), (400 if form.errors else 200)


# --- supervisors and HR ------------------------------------------------------------------------------


def _assign_form() -> AssignForm:
    form = AssignForm()
    form.course.choices = [SelectChoice(c.slug, f"{c.series} · {c.title}") for c in services.catalogue()]
    teams = accounts.managed_teams(current_user)
    form.team_id.choices = [SelectChoice(0, "— 不指派团队 —")] + [SelectChoice(t.id, t.name) for t in teams]
    agents = accounts.visible_agents(current_user)
    form.user_id.choices = [SelectChoice(0, "— 不指派个人 —")] + [
        SelectChoice(u.id, f"{u.display_name} ({u.username})") for u in agents]
    return form


@bp.route("/manage", methods=["GET", "POST"])
@allow("supervisor", "hr")
def manage():
    form = _assign_form()
    if form.validate_on_submit():
        course = _course_or_404(form.course.data)
        team = db.session.get(Team, form.team_id.data) if form.team_id.data else None
        user = db.session.get(User, form.user_id.data) if form.user_id.data else None
        try:
            _, count = services.assign(course, by=current_user, due_date=form.due_date.data, team=team, user=user,
                                       note=form.note.data or "")
        except services.LearningError as err:
            form.due_date.errors.append(messages.msg(err.key))
        else:
            flash(messages.msg("learning.assigned", title=course.title, count=count, due=form.due_date.data),
                  "success")
            return redirect(url_for("learning.manage"))
    stats = services.course_report(current_user)
    overall, ratings = services.overall_satisfaction(stats)
    return render_template("learning/manage.html", form=form, stats=stats, overall=overall, ratings=ratings,
                           assignments=services.assignments_for(current_user)), (400 if form.errors else 200)


@bp.route("/manage/<slug>")
@allow("supervisor", "hr")
def roster(slug: str):
    course = _course_or_404(slug)
    return render_template("learning/roster.html", course=course, rows=services.course_roster(current_user, course))


# --- training requests -------------------------------------------------------------------------------


def _request_or_404(request_id: int) -> TrainingRequest:
    item = db.session.get(TrainingRequest, request_id)
    if item is None:
        abort(404)
    if not services.can_see_request(current_user, item):
        abort(403)
    return item


@requests_bp.route("/", methods=["GET", "POST"])
@allow("supervisor", "hr")
def index():
    form = TrainingRequestForm()
    form.team_id.choices = [SelectChoice(0, "— 不限团队 —")] + [
        SelectChoice(t.id, t.name) for t in current_user.led_teams]
    if current_user.role == "supervisor" and form.validate_on_submit():
        team = db.session.get(Team, form.team_id.data) if form.team_id.data else None
        try:
            services.file_request(current_user, title=form.title.data, need=form.need.data, team=team)
        except services.LearningError as err:
            form.team_id.errors.append(messages.msg(err.key))
        else:
            flash(messages.msg("learning.request_filed"), "success")
            return redirect(url_for("requests.index"))
    elif request.method == "POST" and current_user.role != "supervisor":
        abort(403)
    return render_template("learning/requests.html", form=form, items=services.requests_for(current_user)), (
        400 if form.errors else 200)


#: Old step names a request page opened before a rename still posts, with its fields under the old prefix.
STEP_ALIASES = {"review": "decision"}


def _posted_step() -> tuple[str | None, dict]:
    """The step the form posted, and the form data to bind (old step names and field prefixes translated)."""
    step = request.form.get("step")
    if step not in STEP_ALIASES:
        return step, {}
    new = STEP_ALIASES[step]
    data: MultiDict[str, str] = MultiDict()
    for key, values in request.form.lists():
        data.setlist(new + key[len(step):] if key.startswith(f"{step}-") else key, values)
    return new, {"formdata": data}


@requests_bp.route("/<int:request_id>", methods=["GET", "POST"])
@allow("supervisor", "hr")
def detail(request_id: int):
    item = _request_or_404(request_id)
    step, bound = _posted_step() if request.method == "POST" else (None, {})
    decision, instructor, archive = DecisionForm(prefix="decision", **bound), InstructorForm(prefix="instructor"), \
        ArchiveForm(prefix="archive")
    archive.course.choices = [SelectChoice(c.slug, c.title) for c in services.catalogue()]
    if request.method == "POST":
        if current_user.role != "hr":
            abort(403)
        try:
            if step == "decision" and decision.validate_on_submit():
                approve = decision.decision.data == "approve"
                services.decide_request(item, by=current_user, approve=approve, note=decision.note.data or "")
                flash(messages.msg("learning.request_decided", decision="批准" if approve else "驳回"), "success")
                return redirect(url_for("requests.detail", request_id=item.id))
            if step == "instructor" and instructor.validate_on_submit():
                services.assign_instructor(item, instructor=instructor.instructor.data)
                flash(messages.msg("learning.request_assigned", instructor=item.instructor), "success")
                return redirect(url_for("requests.detail", request_id=item.id))
            if step == "archive" and archive.validate_on_submit():
                course = _course_or_404(archive.course.data)
                services.archive_request(item, course=course, note=archive.note.data or "")
                flash(messages.msg("learning.request_archived", title=course.title), "success")
                return redirect(url_for("requests.detail", request_id=item.id))
        except services.LearningError as err:
            flash(messages.msg(err.key), "error")
        if step not in ("decision", "instructor", "archive"):
            abort(400)
    status = 400 if request.method == "POST" else 200
    return render_template("learning/request.html", item=item, decision=decision, instructor=instructor,
                           archive=archive), status
