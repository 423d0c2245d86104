"""Sign-in, the user's own account page, and the admin pages for users, teams, sign-in security and the audit log."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms import SelectChoice

from .. import messages
from ..access import allow, public
from ..auth import current_session_key, sign_in, sign_out
from ..exports import csv_response
from ..extensions import db
from ..forms import ActionForm
from ..templating import localtime
from . import audit, services, sessions, signin
from .forms import (
    AuditFilterForm,
    ChangePasswordForm,
    LoginForm,
    PasswordResetForm,
    TeamForm,
    UserCreateForm,
    UserEditForm,
)
from .models import Team, User
from .passwords import PasswordRejected

bp = Blueprint("accounts", __name__)
admin_bp = Blueprint("admin", __name__, url_prefix="/admin")

HOME_BY_ROLE = {
    "trainee": "home.trainee",
    "supervisor": "dashboards.team",
    "hr": "dashboards.hr",
    "admin": "home.admin",
}


def _safe_next(target: str | None) -> str | None:
    """Only follow same-site paths, so the login form cannot bounce a user off-site.

    Browsers drop tabs and newlines from a URL and read a backslash as a slash, so `/%09/evil.example` (a tab)
    becomes `//evil.example`: any control character, whitespace or backslash refuses the target
    outright rather than being cleaned up into something else.
    """
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    if any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F or ch == "\\" for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


@bp.route("/")
@allow()
def index():
    return redirect(url_for(HOME_BY_ROLE[current_user.role]))


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    """Sign in; failures slow further guesses down (accounts.signin) and never lock the real user out."""
    if current_user.is_authenticated:
        return redirect(url_for("accounts.index"))
    form = LoginForm()
    status, headers = 200, {}
    if form.validate_on_submit():
        result = signin.authenticate(form.username.data, form.password.data, request.remote_addr or "")
        if result.user is not None:
            sign_in(result.user)
            flash(messages.msg("login.welcome", name=result.user.display_name), "success")
            for alert in result.alerts:
                flash(messages.msg("login.alert", count=alert.failures, since=localtime(alert.first_at),
                                   addresses=alert.addresses or "—"), "warning")
            return redirect(_safe_next(request.args.get("next")) or url_for("accounts.index"))
        form.password.errors.append(messages.msg(result.error, wait=messages.duration(result.wait)))
        status = {"login.throttled": 429, "login.disabled": 403}.get(result.error or "", 400)
        if result.wait:
            headers["Retry-After"] = str(result.wait)
    elif request.method == "POST":
        status = 400
    return render_template("accounts/login.html", form=form), status, headers


@bp.route("/logout", methods=["POST"])
@allow()
def logout():
    """Sign out: the session row is closed, so a copy of this cookie no longer signs anyone in."""
    form = ActionForm()
    if form.validate_on_submit():
        sign_out()
        flash(messages.msg("login.logged_out"), "info")
    return redirect(url_for("accounts.login"))


def _account_page(form: ChangePasswordForm, *, new_token: str | None = None, status: int = 200):
    idle = current_app.config["SESSION_IDLE_TIMEOUT"]
    open_now = sessions.open_sessions(current_user, idle)
    key = current_session_key()
    return render_template(
        "accounts/account.html", form=form, action=ActionForm(formdata=None), new_token=new_token,
        devices=[(record, sessions.is_current(record, key)) for record in open_now],
        alerts=signin.alerts_of(current_user),
    ), status


@bp.route("/account", methods=["GET", "POST"])
@allow()
def account():
    """The user's own account: password, devices signed in, failed sign-in alerts, API token."""
    form = ChangePasswordForm(for_username=current_user.username)
    if form.validate_on_submit():
        try:
            services.change_password(current_user, form.current.data, form.new.data,
                                     keep_session=current_session_key())
        except services.AccountError as err:
            form.current.errors.append(messages.msg(err.key, **err.values))
        except PasswordRejected as err:
            form.new.errors.append(err.message)
        else:
            flash(messages.msg("account.password_changed"), "success")
            return redirect(url_for("accounts.account"))
    return _account_page(form, status=400 if form.errors else 200)


@bp.route("/account/sessions/end-others", methods=["POST"])
@allow()
def end_other_sessions():
    """Sign out every other device: their cookies stop working at once, this one stays signed in."""
    if not ActionForm().validate_on_submit():
        abort(400)
    count = sessions.end_others(current_user, current_session_key())
    flash(messages.msg("account.others_signed_out", count=count), "info")
    return redirect(url_for("accounts.account"))


@bp.route("/account/token", methods=["POST"])
@allow()
def regenerate_token():
    """Issue a new API token and show it once; the old one stops working."""
    action = ActionForm()
    if not action.validate_on_submit():
        abort(400)
    token = services.issue_api_token(current_user, actor=current_user)
    flash(messages.msg("account.token_created"), "warning")
    return _account_page(ChangePasswordForm(formdata=None, for_username=current_user.username), new_token=token)


@bp.route("/account/token/revoke", methods=["POST"])
@allow()
def revoke_token():
    if not ActionForm().validate_on_submit():
        abort(400)
    services.revoke_api_token(current_user, actor=current_user)
    flash(messages.msg("account.token_revoked"), "info")
    return redirect(url_for("accounts.account"))


# --- admin: users ------------------------------------------------------------------------------------


def _user_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


def _fill_choices(form) -> None:
    form.set_choices(services.all_teams(), services.grades(), messages.ROLE_LABELS)


@admin_bp.route("/users")
@allow("admin")
def users():
    return render_template("admin/users.html", users=services.all_users())


@admin_bp.route("/users/new", methods=["GET", "POST"])
@allow("admin")
def new_user():
    form = UserCreateForm()
    _fill_choices(form)
    if form.validate_on_submit():
        try:
            user = services.create_user(
                username=form.username.data,
                password=form.password.data,
                role=form.role.data,
                display_name=form.display_name.data,
                team=db.session.get(Team, form.team_id.data) if form.team_id.data else None,
                grade_code=form.grade_code.data or None,
                hire_date=form.hire_date.data,
                actor=current_user,
            )
        except services.AccountError as err:
            form.username.errors.append(messages.msg(err.key, **err.values))
        except PasswordRejected as err:
            form.password.errors.append(err.message)
        else:
            flash(messages.msg("admin.user_created", username=user.username), "success")
            return redirect(url_for("admin.users"))
    status = 400 if form.errors else 200
    return render_template("admin/user_form.html", form=form, user=None), status


@admin_bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@allow("admin")
def edit_user(user_id: int):
    user = _user_or_404(user_id)
    form = UserEditForm(obj=user)
    if request.method == "GET":
        form.team_id.data = user.team_id or 0
        form.grade_code.data = user.grade_code or ""
    _fill_choices(form)
    if form.validate_on_submit():
        try:
            services.update_user(
                user,
                acting=current_user,
                display_name=form.display_name.data,
                role=form.role.data,
                team=db.session.get(Team, form.team_id.data) if form.team_id.data else None,
                grade_code=form.grade_code.data or None,
                hire_date=form.hire_date.data,
                active=form.active.data,
            )
        except services.AccountError as err:
            db.session.rollback()
            form.role.errors.append(messages.msg(err.key, **err.values))
        else:
            flash(messages.msg("admin.user_updated", username=user.username), "success")
            return redirect(url_for("admin.users"))
    status = 400 if form.errors else 200
    return render_template(
        "admin/user_form.html", form=form, user=user,
        reset_form=PasswordResetForm(formdata=None, for_username=user.username),
    ), status


@admin_bp.route("/users/<int:user_id>/password", methods=["POST"])
@allow("admin")
def reset_password(user_id: int):
    user = _user_or_404(user_id)
    reset_form = PasswordResetForm(for_username=user.username)
    if reset_form.validate_on_submit():
        try:
            services.reset_password(user, reset_form.password.data, actor=current_user)
        except PasswordRejected as err:
            reset_form.password.errors.append(err.message)
        else:
            flash(messages.msg("admin.password_reset", username=user.username), "success")
            return redirect(url_for("admin.edit_user", user_id=user.id))
    form = UserEditForm(obj=user, formdata=None)
    form.team_id.data = user.team_id or 0
    form.grade_code.data = user.grade_code or ""
    _fill_choices(form)
    return render_template("admin/user_form.html", form=form, user=user, reset_form=reset_form), 400


# --- admin: teams ------------------------------------------------------------------------------------


@admin_bp.route("/teams")
@allow("admin")
def teams():
    return render_template("admin/teams.html", teams=services.all_teams())


@admin_bp.route("/teams/new", methods=["GET", "POST"], defaults={"team_id": None})
@admin_bp.route("/teams/<int:team_id>", methods=["GET", "POST"])
@allow("admin")
def edit_team(team_id: int | None):
    team = None
    if team_id is not None:
        team = db.session.get(Team, team_id)
        if team is None:
            abort(404)
    form = TeamForm(obj=team)
    candidates = services.supervisors()
    form.supervisor_ids.choices = [SelectChoice(s.id, f"{s.display_name} ({s.username})") for s in candidates]
    if request.method == "GET" and team is not None:
        form.supervisor_ids.data = [s.id for s in team.supervisors]
    if form.validate_on_submit():
        chosen = [s for s in candidates if s.id in set(form.supervisor_ids.data)]
        try:
            saved = services.save_team(team, name=form.name.data, description=form.description.data or "",
                                       supervisors=chosen, actor=current_user)
        except services.AccountError as err:
            db.session.rollback()
            form.name.errors.append(messages.msg(err.key, **err.values))
        else:
            key = "admin.team_updated" if team else "admin.team_created"
            flash(messages.msg(key, name=saved.name), "success")
            return redirect(url_for("admin.teams"))
    status = 400 if form.errors else 200
    return render_template("admin/team_form.html", form=form, team=team), status


# --- admin: sign-in security -------------------------------------------------------------------------


@admin_bp.route("/security")
@allow("admin")
def security():
    """Repeated failed sign-ins of the last 30 days, per account and per network address."""
    return render_template("admin/security.html", alerts=signin.recent_alerts())


# --- admin: the administrative audit log -------------------------------------------------------------


def _audit_filter() -> tuple[AuditFilterForm, audit.AuditFilter, int, bool]:
    """The page's GET filters; anything invalid shows everything, with a note, rather than an error page."""
    form = AuditFilterForm(request.args)
    form.action.choices = [SelectChoice("", "全部")] + [
        SelectChoice(a, messages.ADMIN_AUDIT_LABELS[a]) for a in audit.ADMIN_ACTIONS]
    form.actor.choices = [SelectChoice("", "全部"), SelectChoice(audit.CLI, messages.COMMAND_LINE_ACTOR)] + [
        SelectChoice(str(u.id), f"{u.display_name} ({u.username})") for u in audit.actors()]
    valid = form.validate()
    if not valid:
        return form, audit.AuditFilter(), 1, False
    flt = audit.AuditFilter(action=form.action.data or "", actor=form.actor.data or "")
    return form, flt, form.page.data or 1, True


@admin_bp.route("/audit")
@allow("admin")
def audit_log():
    """Administrative actions, newest first, filtered by action and actor; grading records are not shown here."""
    form, flt, page, valid = _audit_filter()
    records, total = audit.page_of(flt, page)
    pages = max(1, -(-total // audit.PER_PAGE))
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template(
        "admin/audit.html", form=form, records=records, total=total, page=page, pages=pages, args=args,
        names=audit.target_names(records), field_labels=messages.ADMIN_AUDIT_FIELD_LABELS,
        grade_names={g.code: g.name for g in services.grades()},
    ), 200 if valid else 400


@admin_bp.route("/audit.csv")
@allow("admin")
def audit_csv():
    """The filtered log as CSV (all pages, newest first, up to AUDIT_EXPORT_LIMIT rows)."""
    _, flt, _, valid = _audit_filter()
    if not valid:
        abort(400)
    limit = int(current_app.config.get("AUDIT_EXPORT_LIMIT", 100_000))
    return csv_response(audit.csv_table(audit.all_of(flt, limit)), "admin-audit.csv")
