"""How tasks, instances and documents look in JSON (DESIGN.md §9 "Shapes")."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from models import Document, HumanTask, ProcessInstance, User, utcnow
from workflows import audit, documents
from workflows.instances import open_tasks


def iso(value: date | None) -> str | None:
    """An aware datetime (UTC) or a day as ISO 8601."""
    return value.isoformat() if value else None


def task_json(task: HumanTask, now: datetime | None = None) -> dict[str, Any]:
    """A task in a list."""
    now = now or utcnow()
    return {
        "id": task.id,
        "name": task.name,
        "form_key": task.form_key,
        "process_key": task.process_key,
        "instance_id": task.instance_id,
        "lane": task.lane,
        "scope": task.org_unit_code,
        "assignee": task.assignee_id,
        "due_at": iso(task.due_at),
        "due_estimated": task.due_estimated,
        "overdue": bool(task.due_at and task.status == "open" and task.due_at < now),
        "status": task.status,
        "created_at": iso(task.created_at),
    }


def document_json(doc: Document) -> dict[str, Any]:
    """A document reference."""
    return {"id": doc.id, "kind": doc.kind, "number": doc.number, "title": doc.title}


def instance_summary(instance: ProcessInstance) -> dict[str, Any]:
    """An instance in a list."""
    return {
        "id": instance.id,
        "process_key": instance.process_key,
        "version": instance.version,
        "status": instance.status,
        "scope": instance.scope_code,
        "business_key": instance.business_key,
        "started_by": instance.started_by,
        "created_at": iso(instance.created_at),
        "completed_at": iso(instance.completed_at),
    }


def instance_body(instance: ProcessInstance, tasks: list[HumanTask], docs: list[Document]) -> dict[str, Any]:
    """An instance with the given open tasks and documents."""
    body = instance_summary(instance)
    body["tasks"] = [task_json(t) for t in tasks]
    body["documents"] = [document_json(d) for d in docs]
    return body


def instance_json(session: Session, instance: ProcessInstance) -> dict[str, Any]:
    """An instance with its open tasks, documents and history."""
    tasks = open_tasks(session, instance.id)
    body = instance_body(instance, tasks, documents.documents_of(session, instance.id))
    body["history"] = [
        {
            "seq": e.seq,
            "action": e.action,
            "actor": e.actor_id,
            "task_id": e.task_id,
            "at": iso(e.created_at),
            "task": e.details.get("task"),
        }
        for e in audit.events_of(session, instance.id)
        if e.action
        in (
            "instance_started",
            "task_completed",
            "timer_fired",
            "instance_completed",
            "document_issued",
            "task_claimed",
            "instance_error",
        )
    ]
    return body


def user_json(user: User) -> dict[str, Any]:
    """The caller as /me shows them."""
    return {
        "id": user.id,
        "username": user.username,
        "display_name": user.display_name,
        "roles": sorted(user.roles),
        "org_unit": {"code": user.org_unit.code, "name": user.org_unit.name, "kind": user.org_unit.kind},
    }
