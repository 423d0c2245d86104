"""Sign-in, the user's own account page, and the admin pages for users and teams."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user
from wtforms import SelectChoice

from .. import messages
from ..access import allow, public
from ..extensions import db
from ..forms import ActionForm
from ..timeutil import utcnow
from . import services
from .forms import ChangePasswordForm, LoginForm, PasswordResetForm, TeamForm, UserCreateForm, UserEditForm
from .models import Team, User

bp = Blueprint("accounts", __name__)
admin_bp = Blueprint("admin", __name__, url_prefix="/admin")

HOME_BY_ROLE = {
    "trainee": "home.trainee",
    "supervisor": "home.supervisor",
    "hr": "home.hr",
    "admin": "home.admin",
}


def _safe_next(target: str | None) -> str | None:
    """Only follow same-site relative paths, so the login form cannot be used to bounce users off-site."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return None


@bp.route("/")
@allow()
def index():
    return redirect(url_for(HOME_BY_ROLE[current_user.role]))


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    if current_user.is_authenticated:
        return redirect(url_for("accounts.index"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        result = services.authenticate(form.username.data, form.password.data, request.remote_addr or "")
        if result.user is not None:
            session.clear()
            login_user(result.user)
            session.permanent = True
            session["last_seen"] = utcnow().timestamp()
            flash(messages.msg("login.welcome", name=result.user.display_name), "success")
            return redirect(_safe_next(request.args.get("next")) or url_for("accounts.index"))
        form.password.errors.append(messages.msg(result.error, minutes=result.minutes))
        status = {"login.locked": 429, "login.disabled": 403}.get(result.error, 400)
    elif request.method == "POST":
        status = 400
    return render_template("accounts/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
@allow()
def logout():
    form = ActionForm()
    if form.validate_on_submit():
        logout_user()
        session.clear()
        flash(messages.msg("login.logged_out"), "info")
    return redirect(url_for("accounts.login"))


@bp.route("/account", methods=["GET", "POST"])
@allow()
def account():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(current_user, form.current.data, form.new.data)
        except services.AccountError as err:
            form.current.errors.append(messages.msg(err.key, **err.values))
        else:
            login_user(current_user)  # keep this session, the new login id signs out the others
            flash(messages.msg("account.password_changed"), "success")
            return redirect(url_for("accounts.account"))
    status = 400 if form.errors else 200
    return render_template("accounts/account.html", form=form, action=ActionForm(), new_token=None), status


@bp.route("/account/token", methods=["POST"])
@allow()
def regenerate_token():
    action = ActionForm()
    if not action.validate_on_submit():
        abort(400)
    token = services.issue_api_token(current_user)
    flash(messages.msg("account.token_created"), "warning")
    return render_template("accounts/account.html", form=ChangePasswordForm(formdata=None), action=action,
                           new_token=token)


@bp.route("/account/token/revoke", methods=["POST"])
@allow()
def revoke_token():
    if not ActionForm().validate_on_submit():
        abort(400)
    services.revoke_api_token(current_user)
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
            )
        except services.AccountError as err:
            form.username.errors.append(messages.msg(err.key, **err.values))
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
        "admin/user_form.html", form=form, user=user, reset_form=PasswordResetForm(formdata=None)
    ), status


@admin_bp.route("/users/<int:user_id>/password", methods=["POST"])
@allow("admin")
def reset_password(user_id: int):
    user = _user_or_404(user_id)
    reset_form = PasswordResetForm()
    if reset_form.validate_on_submit():
        services.reset_password(user, reset_form.password.data)
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
                                       supervisors=chosen)
        except services.AccountError as err:
            db.session.rollback()
            form.name.errors.append(messages.msg(err.key, **err.values))
        else:
            key = "admin.team_updated" if team else "admin.team_created"
            flash(messages.msg(key, name=saved.name), "success")
            return redirect(url_for("admin.teams"))
    status = 400 if form.errors else 200
    return render_template("admin/team_form.html", form=form, team=team), status
