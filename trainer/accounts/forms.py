"""Account forms: sign-in, password, user and team administration."""

from __future__ import annotations

from flask import current_app
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    PasswordField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import DataRequired, EqualTo, Length, NumberRange, Optional, Regexp, ValidationError

from .. import messages
from ..forms import IntegerField
from . import passwords
from .models import ROLES

USERNAME_RULE = Regexp(r"^[A-Za-z0-9][A-Za-z0-9._-]*$", message="只能使用字母、数字、点、下划线和连字符")


def _password_rule(form, field) -> None:
    """The password rule of trainer.accounts.passwords, shown next to the field.

    The account the password is for is the form's `username` field when it has one (a new account), otherwise
    `form.for_username`, which the view sets (the signed-in user's own account, or the account an admin resets).
    """
    username = form.username.data if "username" in form else form.for_username
    problem = passwords.weakness(field.data or "", username or "", min_length=current_app.config["PASSWORD_MIN_LENGTH"])
    if problem is not None:
        key, values = problem
        raise ValidationError(messages.msg(key, **values))


class _PasswordFor(FlaskForm):
    """A form that sets the password of an existing account, named by the view: `Form(for_username=...)`."""

    def __init__(self, *args, for_username: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.for_username = for_username


class LoginForm(FlaskForm):
    # Field names are part of the interface: scripts and password managers post `username`/`password`.
    username = StringField("用户名", validators=[DataRequired("请输入用户名"), Length(max=64, message="用户名过长")])
    password = PasswordField("密码", validators=[DataRequired("请输入密码"), Length(max=256, message="密码过长")])


class ChangePasswordForm(_PasswordFor):
    current = PasswordField("当前密码", validators=[DataRequired("请输入当前密码"), Length(max=256)])
    new = PasswordField("新密码", validators=[DataRequired("请输入新密码"), Length(max=256), _password_rule])
    confirm = PasswordField("再次输入新密码", validators=[EqualTo("new", message="两次输入的新密码不一致")])


class _UserFields(FlaskForm):
    display_name = StringField("姓名", validators=[DataRequired("请填写姓名"), Length(max=64, message="姓名过长")])
    role = SelectField("角色", choices=[SelectChoice(r) for r in ROLES])
    team_id = SelectField("所属团队 (学员)", coerce=int)
    grade_code = SelectField("职级", validators=[Optional()])
    hire_date = DateField("入职日期", validators=[Optional()])

    def set_choices(self, teams, grades, role_labels) -> None:
        self.role.choices = [SelectChoice(r, role_labels[r]) for r in ROLES]
        self.team_id.choices = [SelectChoice(0, "— 无 —")] + [SelectChoice(t.id, t.name) for t in teams]
        self.grade_code.choices = [SelectChoice("", "— 无 —")] + [SelectChoice(g.code, g.name) for g in grades]

    def validate_team_id(self, field) -> None:
        if field.data and self.role.data != "trainee":
            raise ValidationError("只有学员归属团队；主管请在团队设置中指定为负责人")


class UserCreateForm(_UserFields):
    username = StringField(
        "用户名", validators=[DataRequired("请填写用户名"), Length(max=64, message="用户名过长"), USERNAME_RULE]
    )
    password = PasswordField("初始密码", validators=[DataRequired("请设置初始密码"), Length(max=256), _password_rule])


class UserEditForm(_UserFields):
    active = BooleanField("账号启用")


class PasswordResetForm(_PasswordFor):
    password = PasswordField("新密码", validators=[DataRequired("请输入新密码"), Length(max=256), _password_rule])


class TeamForm(FlaskForm):
    name = StringField("团队名称", validators=[DataRequired("请填写团队名称"), Length(max=80, message="名称过长")])
    description = StringField("说明", validators=[Optional(), Length(max=500, message="说明过长")])
    supervisor_ids = SelectMultipleField("负责主管", coerce=int)


class AuditFilterForm(FlaskForm):
    """GET filters of the administrative audit log (no CSRF: it changes nothing). Choices are set by the view."""

    class Meta:
        csrf = False

    action = SelectField("操作", validators=[Optional()])
    actor = SelectField("操作人", validators=[Optional()])
    page = IntegerField(validators=[Optional(), NumberRange(min=1, max=100_000)])
