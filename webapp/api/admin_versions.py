"""Administration: one process's versions, a version's BPMN, and the diff between two versions."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request

from webapp.api import admin
from webapp.api.common import whole_list
from webapp.api.schemas import iso
from webapp.db import db
from workflows import definitions, monitor
from workflows.errors import Invalid, NotFound
from workflows.version_diff import diff_versions

bp = Blueprint("admin_versions", __name__, url_prefix="/admin")
bp.before_request(admin.admins_only)


def version_json(v: monitor.VersionSummary) -> dict[str, Any]:
    """A version with its findings counted and its instances counted by status."""
    return {
        "version": v.version,
        "status": v.status,
        "name": v.name,
        "errors": v.errors,
        "warnings": v.warnings,
        "deployable": v.status == "draft" and v.errors == 0,
        "created_at": iso(v.created_at),
        "deployed_at": iso(v.deployed_at),
        "instances": v.instances,
    }


def process_json(p: monitor.ProcessSummary) -> dict[str, Any]:
    """A process: the version new instances use, its drafts and every version."""
    return {
        "key": p.key,
        "name": p.name,
        "current_version": p.current.version if p.current else None,
        "drafts": [v.version for v in p.drafts],
        "versions": [version_json(v) for v in p.versions],
    }


@bp.get("/processes")
def list_processes() -> Any:
    """Every process key with its deployed version, drafts and instances per version."""
    items = [process_json(p) for p in monitor.overview(db())]
    return jsonify(whole_list(items))


@bp.get("/processes/<key>")
def show_process(key: str) -> Any:
    """One process with all its versions."""
    found = monitor.overview(db(), key)
    if not found:
        raise NotFound(f"流程 {key} 不存在")
    return jsonify(process_json(found[0]))


@bp.get("/process-definitions/<key>/<int:version>")
def show_version(key: str, version: int) -> Any:
    """A version with its findings (the XML is at …/bpmn)."""
    return jsonify(admin.definition_json(definitions.get_version(db(), key, version)))


@bp.get("/process-definitions/<key>/<int:version>/bpmn")
def version_xml(key: str, version: int) -> Any:
    """The BPMN XML of a version (export)."""
    definition = definitions.get_version(db(), key, version)
    filename = f"{key}-v{version}.bpmn"
    return Response(
        definition.bpmn_xml,
        mimetype="application/xml",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _version_arg(name: str) -> int:
    raw = request.args.get(name, "")
    if not raw.isdigit():
        raise Invalid(f"缺少参数 {name}", fields={name: ["必须是版本号"]})
    return int(raw)


@bp.get("/process-definitions/<key>/diff")
def diff(key: str) -> Any:
    """Elements added, removed and changed from version `from` to version `to`."""
    session = db()
    old = definitions.get_version(session, key, _version_arg("from"))
    new = definitions.get_version(session, key, _version_arg("to"))
    result = diff_versions(old.bpmn_xml, new.bpmn_xml)
    return jsonify(
        {
            "key": key,
            "from": old.version,
            "to": new.version,
            "items": [c.as_json() for c in result.changes],
            "markers": result.markers(),
        }
    )
