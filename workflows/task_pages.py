"""The task page's flow (DESIGN.md §7): resume at the draft, leave a stage, submit.

A staged form is walked one stage at a time. Leaving a stage forward validates that stage;
every move saves the stage's raw values as the server-side draft, so nothing typed is lost
and the draft survives logout. Submitting a staged form completes the task with the draft.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict

from forms.binding import formdata_to_json, validate_form
from forms.registry import FormSpec, Stage, field_type
from models import HumanTask, ProcessInstance, User
from workflows import attachments, dossier
from workflows.drafts import initial_data, save_draft
from workflows.errors import Conflict, Invalid
from workflows.instances import check_can_act, complete_task, get_task_for, task_form

ACTIONS = ("next", "back", "save")


class Uploads(Protocol):
    """The uploaded files of a request (werkzeug's `request.files`)."""

    def get(self, key: str) -> Any:
        """The upload posted under `key`, or None."""


@dataclass
class TaskPage:
    """Everything the task page shows: the task, its form, where to resume, the dossier."""

    task: HumanTask
    spec: FormSpec
    data: dict[str, Any]
    stage: int  # len(spec.stages) is the read-only summary of a staged form
    source: str  # draft, previous_submission or empty
    application: list[dossier.Version] = field(default_factory=list)
    changes: list[dossier.Version] = field(default_factory=list)
    notes: list[dossier.HistoryEntry] = field(default_factory=list)  # other steps' comments since ours
    rework: bool = False  # this step was submitted before: the case came back

    @property
    def summary_stage(self) -> int:
        """The index of the summary (staged forms only)."""
        return len(self.spec.stages)


@dataclass
class StageResult:
    """Where the user goes after leaving a stage, and what was wrong with it."""

    stage: int
    errors: dict[str, list[str]]
    data: dict[str, Any]


def _actionable(session: Session, task_id: int, user: User) -> tuple[HumanTask, FormSpec]:
    """The task and its form, if the user may act on it now."""
    task = get_task_for(session, task_id, user)
    check_can_act(user, task)
    return task, task_form(task)


def open_task(session: Session, task_id: int, user: User) -> TaskPage:
    """The task page of a task the user may do now (NotFound, Forbidden or Conflict otherwise)."""
    task, spec = _actionable(session, task_id, user)
    start = initial_data(session, task, user)
    last = len(spec.stages) if spec.summary else 0
    history = dossier.versions(session, task.instance_id)
    own = [
        v.submission.submitted_at.replace(microsecond=0)
        for v in history
        if v.submission.bpmn_id == task.bpmn_id
    ]
    notes = [
        n
        for n in dossier.review_notes(session, task.instance_id)
        if n.details.get("bpmn_id") != task.bpmn_id and (not own or n.at >= max(own))
    ]
    return TaskPage(
        task,
        spec,
        dict(start["data"]),
        min(max(int(start["stage"]), 0), last),
        start["source"],
        application=dossier.latest_of(history, exclude_bpmn_id=task.bpmn_id),
        changes=dossier.resubmissions_of(history),
        notes=notes,
        rework=bool(own),
    )


def _store_uploads(
    session: Session,
    upload_dir: str,
    user: User,
    task: HumanTask,
    stage: Stage,
    files: Uploads | None,
    raw: dict[str, Any],
) -> dict[str, list[str]]:
    """Store the stage's uploaded files; their attachment ids go into `raw`."""
    errors: dict[str, list[str]] = {}
    for fld in stage.form():
        upload = files.get(fld.name) if files is not None else None
        if field_type(fld) != "file" or upload is None or not upload.filename:
            continue
        try:
            raw[fld.name] = str(attachments.store(session, upload_dir, user, upload, task.instance_id).id)
        except Invalid as exc:
            errors[fld.name] = exc.fields.get("file") or [exc.message]
    return errors


def _blank_is_missing(value: Any) -> Any:
    """An empty input means "not given" (so a required date says 必填, not 无效)."""
    if isinstance(value, str) and not value.strip():
        return None
    if isinstance(value, list):
        return [_blank_is_missing(item) for item in value]
    if isinstance(value, dict):
        return {key: _blank_is_missing(item) for key, item in value.items()}
    return value


def stage_values(spec: FormSpec, stage: int, formdata: MultiDict[str, Any]) -> dict[str, Any]:
    """The stage's raw values as typed, blanks as None."""
    raw = formdata_to_json(spec, stage, formdata)
    return {name: _blank_is_missing(value) for name, value in raw.items()}


def leave_stage(
    session: Session,
    task_id: int,
    user: User,
    stage: int,
    action: str,
    formdata: MultiDict[str, Any],
    files: Uploads | None = None,
    upload_dir: str = "",
) -> StageResult:
    """Save the stage as the draft; `next` validates it first and moves on only when it is valid."""
    if action not in ACTIONS:
        raise Invalid("未知操作", fields={"action": [f"可选：{', '.join(ACTIONS)}"]})
    task, spec = _actionable(session, task_id, user)
    if not 0 <= stage < len(spec.stages):
        raise Conflict("阶段编号无效，请重新打开任务")
    raw = stage_values(spec, stage, formdata)
    errors = _store_uploads(session, upload_dir, user, task, spec.stages[stage], files, raw)
    merged = {**initial_data(session, task, user)["data"], **raw}
    target = stage
    if action == "next":
        result = validate_form(spec, merged, stages=[stage])
        errors = {**result.errors, **errors}
        target = stage if errors else stage + 1
    elif action == "back":
        target = max(stage - 1, 0)
    saved = save_draft(session, task_id, user, merged, stage=target)
    return StageResult(target, errors, dict(saved.data))


def submit(
    session: Session,
    task_id: int,
    user: User,
    formdata: MultiDict[str, Any] | None = None,
    files: Uploads | None = None,
    upload_dir: str = "",
) -> ProcessInstance:
    """Complete the task: a staged form with its draft, a plain form with the posted values."""
    task, spec = _actionable(session, task_id, user)
    if spec.summary:
        data = initial_data(session, task, user)["data"]
    else:
        data = stage_values(spec, 0, formdata or MultiDict())
        errors = _store_uploads(session, upload_dir, user, task, spec.stages[0], files, data)
        if errors:
            session.rollback()
            raise Invalid("上传的文件有误，请按提示修改", fields=errors)
    return complete_task(session, task_id, user, data).instance


def first_stage_with_errors(spec: FormSpec, errors: Mapping[str, list[str]]) -> int:
    """The first stage holding a field named in `errors` (0 when none is)."""
    stages = [spec.stage_index(key.split("[")[0].split(".")[0]) for key in errors]
    found = [index for index in stages if index is not None]
    return min(found) if found else 0
