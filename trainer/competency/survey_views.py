"""Delphi survey pages: HR's surveys, experts, rounds and results; the experts' rating page (signed in, or by
a personal link that needs no account)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import (
    DateField,
    FloatField,
    HiddenField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from .. import messages
from ..access import allow, public
from ..accounts.models import User
from ..exports import stacked, table_response
from ..extensions import db
from ..forms import ActionForm
from ..messages import ServiceError
from . import reports, surveys
from .survey_models import DelphiExpert, DelphiResponse, DelphiRound, DelphiSurvey
from .views import bp

#: the outside experts' personal links live outside /competency: /delphi/<token>
delphi_bp = Blueprint("delphi", __name__)

#: the Likert scale of the reference study's questionnaire
LIKERT_LABELS = {5: "绝对重要", 4: "很重要", 3: "比较重要", 2: "一般重要", 1: "稍微重要"}


class SurveyForm(FlaskForm):
    title = StringField("调查名称", validators=[DataRequired("请填写调查名称"), Length(max=200)])
    description = TextAreaField("给专家的说明（选填）", validators=[Optional(), Length(max=2000)])
    min_w = FloatField("最低 Kendall W", default=surveys.DEFAULT_MIN_W,
                       validators=[InputRequired("请填写"), NumberRange(0, 1, "应在 0 到 1 之间")])
    max_cv = FloatField("最大变异系数 CV", default=surveys.DEFAULT_MAX_CV,
                        validators=[InputRequired("请填写"), NumberRange(0.01, 5, "应在 0.01 到 5 之间")])
    alpha = FloatField("显著性水平 α", default=surveys.DEFAULT_ALPHA,
                       validators=[InputRequired("请填写"), NumberRange(0.001, 0.5, "应在 0.001 到 0.5 之间")])


class PlatformExpertForm(FlaskForm):
    user_id = SelectField("平台用户（主管或人力）", coerce=int, validators=[InputRequired("请选择专家")])


class OutsideExpertForm(FlaskForm):
    name = StringField("姓名", validators=[DataRequired("请填写外部专家的姓名"), Length(max=80)])
    affiliation = StringField("单位 / 职务（选填）", validators=[Optional(), Length(max=120)])


class WeightsForm(FlaskForm):
    effective_from = DateField("生效日期（留空 = 今天）", validators=[Optional()])


class _RatingBase(FlaskForm):
    round_id = HiddenField()
    proposal = TextAreaField("建议新增的指标（选填）",
                             validators=[Optional(), Length(max=2000, message="不能超过 2000 字")])


def rating_form(survey: DelphiSurvey, **kwargs) -> _RatingBase:
    """One 1-5 choice and one optional comment per indicator of the survey. Range is the service's rule."""
    fields: dict = {}
    for item in survey.items:
        fields[f"r_{item.indicator_id}"] = RadioField(
            item.indicator.name, choices=[SelectChoice(str(v), str(v)) for v in sorted(LIKERT_LABELS)],
            validate_choice=False, validators=[InputRequired(f"请为“{item.indicator.name}”评分")])
        fields[f"c_{item.indicator_id}"] = StringField("意见", validators=[Optional(), Length(max=500)])
    return type("RatingForm", (_RatingBase,), fields)(**kwargs)


def survey_or_404(survey_id: int) -> DelphiSurvey:
    """The survey (404 when there is none); routes that use it declare who may see it."""
    survey = db.session.get(DelphiSurvey, survey_id)
    if survey is None:
        abort(404)
    return survey


def round_or_404(survey: DelphiSurvey, number: int) -> DelphiRound:
    row = surveys.get_round(survey, number)
    if row is None:
        abort(404)
    return row


# --- HR: surveys, experts, rounds ----------------------------------------------------------------------


@bp.route("/surveys", methods=["GET", "POST"])
@allow("supervisor", "hr")
def surveys_page():
    """HR: every survey and the form to start one. A supervisor: the surveys they are invited to rate."""
    if current_user.role != "hr":
        return render_template("competency/surveys.html", form=None, surveys=surveys.surveys_of_expert(current_user))
    form = SurveyForm()
    if form.validate_on_submit():
        try:
            survey = surveys.create_survey(current_user, title=form.title.data, description=form.description.data,
                                           min_w=form.min_w.data, max_cv=form.max_cv.data, alpha=form.alpha.data)
        except ServiceError as err:
            form.title.errors = [*form.title.errors, err.text]
        else:
            flash(messages.msg("delphi.created", title=survey.title), "success")
            return redirect(url_for("competency.survey_page", survey_id=survey.id))
    return render_template("competency/surveys.html", form=form, surveys=surveys.all_surveys()), \
        400 if form.errors else 200


def _detail(survey: DelphiSurvey, *, status: int = 200, new_link: tuple[DelphiExpert, str] | None = None,
            platform: PlatformExpertForm | None = None, outside: OutsideExpertForm | None = None):
    platform = platform or PlatformExpertForm(formdata=None)
    taken = {e.user_id for e in survey.experts}
    platform.user_id.choices = [
        SelectChoice(u.id, f"{u.display_name}（{messages.ROLE_LABELS[u.role]}）")
        for u in db.session.scalars(select(User).where(User.role.in_(("supervisor", "hr")), User.active.is_(True))
                                    .order_by(User.role.desc(), User.username)) if u.id not in taken]
    answered = set(db.session.execute(
        select(DelphiResponse.expert_id, DelphiRound.number).join(DelphiRound)
        .where(DelphiRound.survey_id == survey.id)).all())
    link = None
    if new_link is not None:
        link = (new_link[0], url_for("delphi.rate", token=new_link[1], _external=True))
    return render_template(
        "competency/survey.html", survey=survey, platform=platform, outside=outside or OutsideExpertForm(formdata=None),
        action=ActionForm(formdata=None), weights_form=WeightsForm(formdata=None), answered=answered,
        counts=surveys.submitted_counts(survey), current=surveys.current_round(survey), new_link=link,
        final=surveys.final_round(survey),
    ), status


@bp.route("/surveys/<int:survey_id>")
@allow("hr")
def survey_page(survey_id: int):
    """A survey: its stop rule, experts with their progress per round, the rounds and their results."""
    return _detail(survey_or_404(survey_id))


def _refused(survey: DelphiSurvey, err: ServiceError):
    flash(err.text, "error")
    return _detail(survey, status=err.status)


@bp.route("/surveys/<int:survey_id>/experts", methods=["POST"])
@allow("hr")
def add_platform_expert(survey_id: int):
    """Invite a supervisor or HR colleague: they rate on /competency/surveys/<id>/rate when signed in."""
    survey = survey_or_404(survey_id)
    form = PlatformExpertForm()
    form.user_id.choices = [SelectChoice(u.id, u.display_name) for u in db.session.scalars(select(User))]
    if not form.validate_on_submit():
        return _detail(survey, status=400, platform=form)
    user = db.session.get(User, form.user_id.data)
    assert user is not None  # the form accepts only the users it offered
    try:
        surveys.add_platform_expert(survey, current_user, user)
    except ServiceError as err:
        return _refused(survey, err)
    flash(messages.msg("delphi.expert_added", name=user.display_name), "success")
    return redirect(url_for("competency.survey_page", survey_id=survey.id))


@bp.route("/surveys/<int:survey_id>/experts/outside", methods=["POST"])
@allow("hr")
def add_outside_expert(survey_id: int):
    """Invite someone without an account; their personal link is shown on this response only."""
    survey = survey_or_404(survey_id)
    form = OutsideExpertForm()
    if not form.validate_on_submit():
        return _detail(survey, status=400, outside=form)
    try:
        expert, token = surveys.add_outside_expert(survey, current_user, name=form.name.data,
                                                   affiliation=form.affiliation.data)
    except ServiceError as err:
        return _refused(survey, err)
    flash(messages.msg("delphi.expert_link", name=expert.name), "warning")
    return _detail(survey, new_link=(expert, token))


@bp.route("/surveys/<int:survey_id>/experts/<int:expert_id>/link", methods=["POST"])
@allow("hr")
def regenerate_link(survey_id: int, expert_id: int):
    """A new personal link for an outside expert (the old one stops working); shown once."""
    survey = survey_or_404(survey_id)
    expert = db.session.get(DelphiExpert, expert_id)
    if expert is None or expert.survey_id != survey.id or not ActionForm().validate_on_submit():
        abort(404 if expert is None or expert.survey_id != survey.id else 400)
    try:
        token = surveys.regenerate_link(expert)
    except ServiceError as err:
        return _refused(survey, err)
    flash(messages.msg("delphi.expert_link", name=expert.name), "warning")
    return _detail(survey, new_link=(expert, token))


@bp.route("/surveys/<int:survey_id>/rounds", methods=["POST"])
@allow("hr")
def open_round(survey_id: int):
    """Open the next round (round 1 first): every expert may then answer it once."""
    survey = survey_or_404(survey_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        row = surveys.open_round(survey, current_user)
    except ServiceError as err:
        return _refused(survey, err)
    flash(messages.msg("delphi.round_opened", number=row.number), "success")
    return redirect(url_for("competency.survey_page", survey_id=survey.id))


@bp.route("/surveys/<int:survey_id>/rounds/<int:number>/close", methods=["POST"])
@allow("hr")
def close_round(survey_id: int, number: int):
    """Close a round by hand (it also closes by itself when everyone answered and the stop rule holds)."""
    survey = survey_or_404(survey_id)
    row = round_or_404(survey, number)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        surveys.close_round(row, current_user)
    except ServiceError as err:
        return _refused(survey, err)
    flash(messages.msg("delphi.round_closed", number=row.number), "success")
    return redirect(url_for("competency.survey_round", survey_id=survey.id, number=row.number))


@bp.route("/surveys/<int:survey_id>/end", methods=["POST"])
@allow("hr")
def end_survey(survey_id: int):
    """End the survey: no more rounds or answers (an open round closes)."""
    survey = survey_or_404(survey_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        surveys.end_survey(survey, current_user)
    except ServiceError as err:
        return _refused(survey, err)
    flash(messages.msg("delphi.ended"), "success")
    return redirect(url_for("competency.survey_page", survey_id=survey.id))


@bp.route("/surveys/<int:survey_id>/weights", methods=["POST"])
@allow("hr")
def apply_weights(survey_id: int):
    """Make the final round's weights a new weight-set version (one POST; the survey then ends)."""
    survey = survey_or_404(survey_id)
    form = WeightsForm()
    if not form.validate_on_submit():
        return _detail(survey, status=400)
    try:
        weight_set = surveys.apply_weights(survey, current_user, effective_from=form.effective_from.data)
    except ServiceError as err:
        return _refused(survey, err)
    flash(messages.msg("delphi.weights_applied", number=weight_set.provenance["round"], version=weight_set.version),
          "success")
    return redirect(url_for("competency.model"))


# --- results -------------------------------------------------------------------------------------------


@bp.route("/surveys/<int:survey_id>/rounds/<int:number>")
@allow("hr")
def survey_round(survey_id: int, number: int):
    """One round's figures: per indicator mean, SD, CV, share of 5s; per level Kendall's W, χ², df, p; weights."""
    survey = survey_or_404(survey_id)
    row = round_or_404(survey, number)
    final = surveys.final_round(survey)
    return render_template("competency/survey_round.html", survey=survey, round=row,
                           results=surveys.round_results(row), weights_form=WeightsForm(formdata=None),
                           can_apply=final is not None and final.id == row.id and survey.weight_set_id is None
                           and surveys.current_round(survey) is None)


#: the round's figures as a file: XLSX (a sheet per table) or CSV (the tables one after the other)
EXPORT_FORMATS = ("xlsx", "csv")


@bp.route("/surveys/<int:survey_id>/rounds/<int:number>/export.<fmt>")
@allow("hr")
def survey_round_export(survey_id: int, number: int, fmt: str):
    """The round's figures to take to the panel or a meeting: one row per indicator, then one per level.

    Built by reports.delphi_round_tables from the same RoundResults as the results page, so the file and
    the page never disagree; other formats are 404.
    """
    if fmt not in EXPORT_FORMATS:
        abort(404)
    survey = survey_or_404(survey_id)
    tables = reports.delphi_round_tables(survey, surveys.round_results(round_or_404(survey, number)))
    return table_response([stacked(tables)] if fmt == "csv" else tables, f"delphi-{survey.id}-round-{number}", fmt)


@bp.route("/surveys/<int:survey_id>/rounds/<int:number>.csv")
@allow("hr")
def survey_round_csv_moved(survey_id: int, number: int):
    """The CSV's old address, still in bookmarks and mails sent to the panel: permanently moved (308)."""
    return redirect(url_for("competency.survey_round_export", survey_id=survey_id, number=number, fmt="csv"), 308)


# --- the experts' page ---------------------------------------------------------------------------------


def _rate(expert: DelphiExpert, action: str):
    """The rating page of one expert: the open round's form with the previous round's figures, or a notice."""
    survey = expert.survey
    row = surveys.current_round(survey)
    form = rating_form(survey)
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                round_id = int(form.round_id.data) if (form.round_id.data or "").isdigit() else None
                _, closed = surveys.submit(
                    expert, round_id, {i.indicator_id: form[f"r_{i.indicator_id}"].data for i in survey.items},
                    {i.indicator_id: form[f"c_{i.indicator_id}"].data for i in survey.items}, form.proposal.data)
            except ServiceError as err:
                flash(err.text, "error")
                status = err.status
            else:
                submitted = db.session.get(DelphiRound, round_id)
                assert submitted is not None  # submit() refuses a round that does not exist
                flash(messages.msg("delphi.submitted", number=submitted.number), "success")
                if closed:
                    flash(messages.msg("delphi.round_consensus", number=submitted.number), "info")
                return redirect(action)
        else:
            status = 400
    mine = surveys.response_of(expert, row)
    previous, own = surveys.feedback(expert, row) if row is not None else (None, {})
    if row is not None and request.method == "GET":
        form.round_id.data = str(row.id)
    return render_template("competency/survey_rate.html", survey=survey, expert=expert, round=row, form=form,
                           mine=mine, previous=previous, own=own, action=action, likert=LIKERT_LABELS), status


@bp.route("/surveys/<int:survey_id>/rate", methods=["GET", "POST"])
@allow("supervisor", "hr")
def survey_rate(survey_id: int):
    """A signed-in expert rates the open round (403 for anyone not invited to this survey)."""
    survey = survey_or_404(survey_id)
    expert = surveys.expert_for_user(survey, current_user)
    if expert is None:
        abort(403)
    return _rate(expert, url_for("competency.survey_rate", survey_id=survey.id))


@delphi_bp.route("/delphi/<token>", methods=["GET", "POST"])
@public
def rate(token: str):
    """An outside expert rates by their personal link: the token is the only key, and only its hash is stored."""
    expert = surveys.expert_for_token(token)
    if expert is None:
        return render_template("competency/survey_link.html"), 404
    return _rate(expert, url_for("delphi.rate", token=token))
