"""Administration: process definition versions (upload BPMN, deploy)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify, request
from sqlalchemy import select

from models import ProcessDefinition
from webapp.api.common import caller, error, whole_list
from webapp.api.schemas import iso
from webapp.db import db
from workflows import definitions
from workflows.errors import Forbidden, Invalid

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
def admins_only() -> Any:
    """Every admin endpoint is for administrators only."""
    if not caller().has_role("admin"):
        raise Forbidden("仅系统管理员可以管理流程定义")
    return None


def definition_json(d: ProcessDefinition) -> dict[str, Any]:
    """A definition version without its XML."""
    return {
        "key": d.key,
        "version": d.version,
        "name": d.name,
        "status": d.status,
        "sha256": d.sha256,
        "findings": d.findings,
        "created_at": iso(d.created_at),
        "deployed_at": iso(d.deployed_at),
    }


@bp.get("/process-definitions")
def list_definitions() -> Any:
    """Every version of every process."""
    rows = db().scalars(select(ProcessDefinition).order_by(ProcessDefinition.key, ProcessDefinition.version))
    items = [definition_json(d) for d in rows]
    return jsonify(whole_list(items))


def _uploaded_xml() -> bytes:
    limit = current_app.config["MAX_BPMN_BYTES"]
    if request.content_length is not None and request.content_length > limit + 4096:
        raise _TooLarge()
    upload = request.files.get("file")
    xml = upload.stream.read(limit + 1) if upload is not None else request.get_data(cache=False)
    if len(xml) > limit:
        raise _TooLarge()
    if not xml.strip():
        raise Invalid("缺少 BPMN 文件", fields={"file": ["请上传 BPMN XML"]})
    return xml


class _TooLarge(Exception):
    pass


@bp.errorhandler(_TooLarge)
def too_large(_exc: _TooLarge) -> Any:
    """BPMN over the size limit."""
    limit_mb = current_app.config["MAX_BPMN_BYTES"] // (1024 * 1024)
    return error(413, "too_large", f"BPMN 文件不能超过 {limit_mb}MB")


@bp.post("/process-definitions")
def upload() -> Any:
    """Upload BPMN: 201 with the new draft, or 422 with the linter's findings.

    With `?draft=1` (the modeler's save) a draft is stored even when the linter finds errors:
    201 with the findings, and deploy stays refused until a draft without errors is saved.
    """
    session = db()
    store = definitions.save_draft if request.args.get("draft") == "1" else definitions.upload
    try:
        definition = store(session, _uploaded_xml(), caller())
    except Invalid as exc:
        body = {"error": "invalid", "message": exc.message, "findings": definitions.findings_of(exc)}
        return jsonify(body), 422
    session.commit()
    return jsonify(definition_json(definition)), 201


@bp.post("/process-definitions/<key>/<int:version>/deploy")
def deploy(key: str, version: int) -> Any:
    """Deploy a draft version."""
    session = db()
    try:
        definition = definitions.deploy(session, key, version, caller())
    except Invalid as exc:
        body = {"error": "invalid", "message": exc.message, "findings": definitions.findings_of(exc)}
        return jsonify(body), 422
    session.commit()
    return jsonify(definition_json(definition))
