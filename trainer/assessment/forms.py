"""A WTForms form built for a list of questions, so every answer is validated like any other field."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from ..content.questions import Question

TEXT_LIMIT = 5000
TRUE_FALSE = [SelectChoice("true", "正确"), SelectChoice("false", "错误")]


class _Checkboxes(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def field_name(question_id: str) -> str:
    return "q_" + question_id.replace("-", "_")


def answer_form(questions: list[Question], *, order: dict[str, list[int]] | None = None, **kwargs) -> FlaskForm:
    """One optional field per question; options may be shown in a shuffled `order` (canonical indices)."""
    fields = {}
    for question in questions:
        name = field_name(question.id)
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
        else:
            fields[name] = TextAreaField(question.stem, validators=[
                Optional(), Length(max=TEXT_LIMIT, message=f"答案不能超过 {TEXT_LIMIT} 字")])
    form_class = type("AnswerForm", (FlaskForm,), fields)
    return form_class(**kwargs)


def answers_from(form: FlaskForm, questions: list[Question]) -> dict[str, object]:
    """Answers in the grading code's terms: option indices, booleans or text (None when unanswered)."""
    answers: dict[str, object] = {}
    for question in questions:
        value = form[field_name(question.id)].data
        if question.type == "truefalse":
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
        if value is None:
            continue
        if question.type == "truefalse":
            value = "true" if value else "false"
        form[field_name(question.id)].data = value
