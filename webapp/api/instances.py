"""Instances the caller may see: list, detail, audit trail, attachments."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify, request
from sqlalchemy import select

from models import INSTANCE_STATUSES, ProcessInstance
from webapp.api.common import caller, page_number, paginate, whole_list
from webapp.api.schemas import instance_json, instance_summary, iso
from webapp.db import db
from workflows import attachments, audit
from workflows.assignment import visible_instances_clause
from workflows.errors import Invalid, NotFound

bp = Blueprint("instances", __name__)


def _visible_instance(instance_id: int) -> ProcessInstance:
    session = db()
    instance = session.scalar(
        select(ProcessInstance).where(ProcessInstance.id == instance_id, visible_instances_clause(caller()))
    )
    if instance is None:
        raise NotFound("流程实例不存在")
    return instance


@bp.get("/instances")
def list_instances() -> Any:
    """Instances the caller may see, newest first; filter by process and status."""
    query = select(ProcessInstance).where(visible_instances_clause(caller()))
    if process := request.args.get("process"):
        query = query.where(ProcessInstance.process_key == process)
    if status := request.args.get("status"):
        if status not in INSTANCE_STATUSES:
            raise Invalid("未知状态", fields={"status": [f"可选：{', '.join(INSTANCE_STATUSES)}"]})
        query = query.where(ProcessInstance.status == status)
    query = query.order_by(ProcessInstance.id.desc())
    return jsonify(paginate(db(), query, instance_summary, page_number()))


@bp.get("/instances/<int:instance_id>")
def show(instance_id: int) -> Any:
    """Status, scope, version, open tasks, history and documents."""
    return jsonify(instance_json(db(), _visible_instance(instance_id)))


@bp.get("/instances/<int:instance_id>/audit")
def audit_trail(instance_id: int) -> Any:
    """The instance's audit trail, in order, with its hashes."""
    instance = _visible_instance(instance_id)
    events = [
        {
            "seq": e.seq,
            "action": e.action,
            "actor": e.actor_id,
            "task_id": e.task_id,
            "details": e.details,
            "at": iso(e.created_at),
            "prev_hash": previous,
            "hash": e.hash,
        }
        for e, previous in audit.with_previous(audit.events_of(db(), instance.id))
    ]
    return jsonify(whole_list(events))


@bp.post("/instances/<int:instance_id>/attachments")
def upload(instance_id: int) -> Any:
    """Upload a file (multipart field `file`); 201 with its id."""
    instance = _visible_instance(instance_id)
    upload = request.files.get("file")
    if upload is None:
        raise Invalid("缺少文件", fields={"file": ["请选择要上传的文件"]})
    session = db()
    row = attachments.store(session, current_app.config["UPLOAD_DIR"], caller(), upload, instance.id)
    session.commit()
    return jsonify(attachments.attachment_json(row)), 201
