"""Form pieces shared by every room."""

from flask_wtf import FlaskForm


class ActionForm(FlaskForm):
    """A button that changes something: no fields, but it still carries the CSRF token."""
