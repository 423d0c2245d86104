"""Learning forms: practice replies in a lesson, satisfaction survey, assignments, training requests."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, RadioField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

RATINGS = [SelectChoice(5, "非常满意"), SelectChoice(4, "满意"), SelectChoice(3, "一般"), SelectChoice(2, "不满意"),
           SelectChoice(1, "非常不满意")]


class LessonPracticeForm(FlaskForm):
    text = TextAreaField("你的回复", validators=[
        DataRequired("请先写下你的回复"), Length(max=5000, message="回复不能超过 5000 字")])


class FeedbackForm(FlaskForm):
    rating = RadioField("你对这门课程满意吗？", choices=RATINGS, coerce=int,
                        validators=[InputRequired("请选择满意度")])
    comment = TextAreaField("意见和建议 (选填)", validators=[Optional(), Length(max=1000, message="不超过 1000 字")])


class AssignForm(FlaskForm):
    course = SelectField("课程", validators=[DataRequired("请选择课程")])
    team_id = SelectField("指派给团队", coerce=int)
    user_id = SelectField("或指派给学员", coerce=int)
    due_date = DateField("截止日期", validators=[InputRequired("请选择截止日期")])
    note = StringField("备注 (选填)", validators=[Optional(), Length(max=500, message="不超过 500 字")])

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if ok and bool(self.team_id.data) == bool(self.user_id.data):
            self.team_id.errors.append("请选择一个团队或一名学员 (二选一)")
            return False
        return ok


class TrainingRequestForm(FlaskForm):
    title = StringField("培训需求", validators=[
        DataRequired("请填写培训需求"), Length(max=200, message="不超过 200 字")])
    need = TextAreaField("背景与期望", validators=[
        DataRequired("请说明为什么需要这项培训"), Length(max=3000, message="不超过 3000 字")])
    team_id = SelectField("面向团队", coerce=int)


class DecisionForm(FlaskForm):
    decision = RadioField("审核结果", choices=[SelectChoice("approve", "批准"), SelectChoice("reject", "驳回")],
                          validators=[InputRequired("请选择审核结果")])
    note = TextAreaField("审核意见", validators=[Optional(), Length(max=1000, message="不超过 1000 字")])


class InstructorForm(FlaskForm):
    instructor = StringField("讲师", validators=[DataRequired("请填写讲师"), Length(max=120, message="不超过 120 字")])


class ArchiveForm(FlaskForm):
    course = SelectField("交付的课程", validators=[DataRequired("请选择交付的课程")])
    note = TextAreaField("实施情况", validators=[Optional(), Length(max=2000, message="不超过 2000 字")])
