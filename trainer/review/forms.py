"""Review forms. The grading form is built per item: one rating per indicator the item evidences, one
verdict per automatic hit, one comment box per trainee turn — so WTForms validates every field."""

from __future__ import annotations

from collections.abc import Iterable

from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    DateTimeLocalField,
    FloatField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ..forms import DecimalField, IntegerField
from ..inputs import MAX_ID
from .grading import GradeInput
from .hits import Hit

COMMENT_LIMIT = 2000
RATING_CHOICES = [SelectChoice("", "不适用"), *(SelectChoice(str(n), str(n)) for n in range(1, 6))]
VERDICT_CHOICES = [SelectChoice("", "未判定"), SelectChoice("correct", "机检正确"), SelectChoice("wrong", "机检错误")]
_LONG = Length(max=COMMENT_LIMIT, message=f"不能超过 {COMMENT_LIMIT} 字")


def rating_name(indicator: str) -> str:
    return f"r_{indicator}"


class _GradeBase(FlaskForm):
    comment = TextAreaField("总评", validators=[Optional(), _LONG])
    override_score = FloatField("修改系统评分 (0–100)", validators=[
        Optional(), NumberRange(min=0, max=100, message="改分必须在 0–100 之间")])
    override_reason = TextAreaField("改分理由", validators=[Optional(), _LONG])

    indicators: tuple[str, ...] = ()
    mark_required: bool = False
    hit_numbers: tuple[int, ...] = ()
    positions: tuple[int, ...] = ()

    def validate_override_reason(self, field) -> None:
        from wtforms.validators import ValidationError

        score = getattr(self, "override_score", None)
        if self.mark_required:  # an essay's mark is the grade itself, not a correction of the machine
            return
        if score is not None and score.data is not None and not (field.data or "").strip():
            raise ValidationError("修改系统评分必须写明理由")

    def to_input(self) -> GradeInput:
        ratings = {ind: (int(self[rating_name(ind)].data) if self[rating_name(ind)].data else None)
                   for ind in self.indicators}
        verdicts = tuple((n, self[f"v_{n}"].data, (self[f"vn_{n}"].data or "").strip())
                         for n in self.hit_numbers if self[f"v_{n}"].data)
        turns = {p: self[f"t_{p}"].data.strip() for p in self.positions if (self[f"t_{p}"].data or "").strip()}
        score, reason = getattr(self, "override_score", None), getattr(self, "override_reason", None)
        return GradeInput(ratings=ratings, comment=self.comment.data or "", turn_comments=turns,
                          override_score=score.data if score is not None else None,
                          override_reason=(reason.data or "") if reason is not None else "", verdicts=verdicts)


def grade_form(indicators: Iterable[str], hits: Iterable[Hit], positions: Iterable[int], *, with_override: bool = True,
               mark_required: bool = False, **kwargs) -> _GradeBase:
    """`mark_required`: an essay, graded with a mark 0–100 (the override field, required, no reason needed)."""
    indicators, hits, positions = tuple(indicators), tuple(hits), tuple(positions)
    fields: dict = {"indicators": indicators, "hit_numbers": tuple(h.n for h in hits), "positions": positions,
                    "mark_required": mark_required}
    if mark_required:
        fields["override_score"] = FloatField("得分 (0–100)", validators=[
            InputRequired("问答题需要给出得分"), NumberRange(min=0, max=100, message="得分必须在 0–100 之间")])
        fields["override_reason"] = TextAreaField("评分说明 (可选)", validators=[Optional(), _LONG])
    for indicator in indicators:
        fields[rating_name(indicator)] = SelectField(indicator, choices=RATING_CHOICES, validators=[Optional()])
    for hit in hits:
        fields[f"v_{hit.n}"] = RadioField(f"#{hit.n}", choices=VERDICT_CHOICES, default="", validators=[Optional()])
        fields[f"vn_{hit.n}"] = StringField("说明", validators=[Optional(), Length(max=500, message="不能超过 500 字")])
    for position in positions:
        fields[f"t_{position}"] = TextAreaField("本轮评语", validators=[Optional(), _LONG])
    if not with_override:
        fields["override_score"] = None
        fields["override_reason"] = None
    form_class = type("GradeForm", (_GradeBase,), fields)
    return form_class(**kwargs)


class DisputeForm(FlaskForm):
    comment = TextAreaField("申诉理由", validators=[DataRequired("申诉必须写明理由"), _LONG])


def proposal_form(indicators: Iterable[str], form_class: type[FlaskForm] = DisputeForm, **kwargs) -> FlaskForm:
    """The dispute form, or the decision form, with a rating per indicator (the ratings thought fair)."""
    fields = {rating_name(ind): SelectField(ind, choices=RATING_CHOICES, validators=[Optional()])
              for ind in indicators}
    fields["indicators"] = tuple(indicators)
    return type(form_class.__name__, (form_class,), fields)(**kwargs)


def proposed_ratings(form: FlaskForm) -> dict[str, int | None]:
    return {ind: (int(form[rating_name(ind)].data) if form[rating_name(ind)].data else None)
            for ind in form.indicators}


class DecisionForm(FlaskForm):
    decision = RadioField("处理结果", choices=[SelectChoice("accept", "接受申诉"), SelectChoice("partial", "部分接受"),
                                           SelectChoice("reject", "驳回申诉")],
                          validators=[InputRequired("请选择处理结果")])
    reason = TextAreaField("理由", validators=[DataRequired("处理申诉必须写明理由"), _LONG])


class QueueFilterForm(FlaskForm):
    """GET filters of the queue (no CSRF: it changes nothing)."""

    class Meta:
        csrf = False

    kind = SelectField("类型", validators=[Optional()])
    agent = SelectField("学员", validators=[Optional()])
    context = SelectField("情景或课程", validators=[Optional()])
    band = SelectField("系统评分", choices=[SelectChoice("", "全部"), SelectChoice("low", "60 分以下"),
                                        SelectChoice("mid", "60–79"), SelectChoice("high", "80 分以上")],
                       validators=[Optional()])
    flagged = SelectField("机检标记", choices=[SelectChoice("", "全部"), SelectChoice("1", "只看有标记的")],
                          validators=[Optional()])
    ungraded = SelectField("评分状态", choices=[SelectChoice("", "全部"), SelectChoice("1", "只看未评分的")],
                           validators=[Optional()])
    page = IntegerField(validators=[Optional(), NumberRange(min=1, max=100_000)])


class CalibrationForm(FlaskForm):
    title = StringField("标题", validators=[DataRequired("请填写标题"), Length(max=200)])
    item_ids = StringField("作业编号", description="评阅队列中的编号, 用空格或逗号分隔",
                           validators=[DataRequired("请至少填写一项作业的编号"), Length(max=500)])
    graders = SelectMultipleField("评分人", coerce=int, validators=[DataRequired("请选择评分人")])
    expert = SelectField("专家评分人 (可选)", coerce=int, validators=[Optional()])
    deadline = DateTimeLocalField("截止时间", format="%Y-%m-%dT%H:%M", validators=[DataRequired("请填写截止时间")])
    tolerance = FloatField("允许偏差 (% 量表)", default=10.0, validators=[
        InputRequired("请填写允许偏差"), NumberRange(min=0, max=100)])

    def parsed_item_ids(self) -> list[int]:
        import re

        return [int(n) for n in re.findall(r"\d{1,18}", self.item_ids.data or "")]


class ViolationForm(FlaskForm):
    agent_id = SelectField("学员", coerce=int, validators=[InputRequired("请选择学员")])
    category = SelectField("违规类别", validators=[DataRequired("请选择违规类别")])
    occurred_on = DateField("发生日期", validators=[DataRequired("请填写日期")])
    item_id = IntegerField("相关作业编号 (可选)", validators=[Optional(), NumberRange(min=1, max=MAX_ID)])
    note = TextAreaField("说明", validators=[Optional(), Length(max=1000, message="不能超过 1000 字")])


class VoidForm(FlaskForm):
    reason = TextAreaField("撤销理由", validators=[DataRequired("撤销违规必须写明理由"), Length(max=1000)])


class SpotDrawForm(FlaskForm):
    team_id = SelectField("团队", coerce=int)


class SpotRecordForm(FlaskForm):
    verdict = RadioField("抽查结果", choices=[SelectChoice("correct", "回答正确"), SelectChoice("partial", "部分正确"),
                                          SelectChoice("wrong", "回答错误")],
                         validators=[InputRequired("请选择抽查结果")])
    note = StringField("记录 (选填)", validators=[Optional(), Length(max=500, message="不超过 500 字")])


class CorrectionForm(FlaskForm):
    value = DecimalField("更正后的分数 (0–100)", places=1, validators=[
        InputRequired("请填写分数"), NumberRange(0, 100, message="分数应在 0 到 100 之间")])
    reason = StringField("更正原因", validators=[
        DataRequired("请说明更正原因"), Length(max=500, message="原因不超过 500 字")])
