"""Keep the human-task table in step with the workflow's READY user tasks."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from SpiffWorkflow.task import Task
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from models import HumanTask, OrgUnit, User, UserRole
from models.db import insert_loaded
from workflows.assignment import ANCESTOR_LANES, is_candidate, is_excluded
from workflows.calendar import deadline
from workflows.context import RunContext
from workflows.engine import mi_output_name, ready_user_tasks, task_property
from workflows.scripting import evaluate_expression
from workflows.working_days import CST


def open_tasks(session: Session, instance_id: int) -> list[HumanTask]:
    """An instance's open tasks, oldest first."""
    query = select(HumanTask).where(HumanTask.instance_id == instance_id, HumanTask.status == "open")
    return list(session.scalars(query.order_by(HumanTask.id)))


def sync_human_tasks(
    ctx: RunContext, workflow: Any
) -> tuple[list[HumanTask], list[HumanTask], list[HumanTask]]:
    """Create rows for new READY user tasks and cancel rows whose task is gone (e.g. a timer).

    Returns (created, cancelled, still open); the created rows are written already, with their ids.
    """
    session, instance = ctx.session, ctx.instance
    ready = {str(task.id): task for task in ready_user_tasks(workflow)}
    if ctx.open_tasks is not None:  # read with the instance lock; the one just completed is no longer open
        open_rows = [row for row in ctx.open_tasks if row.status == "open"]
        ctx.open_tasks = None
    else:
        open_rows = open_tasks(session, instance.id)
    cancelled, still_open = [], []
    for row in open_rows:
        if row.spiff_task_id not in ready:
            row.status = "cancelled"
            row.completed_at = ctx.now
            cancelled.append(row)
        else:
            still_open.append(row)
    known = {row.spiff_task_id for row in open_rows}
    created = [_new_row(ctx, task) for task_id, task in ready.items() if task_id not in known]
    for row in created:
        insert_loaded(session, row)
    return created, cancelled, still_open


def _new_row(ctx: RunContext, task: Task) -> HumanTask:
    spec = task.task_spec
    lane = spec.lane or ""
    unit, match = _org_unit_for(ctx, task, lane)
    row = HumanTask(
        instance_id=ctx.instance.id,
        process_key=ctx.instance.process_key,
        spiff_task_id=str(task.id),
        bpmn_id=spec.bpmn_id,
        name=spec.bpmn_name or spec.bpmn_id,
        form_key=task_property(task, "formKey") or "",
        lane=lane,
        org_unit_code=unit.code,
        org_path=unit.path,
        org_match=match,
        excluded_users=_excluded_users(ctx, task_property(task, "excludeActorsOf")),
        mi_output=mi_output_name(task) or "",
        assignee_id=ctx.instance.started_by if lane == "applicant" else None,
        created_at=ctx.now,
    )
    assign_user = task_property(task, "assignUser")
    if assign_user:  # one named person must do it (e.g. the operator's lead at an incubation base)
        row.assignee_id = _assigned_user(ctx, task, assign_user)
        row.org_match = "user"  # nobody else is a candidate, and the person cannot give it back
    due_in = task_property(task, "dueIn")
    if due_in:
        due = deadline(ctx.session, ctx.now, due_in)
        row.due_at, row.due_estimated = due.at, due.estimated
    due_at = task_property(task, "dueAt")
    if due_at:  # a deadline of the whole case (e.g. the statutory period) bounds each of its steps
        case_due = _case_deadline(ctx, task, due_at)
        row.due_at = min(row.due_at, case_due) if row.due_at else case_due
    return row


def _case_deadline(ctx: RunContext, task: Task, expression: str) -> datetime:
    """`dueAt`: a sandboxed expression giving an ISO datetime (naive means China Standard Time)."""
    value = datetime.fromisoformat(str(evaluate_expression(expression, task.data, ctx.helpers())))
    return value if value.tzinfo else value.replace(tzinfo=CST)


def _assigned_user(ctx: RunContext, task: Task, expression: str) -> int:
    """`assignUser`: a sandboxed expression on the task data giving the id of an active user."""
    value = evaluate_expression(expression, task.data, ctx.helpers())
    user = ctx.session.get(User, int(value)) if str(value).isdigit() else None
    if user is None or not user.active:
        raise LookupError(f"assignUser of {task.task_spec.bpmn_id} names no active user: {value!r}")
    return user.id


def _org_unit_for(ctx: RunContext, task: Task, lane: str) -> tuple[OrgUnit, str]:
    """Where the candidates sit: `assignTo` names a unit; otherwise the scope (or above it)."""
    expression = task_property(task, "assignTo")
    if expression:
        code = evaluate_expression(expression, task.data, ctx.helpers())
        unit = ctx.session.get(OrgUnit, str(code))
        if unit is None:
            raise LookupError(f"assignTo of {task.task_spec.bpmn_id} names unknown org unit {code!r}")
        return unit, "exact"
    match = task_property(task, "candidateScope") or ("ancestor" if lane in ANCESTOR_LANES else "exact")
    return ctx.scope, match


_DONE_BY = select(HumanTask.completed_by).where(  # built once, as the statements of instances.py
    HumanTask.instance_id == bindparam("instance_id"),
    HumanTask.bpmn_id == bindparam("bpmn_id"),
    HumanTask.status == "completed",
)


def _excluded_users(ctx: RunContext, bpmn_id: str | None) -> str:
    if not bpmn_id:
        return ""
    ids = ctx.session.scalars(_DONE_BY, {"instance_id": ctx.instance.id, "bpmn_id": bpmn_id}).all()
    users = sorted({i for i in ids if i is not None})
    return "," + ",".join(str(i) for i in users) + "," if users else ""


def candidate_users(session: Session, task: HumanTask) -> list[User]:
    """People who may act on the task now (for notifications)."""
    if task.assignee_id:
        user = session.get(User, task.assignee_id)
        return [user] if user else []
    query = select(User).join(UserRole).where(UserRole.role_key == task.lane, User.active.is_(True))
    if task.org_match == "exact":
        query = query.where(User.org_unit_code == task.org_unit_code)
    users = session.scalars(query).unique().all()
    return [u for u in users if is_candidate(u, task) and not is_excluded(u, task)]
