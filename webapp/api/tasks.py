"""The inbox and the work on one task: read, claim, draft, complete."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify
from sqlalchemy import select

from forms import describe, get_form
from models import HumanTask
from webapp.api.common import caller, data_of, json_body, page_number, paginate
from webapp.api.schemas import instance_body, instance_summary, task_json
from webapp.db import db
from workflows.assignment import actionable_clause
from workflows.drafts import initial_data, save_draft
from workflows.errors import Invalid
from workflows.instances import claim_task, complete_task, get_task_for, unclaim_task

bp = Blueprint("tasks", __name__)


@bp.get("/tasks")
def list_tasks() -> Any:
    """Open tasks the caller may act on (assigned or candidate), oldest due first."""
    query = (
        select(HumanTask)
        .where(actionable_clause(caller()))
        .order_by(HumanTask.due_at.is_(None), HumanTask.due_at, HumanTask.id)
    )
    return jsonify(paginate(db(), query, task_json, page_number()))


@bp.get("/tasks/<int:task_id>")
def show(task_id: int) -> Any:
    """A task with its instance, form description and the caller's draft."""
    session, user = db(), caller()
    task = get_task_for(session, task_id, user)
    body = task_json(task)
    body["instance"] = instance_summary(task.instance)
    body["form"] = describe(get_form(task.form_key)) if task.form_key else None
    body["draft"] = initial_data(session, task, user)
    return jsonify(body)


@bp.post("/tasks/<int:task_id>/claim")
def claim(task_id: int) -> Any:
    """Claim the task for oneself."""
    return jsonify(task_json(claim_task(db(), task_id, caller())))


@bp.post("/tasks/<int:task_id>/unclaim")
def unclaim(task_id: int) -> Any:
    """Give the task back to the group."""
    return jsonify(task_json(unclaim_task(db(), task_id, caller())))


@bp.put("/tasks/<int:task_id>/draft")
def draft(task_id: int) -> Any:
    """Save partial data; `stage` optionally records where the user is."""
    body = json_body()
    stage = body.get("stage")
    if stage is not None and not isinstance(stage, int):
        raise Invalid("stage 必须是整数", fields={"stage": ["必须是整数"]})
    saved = save_draft(db(), task_id, caller(), data_of(body), stage)
    return jsonify({"task_id": task_id, "data": saved.data, "stage": saved.stage})


@bp.post("/tasks/<int:task_id>/complete")
def complete(task_id: int) -> Any:
    """Complete the task; 200 with the instance's new open tasks and documents (history: GET the instance)."""
    done = complete_task(db(), task_id, caller(), data_of(json_body()))
    return jsonify(instance_body(done.instance, done.open_tasks, done.documents))
