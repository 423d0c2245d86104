"""Competency forms."""

from flask_wtf import FlaskForm
from wtforms import DecimalField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange


class CorrectionForm(FlaskForm):
    value = DecimalField(
        "更正后的分数 (0–100)",
        places=1,
        validators=[InputRequired("请填写分数"), NumberRange(0, 100, message="分数应在 0 到 100 之间")],
    )
    reason = StringField(
        "更正原因", validators=[DataRequired("请说明更正原因"), Length(max=500, message="原因不超过 500 字")]
    )
