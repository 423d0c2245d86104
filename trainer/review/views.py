"""Review pages: the queue, an item with its grading form, the trainee's acknowledgement and dispute, the
disputes waiting for a decision, and the audit trail as CSV."""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from .. import messages
from ..access import allow
from ..accounts import services as accounts
from ..accounts.models import Team
from ..competency import services as competency
from ..competency.models import Evidence
from ..extensions import db
from ..forms import ActionForm
from ..messages import ServiceError
from ..practice.highlight import segments
from ..rules import services as phrase_rules
from . import audit, corrections, disputes, grading, queue, spotchecks
from .forms import (
    CorrectionForm,
    DecisionForm,
    QueueFilterForm,
    SpotDrawForm,
    SpotRecordForm,
    grade_form,
    proposal_form,
    proposed_ratings,
)
from .models import ITEM_KINDS, Dispute, ReviewItem, SpotCheck
from .sources import content_of

bp = Blueprint("review", __name__, url_prefix="/review")


def item_or_404(item_id: int) -> ReviewItem:
    """The item, if the current user may see it: its trainee, their supervisors, HR (404 / 403 otherwise)."""
    item = db.session.get(ReviewItem, item_id)
    if item is None:
        abort(404)
    if item.agent_id != current_user.id and not accounts.can_view_agent(current_user, item.agent):
        abort(403)
    return item


def indicator_names() -> dict[str, str]:
    model = competency.model_view()
    return model.indicator_names if model else {}


def dispute_or_404(dispute_id: int) -> Dispute:
    dispute = db.session.get(Dispute, dispute_id)
    if dispute is None:
        abort(404)
    if not accounts.can_view_agent(current_user, dispute.agent):
        abort(403)
    return dispute


@bp.route("/queue")
@allow("supervisor", "hr")
def queue_page():
    """The queue of the viewer's teams (HR: every team), oldest first, with the filters QA teams use."""
    form = QueueFilterForm(request.args)
    agents = accounts.visible_agents(current_user)
    form.kind.choices = [("", "全部")] + [(k, messages.ITEM_KIND_LABELS[k]) for k in ITEM_KINDS]
    form.agent.choices = [("", "全部")] + [(str(a.id), a.display_name) for a in agents]
    form.context.choices = [("", "全部"), *queue.contexts(current_user)]
    valid = form.validate()
    flt = queue.QueueFilter(
        kind=form.kind.data or "", agent_id=int(form.agent.data) if form.agent.data else None,
        context=form.context.data or "", band=form.band.data or "", flagged_only=form.flagged.data == "1",
        ungraded_only=form.ungraded.data == "1",
    ) if valid else queue.QueueFilter()
    page = form.page.data if valid and form.page.data else 1
    items, total = queue.page_of(current_user, flt, page)
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template("review/queue.html", form=form, items=items, total=total, page=page, per_page=50,
                           args=args, final_score=grading.final_score), 200 if valid else 400


def _item_page(item: ReviewItem, *, form=None, dispute_form=None, decision_form=None, status: int = 200):
    content = content_of(item)
    hits = grading.item_hits(item, content)
    rules = phrase_rules.rules_in_force()
    staff = grading.can_grade(current_user, item)
    positions = [t.position for t in content.turns if t.role == "trainee"]
    if staff and form is None:
        form = grade_form(item.indicators, hits, positions, mark_required=item.kind == "exam_essay", formdata=None)
    grade = item.grade
    own = current_user.id == item.agent_id
    if own and dispute_form is None and grade is not None:
        dispute_form = proposal_form(item.indicators, formdata=None)
    open_disputes = disputes.disputes_of_item(item)
    decision_forms = {}
    for d in open_disputes:
        if d.decision is None and disputes.can_decide(current_user, d):
            decision_forms[d.id] = decision_form if decision_form is not None else proposal_form(
                item.indicators, DecisionForm, formdata=None, prefix=f"d{d.id}")
    return render_template(
        "review/item.html", item=item, content=content, hits=hits, rules=rules, form=form, staff=staff, own=own,
        marks={t.position: segments(t.text, dict(t.report or {})) for t in content.turns if t.role == "trainee"},
        grade=grade, grades=grading.grades_of(item), rubric=grading.rubric_view(item.rubric_id),
        names=indicator_names(),
        final_score=grading.final_score(item), acknowledged=grade is not None and disputes.acknowledged(grade),
        can_dispute=own and disputes.can_dispute(item, current_user), dispute_form=dispute_form,
        disputes=open_disputes, decision_forms=decision_forms, trail=audit.trail_of(item), action=ActionForm(),
        hits_by_turn={p: [h for h in hits if h.turn == p] for p in positions},
        verdicts={v.hit_no: v for v in (grade.verdicts if grade else [])},
    ), status


@bp.route("/items/<int:item_id>")
@allow("trainee", "supervisor", "hr")
def item(item_id: int):
    """An item as the trainee saw it, its grades and verdicts, and (for staff) the grading form."""
    return _item_page(item_or_404(item_id))


@bp.route("/items/<int:item_id>/grade", methods=["POST"])
@allow("supervisor", "hr")
def grade(item_id: int):
    """Record a grade: ratings, comments, verdicts, an override with its reason."""
    target = item_or_404(item_id)
    if not grading.can_grade(current_user, target):
        abort(403, messages.msg("review.not_allowed"))
    content = content_of(target)
    hits = grading.item_hits(target, content)
    form = grade_form(target.indicators, hits, [t.position for t in content.turns if t.role == "trainee"],
                      mark_required=target.kind == "exam_essay")
    if not form.validate_on_submit():
        return _item_page(target, form=form, status=400)
    regrade = target.grade is not None
    try:
        grading.grade_item(target, current_user, form.to_input())
    except ServiceError as err:
        form.comment.errors = [*form.comment.errors, err.text]
        return _item_page(target, form=form, status=err.status)
    flash(messages.msg("review.regraded" if regrade else "review.graded"), "success")
    return redirect(url_for("review.item", item_id=target.id))


@bp.route("/items/<int:item_id>/acknowledge", methods=["POST"])
@allow("trainee")
def acknowledge(item_id: int):
    """The trainee confirms they have read the grade."""
    target = item_or_404(item_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        disputes.acknowledge(target, current_user)
    except ServiceError as err:
        abort(err.status, err.text)
    flash(messages.msg("review.acknowledged"), "success")
    return redirect(url_for("review.item", item_id=target.id))


@bp.route("/items/<int:item_id>/dispute", methods=["POST"])
@allow("trainee")
def dispute(item_id: int):
    """The trainee disputes the grade, within the window, with a reason and the ratings they think fair."""
    target = item_or_404(item_id)
    form = proposal_form(target.indicators)
    if not form.validate_on_submit():
        return _item_page(target, dispute_form=form, status=400)
    try:
        disputes.open_dispute(target, current_user, comment=form.comment.data, proposed=proposed_ratings(form))
    except ServiceError as err:
        flash(err.text, "error")  # the form may no longer be shown (window closed, already disputed)
        return _item_page(target, dispute_form=form, status=err.status)
    flash(messages.msg("review.dispute_opened"), "success")
    return redirect(url_for("review.item", item_id=target.id))


@bp.route("/disputes")
@allow("supervisor", "hr")
def disputes_page():
    """Disputes waiting for a decision by the viewer (HR also sees every other open one)."""
    return render_template("review/disputes.html", rows=[
        (d, disputes.can_decide(current_user, d)) for d in disputes.disputes_for(current_user)])


@bp.route("/disputes/<int:dispute_id>/decide", methods=["POST"])
@allow("supervisor", "hr")
def decide(dispute_id: int):
    """Accept, accept in part or reject a dispute, with a reason; accepting writes a new grade."""
    target = dispute_or_404(dispute_id)
    form = proposal_form(target.item.indicators, DecisionForm, prefix=f"d{target.id}")
    if not form.validate_on_submit():
        return _item_page(target.item, decision_form=form, status=400)
    try:
        disputes.decide(target, current_user, decision=form.decision.data, reason=form.reason.data,
                        ratings=proposed_ratings(form))
    except ServiceError as err:
        flash(err.text, "error")
        return _item_page(target.item, decision_form=form, status=err.status)
    flash(messages.msg("review.decided", decision=messages.DECISION_LABELS[form.decision.data]), "success")
    return redirect(url_for("review.item", item_id=target.item_id))


def _csv(text: str, name: str) -> Response:
    return Response(text, mimetype="text/csv", headers={"Content-Disposition": f"attachment; filename={name}"})


@bp.route("/items/<int:item_id>/audit.csv")
@allow("supervisor", "hr")
def item_audit(item_id: int):
    """The item's audit trail as CSV."""
    target = item_or_404(item_id)
    return _csv(audit.to_csv(audit.trail_of(target)), f"audit-item-{target.id}.csv")


@bp.route("/audit.csv")
@allow("supervisor", "hr")
def audit_export():
    """Every audit record about the viewer's agents (HR: everyone), newest first, as CSV."""
    limit = int(current_app.config.get("AUDIT_EXPORT_LIMIT", 100_000))
    return _csv(audit.to_csv(audit.visible_records(current_user, limit=limit)), "audit.csv")


@bp.route("/mine")
@allow("trainee")
def mine():
    """The trainee's graded items, newest grade first, with what still needs acknowledging."""
    return render_template("review/mine.html", items=grading.graded_items_of(current_user),
                           acknowledged=disputes.acknowledged)


@bp.app_context_processor
def _navigation_counts():
    """`review_badge()` for the navigation: ungraded queue items (staff), unread grades (a trainee)."""

    def review_badge() -> int:
        if not current_user.is_authenticated:
            return 0
        if current_user.role in ("supervisor", "hr"):
            return queue.ungraded_count(current_user)
        if current_user.role == "trainee":
            return disputes.unacknowledged_count(current_user)
        return 0

    return {"review_badge": review_badge}


# --- spot checks and evidence corrections ------------------------------------------------------------


@bp.route("/spot-checks", methods=["POST"])
@allow("supervisor", "hr")
def spot_draw():
    """Draw a random trainee of one of the viewer's teams and a random question."""
    form = SpotDrawForm(prefix="spot")
    form.team_id.choices = [(t.id, t.name) for t in accounts.managed_teams(current_user)]
    if not form.validate_on_submit():
        abort(400)
    try:
        check = spotchecks.draw(current_user, db.session.get(Team, form.team_id.data))
    except ServiceError as err:
        flash(err.text, "error")
        return redirect(url_for("assessment.weekly"))
    return redirect(url_for("review.spot_check", check_id=check.id))


@bp.route("/spot-checks/<int:check_id>", methods=["GET", "POST"])
@allow("supervisor", "hr")
def spot_check(check_id: int):
    """Ask the drawn question face to face and record the verdict (evidence recorded by the supervisor)."""
    check = db.session.get(SpotCheck, check_id)
    if check is None:
        abort(404)
    if not accounts.can_view_agent(current_user, check.agent):
        abort(403)
    form = SpotRecordForm(prefix="record")
    if form.validate_on_submit():
        try:
            spotchecks.record(check, by=current_user, verdict=form.verdict.data, note=form.note.data or "")
        except ServiceError as err:
            flash(err.text, "info")
        else:
            flash(messages.msg("spot.recorded", name=check.agent.display_name), "success")
        return redirect(url_for("assessment.weekly"))
    return render_template("review/spot_check.html", check=check, question=check.question.question(),
                           form=form), 400 if form.errors else 200


@bp.route("/evidence/<int:evidence_id>/correct", methods=["GET", "POST"])
@allow("supervisor", "hr")
def correct_evidence(evidence_id: int):
    """Correct one piece of an agent's evidence: a superseding record with a reason, the original kept."""
    original = db.session.get(Evidence, evidence_id)
    if original is None:
        abort(404)
    if not accounts.can_view_agent(current_user, original.agent):
        abort(403)
    form = CorrectionForm()
    if form.validate_on_submit():
        try:
            corrections.correct(original, value=float(form.value.data), reason=form.reason.data, by=current_user)
        except ServiceError as err:
            form.value.errors = [*form.value.errors, err.text]
        else:
            flash(messages.msg("evidence.corrected"), "success")
            return redirect(url_for("competency.profile", agent_id=original.agent_id))
    return render_template("review/correct.html", form=form, agent=original.agent, original=original), (
        400 if form.errors else 200)
