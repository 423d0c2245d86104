"""Forms of HR's pages: the filters of the agent tables (GET) and the weight-set editor."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, FloatField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ..accounts import services as accounts
from ..accounts.models import User
from ..forms import IntegerField
from ..messages import MASTERY_LABELS
from . import dashboards, services

SORT_CHOICES = [SelectChoice("name", "按姓名"), SelectChoice("index", "指数从低到高"),
                SelectChoice("-index", "指数从高到低"), SelectChoice("coverage", "覆盖度从低到高")]


class AgentFilterForm(FlaskForm):
    """The filters of the HR overview and the team pages (no CSRF: a GET that changes nothing)."""

    class Meta:
        csrf = False

    q = StringField("姓名或用户名", validators=[Optional(), Length(max=40)])
    team = SelectField("团队", validators=[Optional()])
    grade = SelectField("职级", validators=[Optional()])
    tenure = SelectField("司龄", validators=[Optional()])
    cohort = SelectField("入职批次", validators=[Optional()])
    sort = SelectField("排序", choices=SORT_CHOICES, default="name", validators=[Optional()])
    indicator = SelectField("按指标排序", validators=[Optional()])
    method = SelectField("掌握度", choices=[SelectChoice(k, v) for k, v in MASTERY_LABELS.items()],
                         validators=[Optional()])
    weights = SelectField("权重版本", validators=[Optional()])
    page = IntegerField(validators=[Optional(), NumberRange(min=1, max=100_000)])

    def fill_choices(self, viewer: User, model: services.ModelView | None) -> None:
        teams = accounts.managed_teams(viewer)
        self.team.choices = [SelectChoice("", "全部团队")] + [SelectChoice(str(t.id), t.name) for t in teams]
        self.grade.choices = [SelectChoice("", "全部职级")] + [SelectChoice(g.code, g.name) for g in accounts.grades()]
        self.tenure.choices = [SelectChoice("", "不限")] + [SelectChoice(b[0], b[1]) for b in dashboards.TENURE_BANDS]
        self.cohort.choices = [SelectChoice("", "全部批次")] + [SelectChoice(c, c) for c in dashboards.cohorts(viewer)]
        names = model.indicator_names if model else {}
        self.indicator.choices = [SelectChoice("", "—")] + [SelectChoice(i, n) for i, n in names.items()]
        self.weights.choices = [SelectChoice("", "现行版本")] + [
            SelectChoice(str(w.version), f"v{w.version} {w.label}") for w in services.weight_sets()]

    def filters(self) -> dashboards.Filters:
        """The filters as given, or none at all when any was refused (the page says which)."""
        if not self.validate():
            return dashboards.Filters()
        return dashboards.Filters(team_id=int(self.team.data) if self.team.data else None,
                                  grade=self.grade.data or "", tenure=self.tenure.data or "",
                                  cohort=self.cohort.data or "", search=(self.q.data or "").strip(),
                                  sort=self.sort.data or "name", indicator=self.indicator.data or "")


def weight_form(first: dict[str, float], second: dict[str, dict[str, float]], names: dict[str, str]) -> FlaskForm:
    """A form with one number per indicator of the model (percent within its level), prefilled."""

    class WeightSetForm(FlaskForm):
        label = StringField("版本名称", validators=[DataRequired("请填写版本名称"), Length(max=120)])
        effective_from = DateField("生效日期", validators=[InputRequired("请填写生效日期")])
        note = TextAreaField("调整理由", validators=[DataRequired("请写明为什么调整权重"), Length(max=500)])

    def number(indicator: str, value: float):
        return FloatField(names.get(indicator, indicator), default=value, validators=[
            InputRequired("请填写权重"), NumberRange(min=0, max=100, message="权重应在 0 到 100 之间")])

    for top, value in first.items():
        setattr(WeightSetForm, f"w_{top}", number(top, value))
        for child, child_value in second.get(top, {}).items():
            setattr(WeightSetForm, f"w_{child}", number(child, child_value))
    return WeightSetForm()
