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
from wtforms.validators import DataRequired, EqualTo, Length, Optional, Regexp, ValidationError

from .models import ROLES

USERNAME_RULE = Regexp(r"^[A-Za-z0-9][A-Za-z0-9._-]*$", message="只能使用字母、数字、点、下划线和连字符")


def _password_length(form, field) -> None:
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(field.data or "") < minimum:
        raise ValidationError(f"密码至少 {minimum} 位")


class LoginForm(FlaskForm):
    # Field names are part of the interface: scripts and password managers post `username`/`password`.
    username = StringField("用户名", validators=[DataRequired("请输入用户名"), Length(max=64, message="用户名过长")])
    password = PasswordField("密码", validators=[DataRequired("请输入密码"), Length(max=256, message="密码过长")])


class ChangePasswordForm(FlaskForm):
    current = PasswordField("当前密码", validators=[DataRequired("请输入当前密码"), Length(max=256)])
    new = PasswordField("新密码", validators=[DataRequired("请输入新密码"), Length(max=256), _password_length])
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
    password = PasswordField("初始密码", validators=[DataRequired("请设置初始密码"), Length(max=256), _password_length])


class UserEditForm(_UserFields):
    active = BooleanField("账号启用")


class PasswordResetForm(FlaskForm):
    password = PasswordField("新密码", validators=[DataRequired("请输入新密码"), Length(max=256), _password_length])


class TeamForm(FlaskForm):
    name = StringField("团队名称", validators=[DataRequired("请填写团队名称"), Length(max=80, message="名称过长")])
    description = StringField("说明", validators=[Optional(), Length(max=500, message="说明过长")])
    supervisor_ids = SelectMultipleField("负责主管", coerce=int)
