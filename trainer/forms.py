"""Form pieces shared by every room."""

from flask_wtf import FlaskForm
from wtforms import DecimalField as _DecimalField
from wtforms import IntegerField as _IntegerField

from .inputs import MAX_ID


class ActionForm(FlaskForm):
    """A button that changes something: no fields, but it still carries the CSRF token."""


class IntegerField(_IntegerField):
    """WTForms' IntegerField, refusing what no INTEGER column holds as "not a valid integer".

    int() takes a 400-digit number, and NumberRange then fails converting it to a float (OverflowError, a 500);
    past 2³¹ PostgreSQL refuses it in a query ("integer out of range", a 500).
    """

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if self.data is not None and not -MAX_ID <= self.data <= MAX_ID:
            self.data = None
            raise ValueError(self.gettext("Not a valid integer value."))


class DecimalField(_DecimalField):
    """WTForms' DecimalField, refusing NaN and infinities: NumberRange raises ValueError on "sNaN" (a 500)."""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if self.data is not None and not self.data.is_finite():
            self.data = None
            raise ValueError(self.gettext("Not a valid decimal value."))
