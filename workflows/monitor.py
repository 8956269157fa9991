"""Process monitoring for administrators: where every case stands, and what they may do to one.

Actions — suspend, resume, terminate (with a reason), retry an instance in error — each run in
one transaction under the instance row lock and leave an audit event naming the administrator.
Resume and retry run the engine on from the saved state, so the step that failed runs again.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from SpiffWorkflow.util.task import TaskState
from sqlalchemy import Select, exists, func, or_, select
from sqlalchemy.orm import Session

from models import (
    ACTIVE_INSTANCE_STATUSES,
    INSTANCE_STATUSES,
    HumanTask,
    OrgUnit,
    ProcessDefinition,
    ProcessInstance,
    User,
)
from models.db import lock_instance_row
from workflows import audit
from workflows.context import RunContext
from workflows.definitions import get_model
from workflows.engine import dump_state, engine_now, load_state
from workflows.errors import Conflict, Invalid, NotFound
from workflows.instances import EngineFailure, advance, load_workflow, run_guarded

log = logging.getLogger(__name__)

TERMINABLE = (*ACTIVE_INSTANCE_STATUSES, "suspended", "error")
# The statuses each administrator action may start from (the page offers exactly these).
ALLOWED_FROM: dict[str, tuple[str, ...]] = {
    "suspend": ACTIVE_INSTANCE_STATUSES,
    "resume": ("suspended",),
    "retry": ("error",),
    "terminate": TERMINABLE,
}


# --- what is there -----------------------------------------------------------------------------


@dataclass
class VersionSummary:
    """One version of a process with its instances counted by status."""

    version: int
    status: str
    name: str
    errors: int
    warnings: int
    created_at: datetime
    deployed_at: datetime | None
    instances: dict[str, int] = field(default_factory=dict)

    @property
    def unfinished(self) -> int:
        """Instances not yet completed or terminated."""
        return sum(n for status, n in self.instances.items() if status not in ("completed", "terminated"))


@dataclass
class ProcessSummary:
    """A process key: its versions, the one new instances use, its drafts."""

    key: str
    name: str
    versions: list[VersionSummary]

    @property
    def current(self) -> VersionSummary | None:
        """The deployed version new instances use (the highest deployed)."""
        deployed = [v for v in self.versions if v.status == "deployed"]
        return deployed[-1] if deployed else None

    @property
    def drafts(self) -> list[VersionSummary]:
        """Versions not deployed yet."""
        return [v for v in self.versions if v.status == "draft"]


def _counts(session: Session, key: str | None = None) -> dict[tuple[str, int], dict[str, int]]:
    query = select(
        ProcessInstance.process_key, ProcessInstance.version, ProcessInstance.status, func.count()
    ).group_by(ProcessInstance.process_key, ProcessInstance.version, ProcessInstance.status)
    if key is not None:
        query = query.where(ProcessInstance.process_key == key)
    counts: dict[tuple[str, int], dict[str, int]] = {}
    for process_key, version, status, number in session.execute(query).tuples():
        counts.setdefault((process_key, version), {})[status] = number
    return counts


def overview(session: Session, key: str | None = None) -> list[ProcessSummary]:
    """Every process (or one) with all its versions and instance counts; the XML is not loaded."""
    columns = select(
        ProcessDefinition.key,
        ProcessDefinition.version,
        ProcessDefinition.status,
        ProcessDefinition.name,
        ProcessDefinition.findings,
        ProcessDefinition.created_at,
        ProcessDefinition.deployed_at,
    ).order_by(ProcessDefinition.key, ProcessDefinition.version)
    if key is not None:
        columns = columns.where(ProcessDefinition.key == key)
    counts = _counts(session, key)
    processes: dict[str, ProcessSummary] = {}
    for row in session.execute(columns):
        findings = row.findings or []
        summary = VersionSummary(
            row.version,
            row.status,
            row.name,
            sum(f.get("severity") == "error" for f in findings),
            sum(f.get("severity") == "warning" for f in findings),
            row.created_at,
            row.deployed_at,
            counts.get((row.key, row.version), {}),
        )
        process = processes.setdefault(row.key, ProcessSummary(row.key, row.name, []))
        process.versions.append(summary)
        process.name = row.name or process.name
    return list(processes.values())


@dataclass
class InstanceFilter:
    """The monitor's filters; empty fields do not filter."""

    process: str = ""
    version: int | None = None
    status: str = ""
    scope: str = ""
    overdue: bool = False
    q: str = ""

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> InstanceFilter:
        """Filters from query-string arguments (Invalid for a bad version or status)."""
        version = (args.get("version") or "").strip()
        status = (args.get("status") or "").strip()
        if version and not version.isdigit():
            raise Invalid("版本号必须是正整数", fields={"version": ["必须是正整数"]})
        if status and status not in INSTANCE_STATUSES:
            raise Invalid("未知状态", fields={"status": [f"可选：{', '.join(INSTANCE_STATUSES)}"]})
        return cls(
            process=(args.get("process") or "").strip(),
            version=int(version) if version else None,
            status=status,
            scope=(args.get("scope") or "").strip(),
            overdue=args.get("overdue") in ("1", "true", "on"),
            q=(args.get("q") or "").strip(),
        )


def search(session: Session, filters: InstanceFilter, now: datetime | None = None) -> Select[Any]:
    """Instances matching the filters, newest first (a query, for paging)."""
    query = select(ProcessInstance).order_by(ProcessInstance.id.desc())
    if filters.process:
        query = query.where(ProcessInstance.process_key == filters.process)
    if filters.version is not None:
        query = query.where(ProcessInstance.version == filters.version)
    if filters.status:
        query = query.where(ProcessInstance.status == filters.status)
    if filters.scope:
        unit = session.get(OrgUnit, filters.scope)
        path = unit.path if unit is not None else filters.scope
        query = query.where(
            or_(ProcessInstance.scope_path == path, ProcessInstance.scope_path.like(path + "/%"))
        )
    if filters.overdue:
        late = select(HumanTask.id).where(
            HumanTask.instance_id == ProcessInstance.id,
            HumanTask.status == "open",
            HumanTask.due_at < (now or engine_now()),
        )
        query = query.where(exists(late))
    if filters.q:
        query = query.where(ProcessInstance.business_key.contains(filters.q, autoescape=True))
    return query


def overdue_instances(session: Session, ids: list[int], now: datetime | None = None) -> set[int]:
    """Which of these instances have an open task past its due time."""
    if not ids:
        return set()
    query = select(HumanTask.instance_id).where(
        HumanTask.instance_id.in_(ids), HumanTask.status == "open", HumanTask.due_at < (now or engine_now())
    )
    return set(session.scalars(query))


def task_data(instance: ProcessInstance) -> list[dict[str, Any]]:
    """The data of the instance's current tasks and of its last completed one (administrators only).

    Only BPMN elements are shown, not the engine's internal tasks (boundary-event splits etc.).
    """
    try:
        workflow = load_state(instance.state, get_model(instance.definition), None)
    except Exception as exc:  # a broken state is exactly what an administrator needs to see
        return [{"task": "（无法读取流程状态）", "bpmn_id": "", "state": "ERROR", "data": str(exc)}]
    current = TaskState.READY | TaskState.WAITING | TaskState.STARTED | TaskState.ERROR
    named = [t for t in workflow.get_tasks(state=current | TaskState.COMPLETED) if t.task_spec.bpmn_id]
    shown = [t for t in named if t.has_state(current)]
    completed = [t for t in named if t.has_state(TaskState.COMPLETED)]
    if completed:
        shown.append(max(completed, key=lambda t: t.last_state_change))
    return [
        {
            "task": task.task_spec.bpmn_name or task.task_spec.bpmn_id,
            "bpmn_id": task.task_spec.bpmn_id,
            "state": TaskState.get_name(task.state),
            "data": json.dumps(task.data, ensure_ascii=False, indent=2, sort_keys=True, default=str),
        }
        for task in shown
    ]


# --- actions -----------------------------------------------------------------------------------


def _locked(session: Session, instance_id: int, allowed: tuple[str, ...], action: str) -> ProcessInstance:
    lock_instance_row(session, instance_id)
    instance = session.get(ProcessInstance, instance_id, populate_existing=True)
    if instance is None:
        raise NotFound(f"办件 {instance_id} 不存在")
    if instance.status not in allowed:
        session.rollback()
        raise Conflict(f"办件当前状态为 {instance.status}，不能{action}")
    return instance


def suspend(
    session: Session, instance_id: int, user: User, reason: str = "", now: datetime | None = None
) -> ProcessInstance:
    """Hold a running case: nobody can complete its tasks and its timers do not fire."""
    now = now or engine_now()
    instance = _locked(session, instance_id, ALLOWED_FROM["suspend"], "挂起")
    details = {"reason": reason.strip(), "from": instance.status}
    instance.status, instance.updated_at = "suspended", now
    audit.record(
        session, "instance_suspended", instance_id=instance_id, actor_id=user.id, at=now, details=details
    )
    session.commit()
    return instance


def _run_on(
    session: Session,
    instance: ProcessInstance,
    user: User,
    action: str,
    details: dict[str, Any],
    now: datetime,
) -> ProcessInstance:
    """Run the engine on from the saved state; the action is audited with its outcome."""
    ctx = RunContext(session, instance, user, now)
    instance_id = instance.id
    instance.error = ""
    try:
        run_guarded(ctx, lambda: advance(ctx, load_workflow(ctx)))
    except EngineFailure:
        # run_guarded rolled back, marked the instance `error` and committed that.
        failed = session.get(ProcessInstance, instance_id)
        outcome = {**details, "outcome": "error", "error": failed.error[:1000] if failed else ""}
        audit.record(session, action, instance_id=instance_id, actor_id=user.id, at=now, details=outcome)
        session.commit()
        raise
    audit.record(
        session,
        action,
        instance_id=instance_id,
        actor_id=user.id,
        at=now,
        details={**details, "outcome": "ok"},
    )
    session.commit()
    return instance


def resume(
    session: Session, instance_id: int, user: User, reason: str = "", now: datetime | None = None
) -> ProcessInstance:
    """Let a suspended case go on (due timers fire at once, automatic steps run)."""
    now = now or engine_now()
    instance = _locked(session, instance_id, ALLOWED_FROM["resume"], "恢复")
    return _run_on(session, instance, user, "instance_resumed", {"reason": reason.strip()}, now)


def retry(
    session: Session, instance_id: int, user: User, reason: str = "", now: datetime | None = None
) -> ProcessInstance:
    """Run a case in error again from its last saved state, after its cause was fixed."""
    now = now or engine_now()
    instance = _locked(session, instance_id, ALLOWED_FROM["retry"], "重试")
    details = {"reason": reason.strip(), "previous_error": instance.error[:1000]}
    return _run_on(session, instance, user, "instance_retried", details, now)


def terminate(
    session: Session, instance_id: int, user: User, reason: str, now: datetime | None = None
) -> ProcessInstance:
    """End a case for good: its open tasks are cancelled, its timers dropped. A reason is required."""
    reason = (reason or "").strip()
    if not reason:
        raise Invalid("终止办件必须填写原因", fields={"reason": ["请填写终止原因"]})
    now = now or engine_now()
    instance = _locked(session, instance_id, ALLOWED_FROM["terminate"], "终止")
    previous = instance.status
    try:
        workflow = load_workflow(RunContext(session, instance, user, now))
        workflow.cancel()
        instance.state = dump_state(workflow)
    except Exception:  # a state that cannot be loaded is no reason to keep a case alive
        log.warning(
            "terminating instance %s without cancelling its workflow state", instance_id, exc_info=True
        )
    open_rows = session.scalars(
        select(HumanTask).where(HumanTask.instance_id == instance_id, HumanTask.status == "open")
    ).all()
    for row in open_rows:
        row.status, row.completed_at = "cancelled", now
    instance.status, instance.completed_at, instance.updated_at = "terminated", now, now
    instance.next_timer_at = None
    details = {"reason": reason, "from": previous, "cancelled_tasks": [row.name for row in open_rows]}
    audit.record(
        session, "instance_terminated", instance_id=instance_id, actor_id=user.id, at=now, details=details
    )
    session.commit()
    return instance


def allowed_actions(instance: ProcessInstance) -> set[str]:
    """The administrator actions the instance's current status allows."""
    return {action for action, statuses in ALLOWED_FROM.items() if instance.status in statuses}


ACTIONS = {"suspend": suspend, "resume": resume, "retry": retry, "terminate": terminate}
