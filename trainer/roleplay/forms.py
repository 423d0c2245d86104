"""The chat reply form."""

from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional
from wtforms.widgets import HiddenInput

from ..forms import IntegerField


class ReplyForm(FlaskForm):
    text = TextAreaField("你的回复", validators=[
        DataRequired("请先写下你要对客户说的话"), Length(max=5000, message="回复不能超过 5000 字")])
    # How many replies the page showed when it was sent: a second click or a resent form is then stale.
    after = IntegerField(widget=HiddenInput(), validators=[Optional(), NumberRange(min=0, max=10_000)])
