"""The registry form_key -> form. A form is one or more stages of WTForms classes.

The same classes validate HTML posts and JSON payloads (JSON is turned into form data
first, see `forms.binding`) and describe themselves as JSON for API clients.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from wtforms import Form
from wtforms.fields import Field, FieldList, SelectField, SelectMultipleField

# Whole-form rule: all cleaned data in, {field name: [messages]} out.
FormCheck = Callable[[Mapping[str, Any]], dict[str, list[str]]]


@dataclass(frozen=True)
class Stage:
    """One page of a staged form."""

    key: str
    title: str
    form: type[Form]

    def field_names(self) -> list[str]:
        """Names of the stage's top-level fields."""
        return list(_field_names(self))


@cache
def _field_names(stage: Stage) -> tuple[str, ...]:
    return tuple(f.name for f in stage.form())


@dataclass(frozen=True)
class FormSpec:
    """A registered task form: ordered stages, optional whole-form checks."""

    key: str
    title: str
    stages: tuple[Stage, ...]
    checks: tuple[FormCheck, ...] = ()
    summary: bool = False  # staged forms end with a read-only summary before submit
    description: str = ""
    business_key: str = ""  # the field whose value names the case (e.g. the organization name)

    def stage_index(self, field_name: str) -> int | None:
        """The index of the stage holding `field_name`."""
        for index, stage in enumerate(self.stages):
            if field_name in stage.field_names():
                return index
        return None

    def fields(self) -> Iterator[Field]:
        """Every top-level field of every stage (an unbound instance)."""
        for stage in self.stages:
            yield from stage.form()

    @property
    def decision_choices(self) -> frozenset[str] | None:
        """Values of the `decision` field, which gateways branch on (None if absent)."""
        for fld in self.fields():
            if fld.name == "decision" and isinstance(fld, SelectField):
                return frozenset(str(value) for value, _label in _choices(fld) or [])
        return None


_REGISTRY: dict[str, FormSpec] = {}


def register_form(
    key: str,
    title: str,
    stages: list[Stage] | type[Form],
    *,
    checks: tuple[FormCheck, ...] = (),
    description: str = "",
    business_key: str = "",
) -> FormSpec:
    """Register a form under its key; a single class is a one-stage form."""
    stage_list = (Stage("main", title, stages),) if isinstance(stages, type) else tuple(stages)
    spec = FormSpec(
        key,
        title,
        stage_list,
        checks,
        len(stage_list) > 1,
        description=description,
        business_key=business_key,
    )
    _check_unique_names(spec)
    _REGISTRY[key] = spec
    return spec


def _check_unique_names(spec: FormSpec) -> None:
    seen: set[str] = set()
    for fld in spec.fields():
        if fld.name in seen:
            raise ValueError(f"form {spec.key}: field {fld.name} appears in two stages")
        seen.add(fld.name)


def get_form(key: str) -> FormSpec:
    """The form registered under `key` (KeyError when unknown)."""
    return _REGISTRY[key]


def all_forms() -> Mapping[str, FormSpec]:
    """Every registered form, by key."""
    return dict(_REGISTRY)


FIELD_TYPES: tuple[tuple[str, str], ...] = (
    ("AttachmentField", "file"),
    ("BooleanField", "boolean"),
    ("DateField", "date"),
    ("DateTimeLocalField", "datetime"),
    ("DateTimeField", "datetime"),
    ("DecimalField", "decimal"),
    ("FloatField", "decimal"),
    ("IntegerField", "integer"),
    ("SelectMultipleField", "multichoice"),
    ("RadioField", "choice"),
    ("SelectField", "choice"),
    ("TextAreaField", "text"),
    ("FieldList", "group"),
)


def field_type(fld: Field) -> str:
    """Our JSON type name for a WTForms field (by class, most specific first)."""
    names = {cls.__name__ for cls in type(fld).__mro__}
    for class_name, type_name in FIELD_TYPES:
        if class_name in names:
            return type_name
    return "string"


def _choices(fld: Field) -> list[tuple[Any, str]] | None:
    if not isinstance(fld, SelectField | SelectMultipleField):
        return None
    return [(value, str(label)) for value, label, *_rest in fld.iter_choices()]


def _is_required(fld: Field) -> bool:
    return any(getattr(v, "field_flags", {}).get("required") for v in fld.validators)


def describe_field(fld: Field) -> dict[str, Any]:
    """A field as API clients see it."""
    kind = field_type(fld)
    entry: dict[str, Any] = {
        "name": fld.name,
        "type": kind,
        "label": str(fld.label.text),
        "required": _is_required(fld),
        "choices": [[v, label] for v, label in _choices(fld) or []] or None,
        "help": str(fld.description or ""),
    }
    if kind == "group" and isinstance(fld, FieldList):
        inner = fld.unbound_field.args[0] if fld.unbound_field.args else None
        if isinstance(inner, type) and issubclass(inner, Form):
            entry["fields"] = [describe_field(sub) for sub in inner()]
        entry["min_entries"] = fld.min_entries
    return entry


def describe(spec: FormSpec) -> dict[str, Any]:
    """The JSON description of a form: its stages and their fields."""
    return {
        "key": spec.key,
        "title": spec.title,
        "stages": [
            {"key": s.key, "title": s.title, "fields": [describe_field(f) for f in s.form()]}
            for s in spec.stages
        ],
    }


@dataclass
class FormResult:
    """Outcome of validating data against a form or some of its stages."""

    data: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when there is no error."""
        return not self.errors
