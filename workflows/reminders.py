"""Due-date reminders (at 80 % of the allowed time) and overdue escalations."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import HumanTask, User
from workflows import audit, definitions, orgs
from workflows.engine import engine_now, spec_property
from workflows.notifications import notify
from workflows.tasks_sync import candidate_users

REMIND_AT = 0.8
ESCALATE_TO = "county_leader"


def escalation_role(task: HumanTask) -> str:
    """Who hears about an overdue task: the role its `escalateTo` property names, else ESCALATE_TO."""
    model = definitions.get_model(task.instance.definition)
    for spec in (model.spec, *model.subprocess_specs.values()):
        for task_spec in spec.task_specs.values():
            role = spec_property(task_spec, "escalateTo")
            if getattr(task_spec, "bpmn_id", None) == task.bpmn_id and role:
                return role
    return ESCALATE_TO


def _leaders(session: Session, task: HumanTask) -> list[User]:
    return orgs.active_users(session, [task.instance.scope_code], escalation_role(task))


def remind_and_escalate(session: Session, now: datetime | None = None) -> int:
    """Send due reminders and overdue escalations once per task; returns messages sent."""
    now = now or engine_now()
    open_with_due = select(HumanTask).where(HumanTask.status == "open", HumanTask.due_at.is_not(None))
    sent = 0
    for task in session.scalars(open_with_due.where(HumanTask.reminded_at.is_(None))):
        assert task.due_at is not None
        if now >= task.created_at + (task.due_at - task.created_at) * REMIND_AT and now < task.due_at:
            notify(
                session,
                candidate_users(session, task),
                "due_soon",
                f"即将到期：{task.name}",
                f"办理期限 {task.due_at.isoformat(timespec='minutes')}",
                f"/tasks/{task.id}",
            )
            task.reminded_at = now
            sent += 1
    for task in session.scalars(
        open_with_due.where(HumanTask.escalated_at.is_(None), HumanTask.due_at < now)
    ):
        people = {u.id: u for u in candidate_users(session, task) + _leaders(session, task)}
        notify(
            session,
            people.values(),
            "overdue",
            f"已逾期：{task.name}",
            f"流程实例 #{task.instance_id} 的“{task.name}”已超过办理期限",
            f"/tasks/{task.id}",
        )
        task.escalated_at = now
        audit.record(
            session,
            "task_overdue",
            instance_id=task.instance_id,
            task_id=task.id,
            at=now,
            details={"task": task.name, "due_at": task.due_at.isoformat() if task.due_at else None},
        )
        sent += 1
    session.commit()
    return sent
