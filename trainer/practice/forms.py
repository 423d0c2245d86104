"""Practice and rule-tester forms."""

from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice, SelectField, TextAreaField
from wtforms.validators import DataRequired, ValidationError


class _ReplyForm(FlaskForm):
    #: Set by the view from the rules in force (scoring.yaml `max_chars`), so the limit lives in one place.
    limit = 5000

    def validate_text(self, field) -> None:
        if len(field.data or "") > self.limit:
            raise ValidationError(f"回复不能超过 {self.limit} 字 (现为 {len(field.data)} 字)")


class PracticeForm(_ReplyForm):
    script = SelectField("话术类型")
    text = TextAreaField("你的回复", validators=[DataRequired("请先写下你的回复")])


class RuleTestForm(_ReplyForm):
    source = RadioField(
        "使用的规则",
        choices=[SelectChoice("active", "生效中的规则"), SelectChoice("draft", "磁盘上的规则文件 (草稿)")],
        default="active",
    )
    script = SelectField("话术类型")
    text = TextAreaField("要测试的回复", validators=[DataRequired("请输入要测试的回复")])
