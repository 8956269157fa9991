"""Server-side drafts of task forms: saved per stage, resumed after logout."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from forms import get_form
from forms.binding import reserved_key_errors
from models import Draft, HumanTask, Submission, User, utcnow
from workflows.errors import Conflict, Invalid
from workflows.instances import check_can_act, get_task_for

MAX_DRAFT_BYTES = 512 * 1024


def get_draft(session: Session, task: HumanTask, user: User) -> Draft | None:
    """The user's draft of this task."""
    return session.scalar(select(Draft).where(Draft.task_id == task.id, Draft.user_id == user.id))


def save_draft(
    session: Session, task_id: int, user: User, data: dict[str, Any], stage: int | None = None
) -> Draft:
    """Merge partial data into the user's draft (nothing is validated but the keys)."""
    task = get_task_for(session, task_id, user)
    check_can_act(user, task)
    errors = reserved_key_errors(data)
    if errors:
        raise Invalid("数据包含系统保留字段", fields=errors)
    known = {f.name for f in get_form(task.form_key).fields()}
    partial = {k: v for k, v in data.items() if k in known}
    if len(repr(partial).encode()) > MAX_DRAFT_BYTES:
        raise Invalid("草稿过大", fields={"data": ["草稿内容超过 512KB"]})
    draft = get_draft(session, task, user)
    if draft is None:
        draft = Draft(task_id=task.id, user_id=user.id, data={})
        session.add(draft)
    draft.data = {**draft.data, **partial}
    if stage is not None:
        if not 0 <= stage <= len(get_form(task.form_key).stages):
            raise Conflict("阶段编号无效")
        draft.stage = stage
    draft.updated_at = utcnow()
    session.commit()
    return draft


def initial_data(session: Session, task: HumanTask, user: User) -> dict[str, Any]:
    """What the form opens with: the user's draft, else the last submission of this step
    (a returned application reopens with the data sent before), else nothing. A decision is
    taken afresh in every round: last round's verdict is never offered again."""
    draft = get_draft(session, task, user)
    if draft is not None:
        return {"data": draft.data, "stage": draft.stage, "source": "draft"}
    if get_form(task.form_key).decision_choices is not None:
        return {"data": {}, "stage": 0, "source": "empty"}
    previous = session.scalar(
        select(Submission)
        .where(Submission.instance_id == task.instance_id, Submission.bpmn_id == task.bpmn_id)
        .order_by(Submission.version.desc())
        .limit(1)
    )
    if previous is not None:
        return {"data": previous.data, "stage": 0, "source": "previous_submission"}
    return {"data": {}, "stage": 0, "source": "empty"}
