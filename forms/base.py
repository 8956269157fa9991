"""The base of every task form: Chinese messages from WTForms' own catalogue."""

from __future__ import annotations

from wtforms import Form
from wtforms.validators import DataRequired, InputRequired

REQUIRED = "此项为必填项。"


class BaseForm(Form):
    """A form whose built-in messages (invalid number, date …) are Chinese."""

    class Meta:
        locales = ("zh",)


def required() -> DataRequired:
    """Required text: blank or whitespace-only is missing."""
    return DataRequired(REQUIRED)


def required_input() -> InputRequired:
    """Required number/date/choice: missing input is reported, bad input keeps its own message."""
    return InputRequired(REQUIRED)
