"""Validate data against a registered form: JSON payloads and HTML posts alike.

JSON is turned into the form data an HTML post would carry, so both paths run the same
WTForms coercion and validators. Cleaned data is plain JSON (dates as ISO strings,
decimals as numbers) because it goes into the workflow state.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from werkzeug.datastructures import MultiDict
from wtforms import Form
from wtforms.fields import BooleanField, Field, FieldList, FormField, SelectMultipleField

from forms.registry import FormResult, FormSpec, Stage

RESERVED_KEYS = frozenset({"typename"})


def reserved_key_errors(data: Any, path: str = "") -> dict[str, list[str]]:
    """Errors for keys that would break the engine's serializer (`typename`, `_x`, `__x__`)."""
    errors: dict[str, list[str]] = {}
    if isinstance(data, Mapping):
        for key, value in data.items():
            name = f"{path}.{key}" if path else str(key)
            if not isinstance(key, str) or key in RESERVED_KEYS or key.startswith("_"):
                errors[name] = ["字段名为系统保留名称，不能使用。"]
            errors.update(reserved_key_errors(value, name))
    elif isinstance(data, list):
        for index, item in enumerate(data):
            errors.update(reserved_key_errors(item, f"{path}[{index}]"))
    return errors


@dataclass(frozen=True)
class _Slot:
    """How one field of a form is posted: its name, its kind, and a list's fields per row."""

    name: str
    kind: Literal["list", "bool", "multi", "value"]
    row: tuple[_Slot, ...] = ()


_SLOTS: dict[type[Form], tuple[_Slot, ...]] = {}


def _slots(form_class: type[Form]) -> tuple[_Slot, ...]:
    """The form's fields as `to_formdata` posts them, worked out once per form class (building a
    form instance costs more than the rest of `to_formdata`)."""
    slots = _SLOTS.get(form_class)
    if slots is None:
        slots = _SLOTS[form_class] = tuple(_slot(fld) for fld in form_class())
    return slots


def _slot(fld: Field) -> _Slot:
    if isinstance(fld, FieldList):
        row_form: type[Form] = fld.unbound_field.args[0]
        return _Slot(fld.name, "list", _slots(row_form))
    if isinstance(fld, BooleanField):
        return _Slot(fld.name, "bool")
    if isinstance(fld, SelectMultipleField):
        return _Slot(fld.name, "multi")
    return _Slot(fld.name, "value")


def to_formdata(form_class: type[Form], data: Mapping[str, Any]) -> MultiDict[str, Any]:
    """The form data an HTML post of `data` would carry for `form_class`."""
    out: MultiDict[str, Any] = MultiDict()
    for slot in _slots(form_class):
        _post(out, slot, data.get(slot.name), slot.name)
    return out


def _post(out: MultiDict[str, Any], slot: _Slot, value: Any, name: str) -> None:
    if value is None or value == "":
        return  # blank is missing: "required" is the message, not "not a valid date"
    if slot.kind == "list":
        for index, item in enumerate(value if isinstance(value, list) else []):
            row = item if isinstance(item, Mapping) else {}
            for sub in slot.row:
                _post(out, sub, row.get(sub.name), f"{name}-{index}-{sub.name}")
    elif slot.kind == "bool":
        if value is True or str(value).lower() in ("true", "1", "y", "yes", "on"):
            out.add(name, "y")
    elif slot.kind == "multi":
        for item in value if isinstance(value, list) else [value]:
            out.add(name, str(item))
    else:
        out.add(name, value if isinstance(value, str) else str(value))


def plain(value: Any) -> Any:
    """Turn WTForms output into JSON-safe data."""
    if isinstance(value, datetime):
        return value.isoformat(timespec="minutes")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, Mapping):
        return {k: plain(v) for k, v in value.items() if k != "csrf_token"}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def _flatten_errors(errors: Any, prefix: str) -> dict[str, list[str]]:
    if isinstance(errors, Mapping):
        flat: dict[str, list[str]] = {}
        for key, value in errors.items():
            flat.update(_flatten_errors(value, f"{prefix}.{key}" if prefix else str(key)))
        return flat
    if isinstance(errors, list) and errors and all(isinstance(e, str) for e in errors):
        return {prefix: [str(e) for e in errors]}
    if isinstance(errors, list):
        flat = {}
        for index, item in enumerate(errors):
            if item:
                flat.update(_flatten_errors(item, f"{prefix}[{index}]"))
        return flat
    return {prefix: [str(errors)]}


def _only_parse_errors(form: Form) -> None:
    """A value that could not be read (not a number, not a date) reports only that."""
    for fld in form:
        if isinstance(fld, FieldList):
            for entry in fld.entries:
                if isinstance(entry, FormField):
                    _only_parse_errors(entry.form)
        elif fld.process_errors:
            fld.errors = list(fld.process_errors)


# Forms that finished a validation, by class, to process the next form data. Building a form binds
# every one of its fields anew, which cost more than reading and validating them (an application:
# 0.77 ms in all, of which binding ~0.3). `Form.process` resets every field for new form data.
_IDLE: dict[type[Form], list[Form]] = {}


def validate_stage(stage: Stage, formdata: MultiDict[str, Any]) -> FormResult:
    """Validate one stage from form data."""
    idle = _IDLE.setdefault(stage.form, [])
    try:
        form = idle.pop()  # atomic: a form is only ever in one caller's hands
    except IndexError:
        form = stage.form(formdata=formdata)
    else:
        form.process(formdata)
    if form.validate():
        result = FormResult(data=plain(form.data))
    else:
        _only_parse_errors(form)
        if hasattr(form, "_errors"):
            form._errors = None  # recompute form.errors from the fields
        result = FormResult(data=plain(form.data), errors=_flatten_errors(form.errors, ""))
    idle.append(form)  # not after an exception: that form stays out
    return result


def validate_form(spec: FormSpec, data: Mapping[str, Any], stages: Iterable[int] | None = None) -> FormResult:
    """Validate JSON `data` against the given stages (default: all) and the form's checks."""
    reserved = reserved_key_errors(data)
    if reserved:
        return FormResult(errors=reserved)
    indexes = list(range(len(spec.stages))) if stages is None else list(stages)
    result = FormResult()
    for index in indexes:
        stage = spec.stages[index]
        part = validate_stage(stage, to_formdata(stage.form, data))
        result.data.update(part.data)
        result.errors.update(part.errors)
    names = {name for index in indexes for name in spec.stages[index].field_names()}
    for check in spec.checks:
        for name, messages in check({**data, **result.data}).items():
            if name in names and name not in result.errors:
                result.errors[name] = messages
    return result


def formdata_to_json(spec: FormSpec, stage_index: int, formdata: MultiDict[str, Any]) -> dict[str, Any]:
    """Raw (unvalidated) values of one stage from an HTML post, kept in a draft as typed."""
    form = spec.stages[stage_index].form(formdata=formdata)
    raw: dict[str, Any] = {}
    for fld in form:
        raw[fld.name] = _raw_value(fld)
    return raw


def _raw_value(fld: Field) -> Any:
    if isinstance(fld, FieldList):
        return [_raw_value_form(entry) for entry in fld.entries]
    if isinstance(fld, BooleanField):
        return bool(fld.data)
    if isinstance(fld, SelectMultipleField):
        return list(fld.raw_data or [])
    return fld.raw_data[0] if fld.raw_data else None


def _raw_value_form(entry: Field) -> Any:
    if isinstance(entry, FormField):
        return {sub.short_name: _raw_value(sub) for sub in entry.form}
    return _raw_value(entry)
