"""The engine service: start instances, complete tasks, fire timers — one transaction each.

Every write to an instance runs under its row lock: load the workflow, change it, run the
engine, sync the human-task rows, save the state, append audit events, commit once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import bindparam, func, insert, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from forms import get_form
from forms.binding import reserved_key_errors, validate_form
from forms.registry import FormSpec
from models import ACTIVE_INSTANCE_STATUSES, Document, HumanTask, ProcessInstance, Submission, User
from models.base import table_of
from models.db import lock_instance_row
from workflows import audit, definitions, documents, notifications, orgs
from workflows.assignment import instance_visible, is_candidate, is_excluded
from workflows.context import RunContext
from workflows.engine import (
    SERIALIZER_VERSION,
    compact_history,
    dump_state,
    engine_clock,
    engine_now,
    load_state,
    new_workflow,
    next_timer_at,
    ready_user_tasks,
    run_engine,
)
from workflows.errors import Conflict, Forbidden, Invalid, NotFound, ServiceError
from workflows.followups import defer
from workflows.scripting import make_script_engine
from workflows.services import call as call_service
from workflows.tasks_sync import open_tasks as open_tasks  # re-exported: callers know it from here
from workflows.tasks_sync import sync_human_tasks

log = logging.getLogger(__name__)


class EngineFailure(Conflict):
    """The process itself failed (a script or service error); the instance is marked `error`."""

    code = "instance_error"


# --- loading and saving ----------------------------------------------------------------------


def _script_engine(ctx: RunContext) -> Any:
    def service(name: str, params: dict[str, Any], data: dict[str, Any]) -> Any:
        return call_service(ctx, name, params, data)

    return make_script_engine(ctx.helpers(), service)


def load_workflow(ctx: RunContext) -> BpmnWorkflow:
    model = definitions.get_model(ctx.instance.definition)
    return load_state(ctx.instance.state, model, _script_engine(ctx))


def advance(ctx: RunContext, workflow: BpmnWorkflow) -> list[HumanTask]:
    """Run the engine, then bring every derived column and row up to date; the open tasks after."""
    instance = ctx.instance
    run_engine(workflow, ctx.now)
    created, cancelled, still_open = sync_human_tasks(ctx, workflow)
    compact_history(workflow)  # correction loops must not make every later step slower
    if workflow.is_completed():
        status, completed_at = "completed", ctx.now
        audit.record(
            ctx.session,
            "instance_completed",
            instance_id=instance.id,
            at=ctx.now,
            details={"end": _end_event_name(workflow)},
        )
    else:
        status, completed_at = ("running" if ready_user_tasks(workflow) else "waiting"), None
    save_state(ctx, workflow, status=status, completed_at=completed_at)
    for row in cancelled:
        audit.record(
            ctx.session,
            "task_cancelled",
            instance_id=instance.id,
            task_id=row.id,
            at=ctx.now,
            details={"task": row.name, "bpmn_id": row.bpmn_id},
        )
    for row in created:
        audit.record(
            ctx.session,
            "task_created",
            instance_id=instance.id,
            task_id=row.id,
            at=ctx.now,
            details={
                "task": row.name,
                "bpmn_id": row.bpmn_id,
                "lane": row.lane,
                "org_unit": row.org_unit_code,
                "due_at": row.due_at.isoformat() if row.due_at else None,
            },
        )
    notifications.task_created(ctx.session, created)
    for document_id in ctx.issued_documents:
        defer(ctx.session, "render_document", document_id)
    return still_open + created


# A step's instance columns, written by one Core statement (its SET clause is the keys of the values
# it is given): the unit of work cost twice as much for this one row (0.35 against 0.17 ms of CPU),
# most of it working out what changed.
_SAVE_STATE = (
    table_of(ProcessInstance).update().where(table_of(ProcessInstance).c.id == bindparam("instance_id"))
)


def save_state(
    ctx: RunContext, workflow: BpmnWorkflow, status: str | None = None, completed_at: datetime | None = None
) -> None:
    """Store the workflow on its instance row, with the columns derived from it; `status` and
    `completed_at` when given (else they stay as they are)."""
    instance = ctx.instance
    values = {
        "state": dump_state(workflow),
        "serializer_version": SERIALIZER_VERSION,
        "next_timer_at": next_timer_at(workflow),
        "lock_version": instance.lock_version + 1,
        "updated_at": ctx.now,
        "status": status or instance.status,
        "completed_at": completed_at or instance.completed_at,
        "business_key": instance.business_key,  # a completion may just have set it
    }
    row = {"instance_id": instance.id, **values}
    if ctx.instance_rows is None:
        ctx.session.execute(_SAVE_STATE, row)
    else:
        ctx.instance_rows.append(row)
    for name, value in values.items():
        set_committed_value(instance, name, value)  # the row says so already: nothing to flush


def _end_event_name(workflow: BpmnWorkflow) -> str:
    completed = workflow.get_tasks(state=TaskState.COMPLETED)
    ends = [t for t in completed if type(t.task_spec).__name__ == "EndEvent"]
    last = max(ends, key=lambda t: t.last_state_change) if ends else None
    return str(last.task_spec.bpmn_name or last.task_spec.bpmn_id) if last else ""


def _refusal_inside(exc: BaseException) -> ServiceError | None:
    """A service refusal (e.g. Invalid) raised by a service task, under the engine's wrapping."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ServiceError):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


def run_guarded(ctx: RunContext, step: Any) -> None:
    """Run an engine step. A refusal from a service rolls back and is passed on as it is; any
    other failure rolls back and marks the instance `error` for an administrator."""
    try:
        step()
    except ServiceError:
        ctx.session.rollback()
        raise
    except Exception as exc:
        refusal = _refusal_inside(exc)
        if refusal is not None:
            ctx.session.rollback()
            raise refusal from exc
        instance_id = ctx.instance.id
        message = f"{type(exc).__name__}: {exc}"
        log.exception("instance %s failed", instance_id)
        ctx.session.rollback()
        _mark_error(ctx.session, instance_id, message, ctx.now)
        raise EngineFailure("流程执行出错，已记录并通知管理员；您提交的数据未被保存，请稍后重试。") from exc


def _mark_error(session: Session, instance_id: int, message: str, now: datetime) -> None:
    instance = session.get(ProcessInstance, instance_id)
    if instance is None:
        return
    instance.status, instance.error = "error", message[:4000]
    audit.record(
        session, "instance_error", instance_id=instance_id, at=now, details={"error": message[:1000]}
    )
    session.commit()


# --- starting -------------------------------------------------------------------------------


def _start_data(form_key: str | None, data: dict[str, Any]) -> dict[str, Any]:
    """Start data, validated by the start event's form; without one, start data is ignored."""
    if form_key is None:
        return {}
    result = validate_form(get_form(form_key), data)
    if not result.ok:
        raise Invalid("发起数据有误，请按提示修改", fields=result.errors)
    return result.data


def start_instance(
    session: Session, key: str, user: User, data: dict[str, Any] | None = None, now: datetime | None = None
) -> ProcessInstance:
    """Start the current version of process `key` for `user`."""
    definition = definitions.current(session, key)
    if definition.start_roles and not user.roles.intersection(definition.start_roles):
        raise Forbidden("您没有发起此流程的权限")
    errors = reserved_key_errors(data or {})
    if errors:
        raise Invalid("数据包含系统保留字段", fields=errors)
    start_data = _start_data(definitions.get_model(definition).start_form, data or {})
    now = now or engine_now()
    scope = orgs.county_of(session, user.org_unit)
    instance = ProcessInstance(
        definition_id=definition.id,
        process_key=key,
        version=definition.version,
        scope_code=scope.code,
        scope_path=scope.path,
        started_by=user.id,
        created_at=now,
        updated_at=now,
    )
    session.add(instance)
    session.flush()
    ctx = RunContext(session, instance, user, now)
    seed = {"scope_code": scope.code, "started_by": user.id, "applicant_org": user.org_unit_code}
    seed.update(start_data)
    audit.record(
        session,
        "instance_started",
        instance_id=instance.id,
        actor_id=user.id,
        at=now,
        details={"process": key, "version": definition.version, "scope": scope.code},
    )

    def run() -> None:
        model = definitions.get_model(definition)
        workflow = new_workflow(model, seed, _script_engine(ctx))
        advance(ctx, workflow)

    run_guarded(ctx, run)
    session.commit()
    return instance


# --- tasks -----------------------------------------------------------------------------------


def get_task_for(session: Session, task_id: int, user: User) -> HumanTask:
    """A task the user may see (NotFound otherwise — never reveal other counties' work)."""
    task = session.get(HumanTask, task_id)
    if task is None:
        raise NotFound("任务不存在")
    if task.assignee_id == user.id or is_candidate(user, task):
        return task  # whoever may act on a task may see its case: no query needed
    if not instance_visible(session, user, task.instance_id):
        raise NotFound("任务不存在")
    return task


# The statements every completion runs are built once: SQLAlchemy keys its cache of compiled SQL
# by a statement's structure, and working that out for a fresh statement costs more than running
# a simple one.
_LOCK_INSTANCE_OF_TASK = (
    select(ProcessInstance)
    .where(
        ProcessInstance.id
        == select(HumanTask.instance_id).where(HumanTask.id == bindparam("task_id")).scalar_subquery()
    )
    .with_for_update(of=ProcessInstance)
    .execution_options(populate_existing=True)
)
_LATEST_VERSION = (  # of each task row's submissions (a resubmission is the next version)
    select(func.max(Submission.version))
    .where(Submission.instance_id == HumanTask.instance_id, Submission.bpmn_id == HumanTask.bpmn_id)
    .correlate(HumanTask)
    .scalar_subquery()
)
_TASK_AND_OPEN_TASKS = (
    select(HumanTask, _LATEST_VERSION, *audit.head_columns(bindparam("chain")))
    .where(HumanTask.instance_id == bindparam("instance_id"))
    .where((HumanTask.status == "open") | (HumanTask.id == bindparam("task_id")))
    .execution_options(populate_existing=True)
)


class _Locked(NamedTuple):
    task: HumanTask
    instance: ProcessInstance
    open_rows: list[HumanTask]
    version: int  # of the submission this completion makes


def _lock_task(session: Session, task_id: int, user: User) -> _Locked:
    """The task and its instance, read afresh under the instance's row lock (NotFound when the user
    may not see the task; the lock goes with the rollback).

    The task is read by a statement of its own after the lock: a PostgreSQL statement that waited
    for a lock returns the other rows of a join as they were when it began, and the one that
    held the lock may just have completed this very task.
    """
    instance: ProcessInstance | None = None
    if session.get_bind().dialect.name == "sqlite":  # no row locks: take the database write lock
        instance_id = session.scalar(select(HumanTask.instance_id).where(HumanTask.id == task_id))
        if instance_id is not None:
            lock_instance_row(session, instance_id)
            instance = session.get(ProcessInstance, instance_id, populate_existing=True)
    else:
        instance = session.scalar(_LOCK_INSTANCE_OF_TASK, {"task_id": task_id})
    if instance is None:
        raise NotFound("任务不存在")
    # After the lock, one statement: the task and its latest submission version, the instance's
    # other open tasks, the audit chain head.
    chain = audit.instance_chain(instance.id)
    rows = session.execute(
        _TASK_AND_OPEN_TASKS, {"instance_id": instance.id, "task_id": task_id, "chain": chain}
    ).all()
    found = next((row for row in rows if row[0].id == task_id), None)
    if found is None:
        raise NotFound("任务不存在")
    task, latest, head_seq, head_hash = found
    audit.know_head(session, chain, head_seq, head_hash)
    may_act = task.assignee_id == user.id or is_candidate(user, task)
    if not may_act and not instance_visible(session, user, task.instance_id):
        session.rollback()
        raise NotFound("任务不存在")
    return _Locked(task, instance, [row[0] for row in rows], (latest or 0) + 1)


def check_can_act(user: User, task: HumanTask) -> None:
    """Conflict if the task is closed, Forbidden if this user may not do it."""
    if task.status != "open":
        raise Conflict("该任务已办理或已取消，不能重复提交")
    if task.assignee_id == user.id:
        return
    if not is_candidate(user, task):
        raise Forbidden("您无权办理此任务")
    if is_excluded(user, task):
        raise Forbidden("此环节须由另一名工作人员办理（同一人不得既初审又复核）")
    if task.assignee_id is not None:
        raise Forbidden("此任务已由其他人认领")


def task_form(task: HumanTask) -> FormSpec:
    """The task's form (Conflict when the process names a form nobody registered)."""
    try:
        return get_form(task.form_key)
    except KeyError:
        raise Conflict(f"表单 {task.form_key} 未注册，请联系管理员") from None


def validate_task_data(task: HumanTask, data: dict[str, Any]) -> dict[str, Any]:
    """The cleaned data for completing `task`, or Invalid (422) with messages per field."""
    result = validate_form(task_form(task), data)
    if not result.ok:
        raise Invalid("提交的数据有误，请按提示修改", fields=result.errors)
    return result.data


@dataclass(frozen=True)
class Completion:
    """What completing a task left behind: the instance, its open tasks and its documents."""

    instance: ProcessInstance
    open_tasks: list[HumanTask]
    documents: list[Document]


def complete_task(
    session: Session, task_id: int, user: User, data: dict[str, Any], now: datetime | None = None
) -> Completion:
    """Complete a user task with validated data and run the process on, in one transaction."""
    task, instance, open_rows, version = _lock_task(session, task_id, user)
    check_can_act(user, task)  # someone may have been faster: 409
    clean = validate_task_data(task, data)
    if instance.status not in ACTIVE_INSTANCE_STATUSES:
        raise Conflict(f"流程实例当前状态为 {instance.status}，不能办理")
    now = now or engine_now()
    ctx = RunContext(session, instance, user, now, open_tasks=open_rows)
    after: list[HumanTask] = []

    def run() -> None:
        workflow = load_workflow(ctx)
        spiff_task = workflow.get_task_from_id(UUID(task.spiff_task_id))
        spiff_task.data.update(clean)
        if task.mi_output:
            spiff_task.data[task.mi_output] = {**clean, "org_unit": task.org_unit_code, "by": user.id}
        with engine_clock(now):
            spiff_task.run()
        _record_completion(ctx, task, clean, version)
        after.extend(advance(ctx, workflow))

    run_guarded(ctx, run)
    # Read in the same transaction: the answer needs no second round of BEGIN … ROLLBACK.
    issued = documents.documents_of(session, instance.id)
    session.commit()
    return Completion(instance, sorted(after, key=lambda t: t.id), issued)


# The completion's own writes go to the tables directly (Core): the unit of work would cost about
# twice as much per row, and nothing in the transaction needs the submission as an object.
_CLOSE_TASK = (
    table_of(HumanTask)
    .update()
    .where(table_of(HumanTask).c.id == bindparam("task_id"))
    .values(status="completed", completed_at=bindparam("at"), completed_by=bindparam("by"))
)
_INSERT_SUBMISSION = insert(table_of(Submission))


def _record_completion(ctx: RunContext, task: HumanTask, clean: dict[str, Any], version: int) -> None:
    session, user = ctx.session, ctx.actor
    assert user is not None
    session.execute(_CLOSE_TASK, {"task_id": task.id, "at": ctx.now, "by": user.id})
    for name, value in (("status", "completed"), ("completed_at", ctx.now), ("completed_by", user.id)):
        set_committed_value(task, name, value)  # the row says so already
    session.execute(
        _INSERT_SUBMISSION,
        {
            "instance_id": task.instance_id,
            "task_id": task.id,
            "bpmn_id": task.bpmn_id,
            "task_name": task.name,
            "form_key": task.form_key,
            "version": version,
            "data": clean,
            "submitted_by": user.id,
            "submitted_at": ctx.now,
        },
    )
    spec = get_form(task.form_key)
    business_key = clean.get(spec.business_key) if spec.business_key else None
    if business_key:  # written with the state after the run (`save_state`), not flushed before it
        set_committed_value(ctx.instance, "business_key", str(business_key)[:200])
    audit.record(
        session,
        "task_completed",
        instance_id=task.instance_id,
        actor_id=user.id,
        task_id=task.id,
        at=ctx.now,
        details={
            "task": task.name,
            "bpmn_id": task.bpmn_id,
            "version": version,
            "sha256": audit.digest(clean),  # the data itself is the dossier's submission row
            **{key: clean[key] for key in ("decision", "comment") if key in clean},
        },
    )


def claim_task(session: Session, task_id: int, user: User) -> HumanTask:
    """Take a candidate task for oneself (Conflict if someone else holds it)."""
    task = get_task_for(session, task_id, user)
    lock_instance_row(session, task.instance_id)
    session.refresh(task)
    if task.status != "open":
        raise Conflict("该任务已办理或已取消")
    if task.assignee_id is not None and task.assignee_id != user.id:
        raise Conflict("此任务已由其他人认领")
    if not is_candidate(user, task) or is_excluded(user, task):
        raise Forbidden("您无权办理此任务")
    task.assignee_id = user.id
    audit.record(session, "task_claimed", instance_id=task.instance_id, actor_id=user.id, task_id=task.id)
    session.commit()
    return task


def can_release(task: HumanTask, user: User) -> bool:
    """The user claimed this open task and may give it back (not one the process assigned to them)."""
    assigned_by_process = task.lane == "applicant" or task.org_match == "user"
    return task.status == "open" and task.assignee_id == user.id and not assigned_by_process


def unclaim_task(session: Session, task_id: int, user: User) -> HumanTask:
    """Give a claimed task back to the group."""
    task = get_task_for(session, task_id, user)
    lock_instance_row(session, task.instance_id)
    session.refresh(task)
    if not can_release(task, user):
        raise Conflict("只能退回本人认领的待办任务")
    task.assignee_id = None
    audit.record(session, "task_unclaimed", instance_id=task.instance_id, actor_id=user.id, task_id=task.id)
    session.commit()
    return task


# --- timers ---------------------------------------------------------------------------------


def _timer_due(now: datetime) -> Any:
    """The instances with a timer due at `now`, as a WHERE clause."""
    return (ProcessInstance.next_timer_at <= now) & ProcessInstance.status.in_(ACTIVE_INSTANCE_STATUSES)


def due_timer_instances(session: Session, now: datetime, limit: int = 500) -> list[int]:
    """Ids of instances with a timer due at `now`."""
    query = select(ProcessInstance.id).where(_timer_due(now)).order_by(ProcessInstance.next_timer_at)
    return list(session.scalars(query.limit(limit)))


def _fire(ctx: RunContext) -> None:
    """Record the timer and run the instance on (the caller holds its lock)."""
    due = ctx.instance.next_timer_at
    audit.record(
        ctx.session,
        "timer_fired",
        instance_id=ctx.instance.id,
        at=ctx.now,
        details={"due": due.isoformat() if due else None},
    )
    advance(ctx, load_workflow(ctx))


def fire_instance_timers(session: Session, instance_id: int, now: datetime | None = None) -> bool:
    """Fire the due timers of one instance; False when nothing was due any more (idempotent)."""
    now = now or engine_now()
    if session.get_bind().dialect.name == "postgresql":
        if session.in_transaction():
            session.commit()
        locked = session.scalar(
            select(ProcessInstance.id)
            .where(ProcessInstance.id == instance_id)
            .with_for_update(skip_locked=True)
        )
        if locked is None:
            return False  # another worker has it
    else:
        lock_instance_row(session, instance_id)
    instance = session.get(ProcessInstance, instance_id, populate_existing=True)
    if (
        instance is None
        or instance.next_timer_at is None
        or instance.next_timer_at > now
        or instance.status not in ACTIVE_INSTANCE_STATUSES
    ):
        session.rollback()
        return False
    ctx = RunContext(session, instance, None, now)
    run_guarded(ctx, lambda: _fire(ctx))
    session.commit()
    return True


TIMER_BATCH = 50  # instances fired in one transaction (their rows stay locked for its length)


def fire_due_timers(session: Session, now: datetime | None = None, limit: int = 500) -> int:
    """Fire every timer due at `now` (default: the current time); returns instances advanced.

    On PostgreSQL instances are fired TIMER_BATCH to a transaction: one statement locks them, one
    reads them with their audit heads, one their open tasks, and one commit ends the batch.
    Should any of them fail, the batch is rolled back and fired one instance at a time, so that
    only the failing instance is marked `error`.
    """
    now = now or engine_now()
    due = due_timer_instances(session, now, limit)
    if session.get_bind().dialect.name != "postgresql":
        return _fire_one_by_one(session, due, now)
    fired = 0
    for start in range(0, len(due), TIMER_BATCH):
        batch = due[start : start + TIMER_BATCH]
        try:
            fired += _fire_batch(session, batch, now)
        except Exception:
            session.rollback()
            log.info("a timer batch failed; firing its %d instances one by one", len(batch))
            fired += _fire_one_by_one(session, batch, now)
    return fired


def _fire_one_by_one(session: Session, instance_ids: list[int], now: datetime) -> int:
    fired = 0
    for instance_id in instance_ids:
        try:
            fired += fire_instance_timers(session, instance_id, now)
        except ServiceError:
            continue  # a refusal, or a failure already marked `error` and audited: the others still run
    return fired


def _fire_batch(session: Session, instance_ids: list[int], now: datetime) -> int:
    """Fire the due timers of these instances in one transaction (PostgreSQL); raises on any failure."""
    if session.in_transaction():
        session.commit()
    locked = list(
        session.scalars(
            select(ProcessInstance.id)
            .where(ProcessInstance.id.in_(instance_ids), _timer_due(now))
            .with_for_update(skip_locked=True)  # another worker has the others
        )
    )
    if not locked:
        session.rollback()
        return 0
    # Read after the lock, so that what is read is what the lock protects.
    head_seq, head_hash = audit.head_columns(audit.instance_chain_of(ProcessInstance.id))
    rows = session.execute(
        select(ProcessInstance, head_seq, head_hash)
        .where(ProcessInstance.id.in_(locked))
        .execution_options(populate_existing=True)
    ).all()
    open_rows: dict[int, list[HumanTask]] = {instance_id: [] for instance_id in locked}
    for row in session.scalars(
        select(HumanTask).where(HumanTask.instance_id.in_(locked), HumanTask.status == "open")
    ):
        open_rows[row.instance_id].append(row)
    instance_rows: list[dict[str, Any]] = []  # written in one statement for the batch
    for instance, seq, last_hash in rows:
        audit.know_head(session, audit.instance_chain(instance.id), seq, last_hash)
        open_tasks = open_rows[instance.id]
        _fire(RunContext(session, instance, None, now, open_tasks=open_tasks, instance_rows=instance_rows))
    if instance_rows:
        session.execute(_SAVE_STATE, instance_rows)
    session.commit()
    return len(rows)
