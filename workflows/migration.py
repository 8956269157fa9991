"""Move running instances to another deployed version of their process (SpiffWorkflow diff/migrate).

A preview tries each migration in memory — diff, migrate, save, restore onto the new spec — and
says whether it can be done and why not; applying it does the same under the instance row lock,
re-syncs the human tasks, runs the engine on (a task inserted ahead of the current one runs) and
audits the old and new version. One instance, one transaction: a failure leaves that instance
untouched on its version and does not stop the others.
"""

from __future__ import annotations

import logging
from copy import deepcopy
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.util.diff import WorkflowDiff, diff_workflow, migrate_workflow
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import ACTIVE_INSTANCE_STATUSES, ProcessDefinition, ProcessInstance, User
from models.db import lock_instance_row
from workflows import audit, definitions
from workflows.context import RunContext
from workflows.engine import (
    SPEC_REGISTRY,
    ProcessModel,
    dump_state,
    engine_clock,
    engine_now,
    load_state,
    task_property,
)
from workflows.errors import Conflict, NotFound
from workflows.instances import advance, load_workflow, save_state
from workflows.tasks_sync import open_tasks, sync_human_tasks

log = logging.getLogger(__name__)

MIGRATABLE = ("running", "waiting", "suspended", "error")
# Tasks that stay in the tree after a migration (predicted ones are re-predicted).
_KEPT_STATES = (
    TaskState.FINISHED_MASK | TaskState.READY | TaskState.WAITING | TaskState.STARTED | TaskState.ERROR
)
_RESET = TaskState.READY | TaskState.WAITING
_STATE_NAMES = {
    TaskState.COMPLETED: "已完成",
    TaskState.CANCELLED: "已取消",
    TaskState.READY: "办理中",
    TaskState.WAITING: "等待中",
    TaskState.STARTED: "进行中",
    TaskState.ERROR: "出错",
}
_FACETS = {
    "bpmn_name": "名称",
    "extensions": "扩展属性（表单、时限、脚本等）",
    "lane": "泳道",
    "outputs": "后续流向",
    "inputs": "前序流向",
    "cond_task_specs": "分支条件",
    "script": "脚本",
    "event_definition": "事件定义",
    "default_task_spec": "默认分支",
}


@dataclass
class MigrationCheck:
    """Whether one instance can move to the target version, and what that means."""

    instance_id: int
    business_key: str
    status: str
    from_version: int
    to_version: int
    reasons: list[str] = field(default_factory=list)  # why it cannot
    notes: list[str] = field(default_factory=list)  # what changes for it

    @property
    def can_migrate(self) -> bool:
        """No reason against it."""
        return not self.reasons

    def as_json(self) -> dict[str, Any]:
        """The check for the API."""
        return {
            "instance_id": self.instance_id,
            "business_key": self.business_key,
            "status": self.status,
            "from_version": self.from_version,
            "to_version": self.to_version,
            "can_migrate": self.can_migrate,
            "reasons": self.reasons,
            "notes": self.notes,
        }


@dataclass
class MigrationResult:
    """What happened to one instance when the migration was applied."""

    instance_id: int
    migrated: bool
    from_version: int | None
    to_version: int
    reasons: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        """The result for the API."""
        return {
            "instance_id": self.instance_id,
            "migrated": self.migrated,
            "from_version": self.from_version,
            "to_version": self.to_version,
            "reasons": self.reasons,
        }


# --- the target ------------------------------------------------------------------------------


def target_version(session: Session, key: str, version: int) -> ProcessDefinition:
    """The deployed version instances may move to (Conflict for a draft)."""
    target = definitions.get_version(session, key, version)
    if target.status != "deployed":
        raise Conflict(f"流程 {key} 版本 {version} 尚未发布，不能作为迁移目标")
    return target


def candidates(
    session: Session, target: ProcessDefinition, ids: list[int] | None = None
) -> list[ProcessInstance]:
    """Unfinished instances of the target's process on other versions (optionally only `ids`)."""
    query = select(ProcessInstance).where(
        ProcessInstance.process_key == target.key,
        ProcessInstance.version != target.version,
        ProcessInstance.status.in_(MIGRATABLE),
    )
    if ids is not None:
        query = query.where(ProcessInstance.id.in_(ids))
    return list(session.scalars(query.order_by(ProcessInstance.version, ProcessInstance.id)))


# --- planning --------------------------------------------------------------------------------


def _label(task: Any) -> str:
    spec = task.task_spec
    name = spec.bpmn_name or spec.bpmn_id or spec.name
    return f"「{name}」({spec.bpmn_id})" if spec.bpmn_id and spec.bpmn_name else f"「{name}」"


def plan(workflow: BpmnWorkflow, model: ProcessModel) -> tuple[WorkflowDiff, list[str]]:
    """Diff a workflow against a new version: the diff and notes, or MigrationBlocked with reasons."""
    diff, subprocesses = diff_workflow(SPEC_REGISTRY, workflow, model.spec, model.subprocess_specs)
    if any(sub is None for sub in subprocesses.values()):
        raise MigrationBlocked(["正在运行的子流程在新版本中不存在"])
    return diff, _judge(workflow, diff, model)


class MigrationBlocked(Exception):
    """The migration cannot be done, for these reasons."""

    def __init__(self, reasons: list[str]) -> None:
        super().__init__("; ".join(reasons))
        self.reasons = reasons


def _judge(workflow: BpmnWorkflow, diff: WorkflowDiff, model: ProcessModel) -> list[str]:
    """Notes on what changes for the instance; MigrationBlocked when a task it ran or runs is gone."""
    blocked = sorted(
        {
            f"环节{_label(t)}（{_STATE_NAMES.get(t.state, '')}）在新版本中已删除，办理记录无法对应"
            for t in diff.removed
            if t.state & _KEPT_STATES
        }
    )
    if blocked:
        raise MigrationBlocked(blocked)
    notes = []
    for task in diff.changed:
        if task.state & _RESET:
            spec_diff = _spec_changes(task, diff)
            notes.append(f"当前环节{_label(task)}在新版本中有修改：{spec_diff}，迁移后按新版本办理")
    old_specs = workflow.spec.task_specs
    added = [s for name, s in model.spec.task_specs.items() if name not in old_specs and s.bpmn_name]
    if added:
        names = "、".join(sorted({f"「{s.bpmn_name or s.bpmn_id}」" for s in added}))
        notes.append(f"新版本新增环节 {names}：位于当前环节之后的将按新流程办理，已经过的不会补办")
    return sorted(set(notes), key=notes.index)


def _spec_changes(task: Any, diff: WorkflowDiff) -> str:
    new_spec = diff.alignment.get(task)
    if new_spec is None:
        return "已删除"
    old = SPEC_REGISTRY.convert(task.task_spec)
    new = SPEC_REGISTRY.convert(new_spec)
    keys = [k for k in old if new.get(k) != old[k] and k in _FACETS]
    return "、".join(_FACETS[k] for k in keys) or "其他属性"


def apply(workflow: BpmnWorkflow, diff: WorkflowDiff, model: ProcessModel, now: datetime) -> None:
    """Migrate, keeping the data and timer due times that re-predicting would lose.

    SpiffWorkflow resets READY and WAITING tasks onto their new specs, which gives each the data
    of its parent (a multi-instance child would lose its item) and re-evaluates timers (a
    deadline would move to "now + duration"). The task's own data always comes back; its timer
    state comes back unless the task itself changed.
    """
    changed = {task.id for task in diff.changed}
    kept = {
        task.id: (deepcopy(task.data), deepcopy(task.internal_data), task.id in changed)
        for task in workflow.get_tasks(state=_RESET, skip_subprocesses=True)
    }
    with engine_clock(now):
        migrate_workflow(diff, workflow, model.spec)
    for task_id, (data, internal, was_changed) in kept.items():
        task = workflow.tasks.get(task_id)
        if task is None:
            continue
        task.data = data
        if not was_changed:
            task.internal_data = internal


def _plan(ctx: RunContext, target: ProcessDefinition) -> tuple[BpmnWorkflow, WorkflowDiff, list[str]]:
    """Load the instance, diff it against the target and judge it (raises MigrationBlocked)."""
    instance = ctx.instance
    if instance.status not in MIGRATABLE:
        raise MigrationBlocked([f"办件状态为 {instance.status}，已结束的办件不迁移"])
    if instance.process_key != target.key:
        raise MigrationBlocked(["办件属于另一个流程"])
    if instance.version == target.version:
        raise MigrationBlocked(["办件已在该版本上"])
    workflow = load_workflow(ctx)
    diff, notes = plan(workflow, definitions.get_model(target))
    return workflow, diff, notes


def _try(ctx: RunContext, target: ProcessDefinition) -> MigrationCheck:
    instance = ctx.instance
    check = MigrationCheck(
        instance.id, instance.business_key, instance.status, instance.version, target.version
    )
    try:
        workflow, diff, check.notes = _plan(ctx, target)
        model = definitions.get_model(target)
        apply(workflow, diff, model, ctx.now)
        load_state(dump_state(workflow), model, workflow.script_engine)  # the state must fit the new spec
    except MigrationBlocked as blocked:
        check.reasons = blocked.reasons
    except Exception as exc:  # the engine has many ways to say no; each is a reason, not a crash
        log.info("migration of instance %s to v%s refused", instance.id, target.version, exc_info=True)
        check.reasons = [f"试迁移失败：{type(exc).__name__}: {exc}"]
    return check


def preview(
    session: Session, key: str, version: int, ids: list[int] | None = None, now: datetime | None = None
) -> list[MigrationCheck]:
    """For each unfinished instance on another version: can it move to `version`, and why not."""
    target = target_version(session, key, version)
    now = now or engine_now()
    return [_try(RunContext(session, i, None, now), target) for i in candidates(session, target, ids)]


# --- applying --------------------------------------------------------------------------------


def _refresh_open_rows(ctx: RunContext, workflow: BpmnWorkflow) -> None:
    """Open task rows take the new name and form; a task whose lane changed gets a new row."""
    for row in open_tasks(ctx.session, ctx.instance.id):
        task = workflow.tasks.get(UUID(row.spiff_task_id))
        if task is None or not task.has_state(TaskState.READY):
            continue  # sync_human_tasks cancels it
        spec = task.task_spec
        if (spec.lane or "") != row.lane:
            row.status, row.completed_at = "cancelled", ctx.now
            continue
        row.name = spec.bpmn_name or spec.bpmn_id
        row.form_key = task_property(task, "formKey") or row.form_key
    ctx.session.flush()


def _save_without_running(ctx: RunContext, workflow: BpmnWorkflow) -> None:
    """A suspended or failed instance moves but does not run until it is resumed or retried."""
    sync_human_tasks(ctx, workflow)
    save_state(ctx, workflow)


def migrate_instance(
    session: Session, instance_id: int, target: ProcessDefinition, user: User, now: datetime | None = None
) -> MigrationResult:
    """Move one instance to `target` in one transaction (refused: unchanged, with the reasons)."""
    now = now or engine_now()
    lock_instance_row(session, instance_id)
    instance = session.get(ProcessInstance, instance_id, populate_existing=True)
    if instance is None:
        raise NotFound(f"办件 {instance_id} 不存在")
    ctx = RunContext(session, instance, user, now)
    old_version, old_definition = instance.version, instance.definition_id
    try:
        workflow, diff, notes = _plan(ctx, target)
        apply(workflow, diff, definitions.get_model(target), now)
        instance.definition_id, instance.version, instance.definition = target.id, target.version, target
        _refresh_open_rows(ctx, workflow)
        audit.record(
            session,
            "instance_migrated",
            instance_id=instance.id,
            actor_id=user.id,
            at=now,
            details={
                "process": target.key,
                "from_version": old_version,
                "to_version": target.version,
                "from_definition": old_definition,
                "to_definition": target.id,
                "notes": notes,
            },
        )
        if instance.status in ACTIVE_INSTANCE_STATUSES:
            advance(ctx, workflow)
        else:
            _save_without_running(ctx, workflow)
    except MigrationBlocked as blocked:
        session.rollback()
        return MigrationResult(instance_id, False, old_version, target.version, blocked.reasons)
    except Exception as exc:  # engine, script or service failure: nothing of it is kept
        log.warning("migration of instance %s failed", instance_id, exc_info=True)
        session.rollback()
        reason = f"迁移失败，办件保持原版本：{type(exc).__name__}: {exc}"
        return MigrationResult(instance_id, False, old_version, target.version, [reason])
    session.commit()
    return MigrationResult(instance_id, True, old_version, target.version)


def migrate(
    session: Session, key: str, version: int, ids: list[int], user: User, now: datetime | None = None
) -> list[MigrationResult]:
    """Move the chosen instances to `version`; each succeeds or fails on its own."""
    target = target_version(session, key, version)
    known = {i.id for i in candidates(session, target, ids)}
    results = []
    for instance_id in ids:
        if instance_id not in known:
            reason = "办件不存在、已结束、已在该版本或不属于此流程"
            results.append(MigrationResult(instance_id, False, None, version, [reason]))
            continue
        results.append(migrate_instance(session, instance_id, target, user, now))
    return results
