"""Helpers the form macros use to draw WTForms fields with Bootstrap."""

from __future__ import annotations

from typing import Any

from wtforms import Form
from wtforms.fields import Field, FieldList


def blank_row(group: FieldList) -> Form:
    """An empty row of a repeated group, named with the `__index__` placeholder the script fills in."""
    inner: type[Form] = group.unbound_field.args[0]
    return inner(prefix=f"{group.name}-__index__-")


def choices_of(fld: Field) -> list[tuple[str, str, bool]]:
    """(value, label, selected) of a select field; the blank "please choose" is added by the macro."""
    return [(str(value), str(label), bool(selected)) for value, label, selected, *_rest in fld.iter_choices()]


def row_errors(errors: dict[str, list[str]], group: str, index: int, name: str) -> list[str]:
    """Messages for one field of one row, as `forms.binding` flattens them (`contacts[0].phone`)."""
    return errors.get(f"{group}[{index}].{name}", [])


def group_messages(errors: dict[str, Any], group: str) -> list[str]:
    """Messages about a repeated group as a whole."""
    return [m for m in errors.get(group, []) if isinstance(m, str)]
