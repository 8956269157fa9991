"""The dossier (案卷) of an instance: submissions as versions, the diff of a resubmission,
the history told from the audit trail, and which diagram elements ran.

Pure reads: nothing here writes or commits. Values are turned into display text with the
task form's own labels and choices, so a reader sees 「退回补正」, not `return`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any

from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select
from sqlalchemy.orm import Session

from forms import describe, get_form
from forms.registry import FormSpec
from models import Attachment, AuditEvent, HumanTask, ProcessInstance, Submission, User
from workflows import audit, definitions
from workflows.engine import state_json

EMPTY = "（未填写）"
_SHAPE = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?BPMNShape\b")


@dataclass(frozen=True)
class Entry:
    """One field of submitted data as a reader sees it; `rows` for a repeated group."""

    name: str
    label: str
    text: str
    rows: list[list[Entry]] | None = None


@dataclass(frozen=True)
class Section:
    """The entries of one stage of a form."""

    title: str
    entries: list[Entry]


@dataclass(frozen=True)
class Change:
    """One difference between two versions: `kind` is changed, added or removed."""

    label: str
    before: str
    after: str
    kind: str = "changed"


@dataclass
class Version:
    """One submission of one step, with its changes against the step's previous submission."""

    submission: Submission
    form_title: str
    sections: list[Section]
    submitted_by: str
    changes: list[Change] | None = None  # None: the first version of this step


@dataclass(frozen=True)
class HistoryEntry:
    """One line of an instance's history."""

    at: datetime
    action: str
    actor: str
    task: str
    details: dict[str, Any] = field(default_factory=dict)
    decision: str = ""
    comment: str = ""


# --- display text -----------------------------------------------------------------------------


def _choice_text(value: Any, choices: list[list[Any]] | None) -> str:
    """The label of a choice value (the value itself when unknown)."""
    for option, label in choices or []:
        if str(option) == str(value):
            return str(label)
    return str(value)


def _text(desc: Mapping[str, Any], value: Any, files: Mapping[int, str]) -> str:
    """A field value as display text, by the field's type."""
    kind = desc["type"]
    if kind == "boolean":
        return "是" if value is True or str(value).lower() in ("true", "y", "yes", "1", "on") else "否"
    if value is None or value == "" or value == []:
        return EMPTY
    if kind == "choice":
        return _choice_text(value, desc.get("choices"))
    if kind == "multichoice":
        items = value if isinstance(value, list) else [value]
        return "、".join(_choice_text(v, desc.get("choices")) for v in items)
    if kind == "file" and str(value).isdigit():
        return files.get(int(value), f"附件 #{value}")
    return str(value)


def _entry(desc: Mapping[str, Any], value: Any, files: Mapping[int, str]) -> Entry:
    """One field (or repeated group) of data as an Entry."""
    if desc["type"] != "group":
        return Entry(desc["name"], desc["label"], _text(desc, value, files))
    rows = []
    for row in value if isinstance(value, list) else []:
        row = row if isinstance(row, Mapping) else {}
        rows.append([_entry(sub, row.get(sub["name"]), files) for sub in desc.get("fields", [])])
    return Entry(desc["name"], desc["label"], f"{len(rows)} 项" if rows else EMPTY, rows)


@cache
def _stages(spec: FormSpec) -> list[dict[str, Any]]:
    """The form's described stages, built once per form (read-only: the dossier only looks)."""
    stages: list[dict[str, Any]] = describe(spec)["stages"]
    return stages


def attachment_names(session: Session, data: Iterable[Mapping[str, Any]], spec: FormSpec) -> dict[int, str]:
    """File names of the attachments that file fields of `data` refer to."""
    names = [f["name"] for s in _stages(spec) for f in s["fields"] if f["type"] == "file"]
    ids = {int(d[n]) for d in data for n in names if str(d.get(n) or "").isdigit()}
    if not ids:
        return {}
    rows = session.scalars(select(Attachment).where(Attachment.id.in_(ids)))
    return {row.id: f"{row.filename}（{max(1, row.size // 1024)} KB）" for row in rows}


def sections(
    spec: FormSpec, data: Mapping[str, Any], files: Mapping[int, str] | None = None
) -> list[Section]:
    """`data` of a form as display sections, one per stage (the read-only summary)."""
    return [
        Section(stage["title"], [_entry(f, data.get(f["name"]), files or {}) for f in stage["fields"]])
        for stage in _stages(spec)
    ]


# --- the diff ---------------------------------------------------------------------------------


def _flat(entries: Iterable[Entry], prefix: str = "") -> dict[str, tuple[str, str]]:
    """{key: (label, text)} with a key per group row field, so rows compare one by one."""
    out: dict[str, tuple[str, str]] = {}
    for entry in entries:
        label = f"{prefix}{entry.label}"
        if entry.rows is None:
            out[f"{prefix}{entry.name}"] = (label, entry.text)
            continue
        for index, row in enumerate(entry.rows, start=1):
            out.update(_flat(row, f"{label} 第{index}项 · "))
    return out


def diff(
    spec: FormSpec,
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    files: Mapping[int, str] | None = None,
) -> list[Change]:
    """What changed from `before` to `after`, field by field (group rows one by one)."""
    old = _flat(e for s in sections(spec, before, files) for e in s.entries)
    new = _flat(e for s in sections(spec, after, files) for e in s.entries)
    changes = []
    for key in list(new) + [k for k in old if k not in new]:
        if key not in old:
            changes.append(Change(new[key][0], "", new[key][1], "added"))
        elif key not in new:
            changes.append(Change(old[key][0], old[key][1], "", "removed"))
        elif old[key][1] != new[key][1]:
            changes.append(Change(new[key][0], old[key][1], new[key][1]))
    return changes


# --- versions ---------------------------------------------------------------------------------


def _names(session: Session, ids: Iterable[int | None]) -> dict[int, str]:
    """Display names of users by id."""
    wanted = {i for i in ids if i is not None}
    users: Iterable[User] = session.scalars(select(User).where(User.id.in_(wanted))) if wanted else []
    return {u.id: u.display_name or u.username for u in users}


def versions(session: Session, instance_id: int) -> list[Version]:
    """Every submission of the instance in order, each with its diff to the step's previous one."""
    query = select(Submission).where(Submission.instance_id == instance_id).order_by(Submission.id)
    rows = list(session.scalars(query))
    people = _names(session, (r.submitted_by for r in rows))
    previous: dict[str, Submission] = {}
    out = []
    for row in rows:
        spec, before, by = _spec(row.form_key), previous.get(row.bpmn_id), people.get(row.submitted_by, "")
        previous[row.bpmn_id] = row
        if spec is None:
            out.append(Version(row, row.task_name, [], by))
            continue
        files = attachment_names(session, [row.data] + ([before.data] if before else []), spec)
        changes = diff(spec, before.data, row.data, files) if before else None
        out.append(Version(row, spec.title, sections(spec, row.data, files), by, changes))
    return out


def latest_of(all_versions: Iterable[Version], exclude_bpmn_id: str = "") -> list[Version]:
    """The latest version of each step (what a reviewer reviews), in the order they were last done."""
    latest: dict[str, Version] = {}
    for version in all_versions:
        if version.submission.bpmn_id != exclude_bpmn_id:
            latest.pop(version.submission.bpmn_id, None)
            latest[version.submission.bpmn_id] = version
    return list(latest.values())


def resubmissions_of(all_versions: Iterable[Version]) -> list[Version]:
    """The latest versions that are resubmissions (a second or later version), with their changes."""
    return [v for v in latest_of(all_versions) if v.changes is not None]


def _spec(form_key: str) -> FormSpec | None:
    """The registered form, or None for a key no longer registered."""
    try:
        return get_form(form_key)
    except KeyError:
        return None


# --- history ----------------------------------------------------------------------------------


def _decision(event: AuditEvent, forms: Mapping[int, str]) -> tuple[str, str]:
    """The decision label and comment of a task_completed event (older events carry all data as `after`)."""
    after = event.details.get("after", event.details)
    if not isinstance(after, Mapping):
        return "", ""
    comment = str(after.get("comment") or "")
    value = after.get("decision")
    if value in (None, ""):
        return "", comment
    spec = _spec(forms.get(event.task_id or 0, ""))
    choices = None
    if spec is not None:
        found = [f for s in _stages(spec) for f in s["fields"] if f["name"] == "decision"]
        choices = found[0]["choices"] if found else None
    return _choice_text(value, choices), comment


def history(session: Session, instance_id: int) -> list[HistoryEntry]:
    """The instance's audit events as history lines, with actor names and decisions."""
    events = audit.events_of(session, instance_id)
    people = _names(session, (e.actor_id for e in events))
    query = select(HumanTask.id, HumanTask.form_key, HumanTask.name).where(
        HumanTask.instance_id == instance_id
    )
    rows = session.execute(query).tuples().all()
    forms = {task_id: form_key for task_id, form_key, _name in rows}
    names = {task_id: name for task_id, _form_key, name in rows}
    out = []
    for event in events:
        decision, comment = _decision(event, forms) if event.action == "task_completed" else ("", "")
        details = {k: v for k, v in event.details.items() if k not in ("before", "after")}
        task = str(event.details.get("task") or names.get(event.task_id or 0, ""))
        actor = people.get(event.actor_id or 0, "")
        out.append(HistoryEntry(event.created_at, event.action, actor, task, details, decision, comment))
    return out


def review_notes(session: Session, instance_id: int) -> list[HistoryEntry]:
    """Completed decisions that carry a comment, newest first (e.g. why it was returned)."""
    return [h for h in reversed(history(session, instance_id)) if h.action == "task_completed" and h.comment]


# --- the diagram ------------------------------------------------------------------------------


def has_diagram(xml: bytes) -> bool:
    """True when the BPMN carries diagram information (BPMNDI shapes) that can be drawn."""
    return _SHAPE.search(xml) is not None


def _engine_states(instance: ProcessInstance) -> list[tuple[str, int]]:
    """(bpmn id, task state) of every task in the instance's saved engine state."""
    try:
        tasks = json.loads(state_json(instance.state)).get("tasks", {})
        specs = definitions.get_model(instance.definition).spec.task_specs
    except (ValueError, AttributeError):
        return []
    found = [
        (getattr(specs.get(t.get("task_spec")), "bpmn_id", None), t.get("state")) for t in tasks.values()
    ]
    return [(bpmn_id, state) for bpmn_id, state in found if bpmn_id]


def element_states(instance: ProcessInstance, session: Session) -> dict[str, list[str]]:
    """BPMN element ids that completed, are active (ready or started) or wait (timers, events)."""
    states: dict[str, set[str]] = {"completed": set(), "active": set(), "waiting": set()}
    kinds = {
        TaskState.COMPLETED: "completed",
        TaskState.READY: "active",
        TaskState.STARTED: "active",
        TaskState.WAITING: "waiting",
    }
    for bpmn_id, state in _engine_states(instance):
        if state in kinds:
            states[kinds[state]].add(bpmn_id)
    query = select(HumanTask.bpmn_id, HumanTask.status).where(
        HumanTask.instance_id == instance.id, HumanTask.status.in_(("open", "completed"))
    )
    for bpmn_id, status in session.execute(query).tuples():
        states["active" if status == "open" else "completed"].add(bpmn_id)
    states["completed"] -= states["active"]
    states["waiting"] -= states["active"] | states["completed"]
    return {key: sorted(ids) for key, ids in states.items()}
