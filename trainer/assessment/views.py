"""Exams and their results, the daily recall, 每周一题 and spot checks, the typing drill, and exam reports."""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms import SelectChoice

from .. import messages
from ..access import allow
from ..accounts import services as accounts
from ..accounts.models import Team
from ..competency import services as competency
from ..content import xlsx_bank
from ..content.gift import GiftUnreadable
from ..extensions import db
from ..forms import ActionForm
from ..review import spotchecks
from ..review.forms import SpotDrawForm, SpotRecordForm
from . import services
from .forms import (
    GiftImportForm,
    PaperForm,
    SetWeeklyForm,
    TypingStartForm,
    TypingSubmitForm,
    XlsxImportForm,
    answer_form,
    answers_from,
    field_name,
    fill_form,
)
from .gift_import import export_gift, import_gift
from .models import ExamAttempt, ExamPaper, QuestionCategory, TypingAttempt, TypingPassage
from .typing import BAR_CPM, measure
from .xlsx_import import XlsxImportReport, XlsxRefused, export_xlsx, import_xlsx, template_xlsx

bp = Blueprint("assessment", __name__)

#: Endpoints a trainee may not open while sitting a closed-book exam.
CLOSED_BOOK_BLOCKS = ("learning.", "practice.", "assessment.recall", "assessment.attempt_result", "assessment.weekly")


def closed_book_guard():
    """During a closed-book exam, courses, practice, the recall page and past results are out of bounds."""
    endpoint = request.endpoint or ""
    if not endpoint.startswith(CLOSED_BOOK_BLOCKS) or not current_user.is_authenticated:
        return None
    if current_user.role != "trainee":
        return None
    attempt = services.open_attempt(current_user)
    if attempt is None or not attempt.paper.closed_book:
        return None
    flash(messages.msg("exam.closed_book"), "warning")
    return redirect(url_for("assessment.sit", attempt_id=attempt.id))


def _error(err: services.AssessmentError) -> str:
    return messages.msg(err.key, **err.values)


# --- trainees: exams ---------------------------------------------------------------------------------


@bp.route("/exams/")
@allow("trainee")
def exams():
    papers = services.papers_for(current_user)
    used = {p.id: services.attempts_used(p, current_user) for p in papers}
    return render_template(
        "assessment/exams.html", papers=papers, used=used, attempts=services.my_attempts(current_user),
        open_attempt=services.open_attempt(current_user), is_open=services.is_open, action=ActionForm(),
    )


@bp.route("/exams/<int:paper_id>/start", methods=["POST"])
@allow("trainee")
def start(paper_id: int):
    paper = db.session.get(ExamPaper, paper_id)
    if paper is None:
        abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        attempt = services.start_attempt(paper, current_user)
    except services.AssessmentError as err:
        flash(_error(err), "error")
        return redirect(url_for("assessment.exams"))
    return redirect(url_for("assessment.sit", attempt_id=attempt.id))


def _own_attempt(attempt_id: int) -> ExamAttempt:
    attempt = db.session.get(ExamAttempt, attempt_id)
    if attempt is None:
        abort(404)
    if attempt.user_id != current_user.id:
        abort(403)
    return attempt


@bp.route("/exams/attempts/<int:attempt_id>")
@allow("trainee")
def sit(attempt_id: int):
    attempt = _own_attempt(attempt_id)
    if services.finalise_if_expired(attempt):
        if attempt.timed_out:
            flash(messages.msg("exam.timed_out_marking" if attempt.status == services.MARKING else "exam.timed_out",
                               score=attempt.score), "warning")
        return redirect(url_for("assessment.attempt_result", attempt_id=attempt.id))
    questions = services.attempt_questions(attempt)
    form = answer_form(questions, order=attempt.option_order, formdata=None)
    fill_form(form, questions, attempt.answers)
    return render_template("assessment/sit.html", attempt=attempt, questions=questions, form=form,
                           remaining=services.remaining_seconds(attempt), field_name=field_name)


@bp.route("/exams/attempts/<int:attempt_id>/save", methods=["POST"])
@allow("trainee")
def save(attempt_id: int):
    """Autosave (JSON {question id: answer}); the CSRF token travels in the X-CSRFToken header."""
    attempt = _own_attempt(attempt_id)
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("answers"), dict):
        return jsonify({"error": messages.msg("api.bad_json")}), 400
    try:
        services.save_answers(attempt, body["answers"])
    except services.AssessmentError as err:
        status = 409 if err.key in ("exam.time_up", "exam.already_submitted") else 400
        return jsonify({"error": _error(err), "code": err.key}), status
    return jsonify({"saved": len(attempt.answers), "remaining": services.remaining_seconds(attempt)})


@bp.route("/exams/attempts/<int:attempt_id>/submit", methods=["POST"])
@allow("trainee")
def submit(attempt_id: int):
    attempt = _own_attempt(attempt_id)
    questions = services.attempt_questions(attempt)
    form = answer_form(questions, order=attempt.option_order)
    if attempt.status != "in_progress":
        flash(messages.msg("exam.already_submitted"), "info")
        return redirect(url_for("assessment.attempt_result", attempt_id=attempt.id))
    if not form.validate_on_submit():
        return render_template("assessment/sit.html", attempt=attempt, questions=questions, form=form,
                               remaining=services.remaining_seconds(attempt), field_name=field_name), 400
    try:
        services.submit(attempt, answers_from(form, questions))
    except services.AssessmentError as err:
        if err.key == "exam.submitted_late" and attempt.status == services.MARKING:
            flash(messages.msg("exam.submitted_late_marking"), "warning")
        else:
            flash(_error(err), "warning" if err.key == "exam.submitted_late" else "info")
    else:
        if attempt.status == services.MARKING:
            flash(messages.msg("exam.submitted_marking"), "info")
        else:
            flash(messages.msg("exam.submitted", score=attempt.score), "success" if attempt.passed else "warning")
    return redirect(url_for("assessment.attempt_result", attempt_id=attempt.id))


@bp.route("/exams/attempts/<int:attempt_id>/result")
@allow("trainee", "supervisor", "hr")
def attempt_result(attempt_id: int):
    """A handed-in attempt's result: the score, and every question with the answer given and its explanation."""
    attempt = db.session.get(ExamAttempt, attempt_id)
    if attempt is None:
        abort(404)
    if attempt.user_id != current_user.id and not accounts.can_view_agent(current_user, attempt.user):
        abort(403)
    if attempt.status not in ("submitted", services.MARKING):
        if attempt.user_id == current_user.id:
            return redirect(url_for("assessment.sit", attempt_id=attempt.id))
        abort(404)
    return render_template("assessment/attempt_result.html", attempt=attempt,
                           questions=services.attempt_questions(attempt))


@bp.route("/exams/attempts/<int:attempt_id>/review")
@allow("trainee", "supervisor", "hr")
def legacy_attempt_review(attempt_id: int):
    """The result's URL before it was renamed; kept so that bookmarks and old links still arrive."""
    return redirect(url_for("assessment.attempt_result", attempt_id=attempt_id))


# --- trainees: the daily recall of missed questions (错题复习) ------------------------------------------


@bp.route("/recall", methods=["GET", "POST"])
@allow("trainee")
def recall():
    """Today's due cards as one form; answering them moves each card along its FSRS schedule."""
    cards = services.due_recalls(current_user)
    questions = [c.question.question() for c in cards]
    form = answer_form(questions)
    results = None
    if form.validate_on_submit():
        answered = {k: v for k, v in answers_from(form, questions).items() if v is not None}
        results = services.answer_recalls(current_user, answered)
        flash(messages.msg("recall.done", right=sum(1 for _, g in results if g.correct), total=len(results)),
              "success")
    due, total = services.recall_counts(current_user)
    return render_template("assessment/recall.html", cards=cards, questions=questions, form=form, results=results,
                           due=due, total=total), (400 if form.errors else 200)


# The exact path only: the supervisors' review room owns everything under /review/.
@bp.route("/review", methods=["GET", "POST"], strict_slashes=True)
@allow()
def legacy_review():
    """The recall page's URL before it was renamed, kept for bookmarks: trainees go on to /recall, others home.

    A POST comes from a recall page opened before the rename; 307 re-sends its answers to /recall.
    """
    if current_user.role != "trainee":
        return redirect(url_for("accounts.index"))
    return redirect(url_for("assessment.recall"), 307 if request.method == "POST" else 302)


# --- 每周一题 and spot checks ------------------------------------------------------------------------


@bp.route("/weekly", methods=["GET", "POST"])
@allow()
def weekly():
    weekly_q = services.weekly_question()
    question = weekly_q.question.question() if weekly_q else None
    if current_user.role == "trainee":
        form = answer_form([question]) if question else None
        mine = services.weekly_answer_of(current_user)
        if form is not None and mine is None and form.validate_on_submit():
            value = answers_from(form, [question])[question.id]
            if value is None:
                form[field_name(question.id)].errors.append(messages.msg("weekly.empty"))
            else:
                try:
                    services.answer_weekly(current_user, value)
                except services.AssessmentError as err:
                    flash(_error(err), "info")
                return redirect(url_for("assessment.weekly"))
        return render_template("assessment/weekly_trainee.html", weekly=weekly_q, question=question, form=form,
                               mine=mine, field_name=field_name), (400 if form is not None and form.errors else 200)
    if request.method == "POST":
        abort(405)
    teams = accounts.managed_teams(current_user) if current_user.role in ("supervisor", "hr") else []
    draw = SpotDrawForm(prefix="spot")
    draw.team_id.choices = [SelectChoice(t.id, t.name) for t in teams]
    return render_template(
        "assessment/weekly_staff.html", weekly=weekly_q, question=question,
        overview=services.weekly_overview(current_user) if current_user.role in ("supervisor", "hr") else [],
        set_form=SetWeeklyForm(prefix="set"), draw=draw, record=SpotRecordForm(prefix="record"),
        checks=spotchecks.recent(current_user) if current_user.role in ("supervisor", "hr") else [],
    )


@bp.route("/weekly/set", methods=["POST"])
@allow("supervisor", "hr")
def set_weekly():
    form = SetWeeklyForm(prefix="set")
    if form.validate_on_submit():
        try:
            services.set_weekly_question(current_user, form.question_id.data.strip())
        except services.AssessmentError as err:
            flash(_error(err), "error")
        else:
            flash(messages.msg("weekly.set"), "success")
    else:
        flash(messages.msg("weekly.unknown_question"), "error")
    return redirect(url_for("assessment.weekly"))


@bp.route("/weekly/spot", methods=["POST"])
@allow("supervisor", "hr")
def spot_draw():
    """Old address: spot checks are supervisor judgement and live in the review room (307 keeps the POST)."""
    return redirect(url_for("review.spot_draw"), 307)


@bp.route("/weekly/spot/<int:check_id>", methods=["GET", "POST"])
@allow("supervisor", "hr")
def spot(check_id: int):
    """Old address of a spot check."""
    return redirect(url_for("review.spot_check", check_id=check_id), 307 if request.method == "POST" else 302)


# --- typing drill ------------------------------------------------------------------------------------


@bp.route("/typing", methods=["GET", "POST"])
@allow("trainee")
def typing():
    form = TypingStartForm()
    form.passage.choices = [SelectChoice(p.id, p.title) for p in services.passages()]
    if form.validate_on_submit():
        passage = db.session.get(TypingPassage, form.passage.data)
        attempt = services.start_typing(current_user, passage)
        return redirect(url_for("assessment.type_passage", attempt_id=attempt.id))
    return render_template("assessment/typing.html", form=form, history=services.typing_history(current_user),
                           bar=BAR_CPM), (400 if form.errors else 200)


@bp.route("/typing/<int:attempt_id>", methods=["GET", "POST"])
@allow("trainee")
def type_passage(attempt_id: int):
    attempt = db.session.get(TypingAttempt, attempt_id)
    if attempt is None:
        abort(404)
    if attempt.user_id != current_user.id:
        abort(403)
    form = TypingSubmitForm()
    if attempt.submitted_at is None and form.validate_on_submit():
        try:
            services.submit_typing(attempt, form.typed.data or "")
        except services.AssessmentError as err:
            flash(_error(err), "info")
        return redirect(url_for("assessment.type_passage", attempt_id=attempt.id))
    result = None
    if attempt.submitted_at is not None:
        result = measure(attempt.passage.text, attempt.typed, attempt.seconds or 0)
    return render_template("assessment/type.html", attempt=attempt, form=form, result=result, bar=BAR_CPM), (
        400 if form.errors else 200)


# --- admin: question bank, Moodle GIFT in and out ----------------------------------------------------


@bp.route("/admin/questions", methods=["GET", "POST"])
@allow("admin")
def question_bank():
    form = GiftImportForm()
    form.category.choices = [SelectChoice(c.id, c.name) for c in services.categories()]
    model = competency.model_view()
    form.indicators.choices = [SelectChoice(k, v) for k, v in (model.indicator_names if model else {}).items()]
    report = None
    xlsx_form = XlsxImportForm(prefix=XLSX_PREFIX)  # the page's second form: the POST says which one was sent
    xlsx_report, xlsx_errors = _xlsx_upload(xlsx_form) if _posted(xlsx_form) else (None, [])
    if not _posted(xlsx_form) and form.validate_on_submit():
        upload = form.file.data
        try:
            text = upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            form.file.errors.append(messages.msg("gift.not_utf8"))
        else:
            try:
                report = import_gift(text, source=upload.filename or "upload.gift", default_category=form.category.data,
                                     indicators=tuple(form.indicators.data), difficulty=form.difficulty.data,
                                     max_questions=current_app.config["GIFT_MAX_QUESTIONS"], actor=current_user)
            except GiftUnreadable as err:
                form.file.errors.append(messages.msg("gift.unreadable", line=err.line, reason=str(err)))
            else:
                flash(messages.msg("gift.imported", imported=report.count, skipped=len(report.skipped)), "success")
    return render_template("assessment/question_bank.html", form=form, report=report,
                           counts=services.bank_counts(), xlsx_form=xlsx_form, xlsx_report=xlsx_report,
                           xlsx_errors=xlsx_errors), (400 if form.errors or xlsx_form.errors else 200)


@bp.route("/admin/questions/export.gift")
@allow("admin")
def export_bank():
    category = request.args.get("category") or None
    return Response(export_gift(category), mimetype="text/plain; charset=utf-8",
                    headers={"Content-Disposition": "attachment; filename=question-bank.gift"})


# --- admin: the Excel (XLSX) template in and out -----------------------------------------------------


XLSX_PREFIX = "xlsx"


def _posted(form: XlsxImportForm) -> bool:
    """Whether this POST is the Excel form's: its fields, CSRF token included, are named `xlsx-…`."""
    return request.method == "POST" and any(key.startswith(f"{XLSX_PREFIX}-") for key in (*request.form,
                                                                                           *request.files))


def _xlsx_upload(form: XlsxImportForm) -> tuple[XlsxImportReport | None, list[xlsx_bank.SheetError]]:
    """Import the uploaded workbook; a refused one leaves the form with an error and the bad rows to list."""
    if not form.validate_on_submit():
        return None, []
    upload = form.file.data
    try:
        report = import_xlsx(upload.read(xlsx_bank.MAX_BYTES + 1), source=upload.filename or "upload.xlsx",
                             actor=current_user, max_rows=_xlsx_max_rows())
    except XlsxRefused as err:
        form.file.errors.append(messages.msg("xlsx.refused", count=len(err.errors)))
        return None, err.errors
    flash(messages.msg("xlsx.imported", imported=len(report.imported), updated=len(report.updated)), "success")
    return report, []


def _xlsx_max_rows() -> int:
    """XLSX_MAX_QUESTIONS when the deployment sets it, else the template's own limit."""
    return int(current_app.config.get("XLSX_MAX_QUESTIONS", xlsx_bank.MAX_ROWS))


def _xlsx_file(data: bytes, filename: str) -> Response:
    return Response(data, mimetype=xlsx_bank.XLSX_MIME,
                    headers={"Content-Disposition": f"attachment; filename={filename}"})


@bp.route("/admin/questions/template.xlsx")
@allow("admin")
def xlsx_template():
    """The empty template, its 说明 sheet listing this site's categories, indicators and script types."""
    return _xlsx_file(template_xlsx(_xlsx_max_rows()), "question-template.xlsx")


@bp.route("/admin/questions/export.xlsx")
@allow("admin")
def export_bank_xlsx():
    """The bank, or one category of it (`?category=id`), in the template's layout; an unknown category is a 404."""
    category = request.args.get("category") or None
    if category is not None and db.session.get(QuestionCategory, category) is None:
        abort(404)
    return _xlsx_file(export_xlsx(category), f"question-bank-{category}.xlsx" if category else "question-bank.xlsx")


# --- supervisors and HR: papers and reports ----------------------------------------------------------


@bp.route("/exams/manage")
@allow("supervisor", "hr")
def manage():
    papers = services.papers_managed_by(current_user)
    return render_template("assessment/manage.html", papers=papers)


@bp.route("/exams/manage/new", methods=["GET", "POST"])
@allow("supervisor", "hr")
def new_paper():
    form = PaperForm()
    categories = services.categories()
    for entry in form.draws.entries:
        entry.form.category.choices = [SelectChoice("", "—")] + [SelectChoice(c.id, c.name) for c in categories]
    teams = accounts.managed_teams(current_user)
    form.team_id.choices = ([SelectChoice(0, "全部学员")] if current_user.role == "hr" else []) + [
        SelectChoice(t.id, t.name) for t in teams]
    if form.validate_on_submit():
        draws = [services.Draw(e.form.category.data, e.form.low.data or 1, e.form.high.data or 5, e.form.count.data)
                 for e in form.draws.entries if e.form.category.data and e.form.count.data]
        try:
            paper = services.create_paper(
                by=current_user, title=form.title.data, description=form.description.data or "", mode=form.mode.data,
                question_ids=form.ids(), draws=draws, time_limit=form.time_limit.data,
                max_attempts=form.max_attempts.data, pass_mark=form.pass_mark.data,
                shuffle_questions=form.shuffle_questions.data, shuffle_options=form.shuffle_options.data,
                closed_book=form.closed_book.data,
                team=db.session.get(Team, form.team_id.data) if form.team_id.data else None,
                opens_at=form.opens_at.data, closes_at=form.closes_at.data,
            )
        except services.AssessmentError as err:
            target = form.question_ids if err.key == "exam.unknown_questions" else form.title
            target.errors.append(_error(err))
        else:
            flash(messages.msg("exam.created", title=paper.title), "success")
            return redirect(url_for("assessment.paper", paper_id=paper.id))
    return render_template("assessment/paper_form.html", form=form), (400 if form.errors else 200)


@bp.route("/exams/manage/<int:paper_id>")
@allow("supervisor", "hr")
def paper(paper_id: int):
    item = db.session.get(ExamPaper, paper_id)
    if item is None:
        abort(404)
    if not services.can_manage_paper(current_user, item):
        abort(403)
    return render_template("assessment/paper.html", report=services.paper_report(current_user, item))
