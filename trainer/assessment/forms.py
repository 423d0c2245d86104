"""Assessment forms; answer forms are built per list of questions so every answer is validated by WTForms."""

from __future__ import annotations

import re

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired, FileSize
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    FieldList,
    FormField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from ..content.questions import ESSAY_LIMIT, Question
from ..content.xlsx_bank import MAX_BYTES as XLSX_MAX_BYTES
from ..forms import IntegerField
from .grading import written_length

TEXT_LIMIT = 5000
TRUE_FALSE = [SelectChoice("true", "正确"), SelectChoice("false", "错误")]


class _Checkboxes(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def field_name(question_id: str) -> str:
    return "q_" + question_id.replace("-", "_")


def _optional_index(value: object) -> int | None:
    return int(value) if isinstance(value, int | str) and str(value).isdigit() else None


def _within_limit(limit: int):
    def check(form: FlaskForm, field: TextAreaField) -> None:
        if field.data and written_length(field.data) > limit:
            raise ValidationError(f"答案不能超过 {limit} 字 (现有 {written_length(field.data)} 字)")
    return check


def answer_form(questions: list[Question], *, order: dict[str, list[int]] | None = None, **kwargs) -> FlaskForm:
    """One optional field per question (a list of selects for a matching question, none for a description);
    options and a matching question's answers may be shown in a shuffled `order` (canonical indices)."""
    fields = {}
    for question in questions:
        name = field_name(question.id)
        if question.type == "description":
            continue
        if question.type == "matching":
            indices = (order or {}).get(question.id) or list(range(len(question.choices)))
            offered = [SelectChoice("", "请选择")] + [SelectChoice(i, question.choices[i]) for i in indices
                                                      if i < len(question.choices)]
            items = len(question.items)
            fields[name] = FieldList(SelectField(choices=offered, coerce=_optional_index, validators=[Optional()]),
                                     min_entries=items, max_entries=items)
            continue
        indices = (order or {}).get(question.id) or list(range(len(question.options)))
        choices = [SelectChoice(i, question.options[i].text) for i in indices if i < len(question.options)]
        if question.type == "single":
            fields[name] = RadioField(question.stem, choices=choices, coerce=int, validators=[Optional()])
        elif question.type == "multiple":
            fields[name] = _Checkboxes(question.stem, choices=choices, coerce=int, validators=[Optional()])
        elif question.type == "truefalse":
            fields[name] = RadioField(question.stem, choices=TRUE_FALSE, validators=[Optional()])
        elif question.type == "fill":
            fields[name] = StringField(question.stem, validators=[
                Optional(), Length(max=200, message="答案不能超过 200 字")])
        elif question.type == "numerical":
            fields[name] = StringField(question.stem, validators=[
                Optional(), Length(max=100, message="答案不能超过 100 字")])
        elif question.type == "essay":
            limit = question.word_limit or ESSAY_LIMIT
            fields[name] = TextAreaField(question.stem, validators=[
                Optional(), Length(max=ESSAY_LIMIT, message=f"答案不能超过 {ESSAY_LIMIT} 字"), _within_limit(limit)])
        else:
            fields[name] = TextAreaField(question.stem, validators=[
                Optional(), Length(max=TEXT_LIMIT, message=f"答案不能超过 {TEXT_LIMIT} 字")])
    form_class = type("AnswerForm", (FlaskForm,), fields)
    return form_class(**kwargs)


def answers_from(form: FlaskForm, questions: list[Question]) -> dict[str, object]:
    """Answers in the grading code's terms: option indices, booleans or text (None when unanswered)."""
    answers: dict[str, object] = {}
    for question in questions:
        if question.type == "description":
            continue
        value = form[field_name(question.id)].data
        if question.type == "matching":
            value = value if any(v is not None for v in value or []) else None
        elif question.type == "truefalse":
            value = {"true": True, "false": False}.get(value)
        elif question.type == "multiple":
            value = sorted(value or [])
        elif isinstance(value, str):
            value = value.strip() or None
        answers[question.id] = value
    return answers


def fill_form(form: FlaskForm, questions: list[Question], answers: dict[str, object]) -> None:
    """Put saved answers back into a form shown with GET (resume where the trainee left off)."""
    for question in questions:
        value = answers.get(question.id)
        if value is None or question.type == "description":
            continue
        if question.type == "matching" and isinstance(value, list):
            for entry, chosen in zip(form[field_name(question.id)].entries, value, strict=False):
                entry.data = chosen
            continue
        if question.type == "truefalse":
            value = "true" if value else "false"
        form[field_name(question.id)].data = value


class DrawForm(FlaskForm):
    """One random-draw rule of a paper: how many questions of a category within a difficulty range."""

    class Meta:
        csrf = False  # a sub-form: the paper form carries the token

    category = SelectField("分类", validators=[Optional()])
    low = IntegerField("难度从", default=1, validators=[Optional(), NumberRange(1, 5, message="难度为 1–5")])
    high = IntegerField("到", default=5, validators=[Optional(), NumberRange(1, 5, message="难度为 1–5")])
    count = IntegerField("题数", validators=[Optional(), NumberRange(1, 100, message="题数为 1–100")])


class PaperForm(FlaskForm):
    title = StringField("试卷名称", validators=[
        DataRequired("请填写试卷名称"), Length(max=200, message="不超过 200 字")])
    description = TextAreaField("说明", validators=[Optional(), Length(max=2000, message="不超过 2000 字")])
    mode = RadioField("出题方式", default="fixed", choices=[
        SelectChoice("fixed", "固定题目"), SelectChoice("random", "按分类和难度随机抽题")])
    question_ids = TextAreaField("固定题目的 id (用空格、逗号或换行分隔)",
                                 validators=[Optional(), Length(max=5000)])
    draws = FieldList(FormField(DrawForm), min_entries=4, max_entries=8)
    time_limit = IntegerField("考试时长 (分钟)", default=30, validators=[
        InputRequired("请填写时长"), NumberRange(1, 300, message="时长为 1–300 分钟")])
    max_attempts = IntegerField("允许作答次数 (0 = 不限)", default=1,
                                validators=[InputRequired("请填写次数"), NumberRange(0, 10, message="次数为 0–10")])
    pass_mark = IntegerField("及格分", default=60,
                             validators=[InputRequired("请填写及格分"), NumberRange(1, 100, message="及格分为 1–100")])
    shuffle_questions = BooleanField("打乱题目顺序", default=True)
    shuffle_options = BooleanField("打乱选项顺序", default=True)
    closed_book = BooleanField("闭卷 (考试期间不能打开课程和练习)", default=True)
    team_id = SelectField("考试对象", coerce=int)
    opens_at = DateTimeLocalField("开始时间 (选填)", validators=[Optional()])
    closes_at = DateTimeLocalField("截止时间 (选填)", validators=[Optional()])

    def ids(self) -> list[str]:
        return [part for part in re.split(r"[\s,，、;；]+", self.question_ids.data or "") if part]

    def validate_question_ids(self, field) -> None:
        if self.mode.data == "fixed" and not self.ids():
            raise ValidationError("固定题目的试卷至少需要一道题")

    def validate_draws(self, field) -> None:
        if self.mode.data != "random":
            return
        rules = [d for d in field.entries if d.form.category.data and d.form.count.data]
        if not rules:
            raise ValidationError("请至少设置一条抽题规则 (分类和题数)")
        for entry in rules:
            if (entry.form.low.data or 1) > (entry.form.high.data or 5):
                raise ValidationError("难度范围的下限不能大于上限")


class SetWeeklyForm(FlaskForm):
    question_id = StringField("题目 id", validators=[DataRequired("请填写题目 id"), Length(max=80)])


class TypingStartForm(FlaskForm):
    passage = SelectField("选择文章", validators=[DataRequired("请选择文章")])


class TypingSubmitForm(FlaskForm):
    typed = TextAreaField("在这里输入", validators=[Length(max=5000, message="不超过 5000 字")])


class GiftImportForm(FlaskForm):
    file = FileField("GIFT 文件", validators=[FileRequired("请选择文件"),
                                            FileAllowed(["gift", "txt"], "只接受 .gift 或 .txt 文件")])
    category = SelectField("未能对应分类的题目放入", validators=[DataRequired()])
    indicators = SelectMultipleField("题目考查的能力指标", validators=[DataRequired("请至少选择一项能力指标")])
    difficulty = IntegerField("难度 (1–5)", default=3,
                              validators=[InputRequired(), NumberRange(1, 5, message="难度为 1–5")])


class XlsxImportForm(FlaskForm):
    """The Excel upload of the question-bank page. It shares the page (and its POST) with the GIFT form, so the
    view builds it with prefix "xlsx" to tell the two apart; the size limit is checked before the file is opened."""

    file = FileField("Excel 文件 (.xlsx)", validators=[
        FileRequired("请选择文件"), FileAllowed(["xlsx"], "只接受 .xlsx 文件 (旧版 .xls 请先在 Excel 中另存为 .xlsx)"),
        FileSize(XLSX_MAX_BYTES, message=f"文件不能超过 {XLSX_MAX_BYTES // (1024 * 1024)} MB")])
