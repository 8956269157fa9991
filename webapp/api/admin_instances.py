"""Administration: the process monitor — find instances, inspect one, suspend/resume/terminate/retry."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request

from models import ProcessInstance
from webapp.api import admin
from webapp.api.common import caller, page_number, paginate
from webapp.api.schemas import instance_json, instance_summary, iso
from webapp.db import db
from workflows import audit, monitor
from workflows.errors import NotFound

bp = Blueprint("admin_instances", __name__, url_prefix="/admin")
bp.before_request(admin.admins_only)


@bp.get("/instances")
def list_instances() -> Any:
    """Every instance, filtered by process, version, status, scope (with its subtree), overdue, q."""
    session = db()
    query = monitor.search(session, monitor.InstanceFilter.from_args(request.args))
    body = paginate(session, query, instance_summary, page_number())
    late = monitor.overdue_instances(session, [item["id"] for item in body["items"]])
    for item in body["items"]:
        item["overdue"] = item["id"] in late
    return jsonify(body)


def _instance(instance_id: int) -> ProcessInstance:
    instance = db().get(ProcessInstance, instance_id)
    if instance is None:
        raise NotFound("流程实例不存在")
    return instance


@bp.get("/instances/<int:instance_id>")
def show(instance_id: int) -> Any:
    """The instance with its error, the data of its current tasks and its whole audit trail."""
    session, instance = db(), _instance(instance_id)
    body = instance_json(session, instance)
    body["error"] = instance.error
    body["task_data"] = monitor.task_data(instance)
    body["audit"] = [
        {"seq": e.seq, "action": e.action, "actor": e.actor_id, "details": e.details, "at": iso(e.created_at)}
        for e in audit.events_of(session, instance.id)
    ]
    return jsonify(body)


@bp.post("/instances/<int:instance_id>/suspend", defaults={"action": "suspend"})
@bp.post("/instances/<int:instance_id>/resume", defaults={"action": "resume"})
@bp.post("/instances/<int:instance_id>/terminate", defaults={"action": "terminate"})
@bp.post("/instances/<int:instance_id>/retry", defaults={"action": "retry"})
def act(instance_id: int, action: str) -> Any:
    """Suspend, resume, terminate (`{"reason": …}` required) or retry; the action is audited."""
    body = request.get_json(silent=True)
    reason = str(body.get("reason", "")) if isinstance(body, dict) else ""
    instance = monitor.ACTIONS[action](db(), _instance(instance_id).id, caller(), reason)
    return jsonify(instance_summary(instance))
