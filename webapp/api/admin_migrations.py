"""Administration: preview and apply the migration of running instances to another version."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request

from webapp.api import admin
from webapp.api.common import caller, json_body, whole_list
from webapp.db import db
from workflows import migration
from workflows.errors import Invalid

bp = Blueprint("admin_migrations", __name__, url_prefix="/admin")
bp.before_request(admin.admins_only)


def _ids(raw: Any) -> list[int]:
    if isinstance(raw, str):
        raw = [part for part in raw.split(",") if part.strip()]
    if not isinstance(raw, list) or not all(str(i).strip().isdigit() for i in raw):
        raise Invalid("instances 必须是办件编号列表", fields={"instances": ["必须是正整数列表"]})
    return [int(str(i).strip()) for i in raw]


@bp.get("/process-definitions/<key>/<int:version>/migrations")
def preview(key: str, version: int) -> Any:
    """Per unfinished instance on another version: can it move to this one, and why not."""
    raw = request.args.get("instances")
    checks = migration.preview(db(), key, version, _ids(raw) if raw else None)
    items = [c.as_json() for c in checks]
    return jsonify(whole_list(items))


@bp.post("/process-definitions/<key>/<int:version>/migrations")
def apply(key: str, version: int) -> Any:
    """Move the chosen instances (`{"instances": [id, …]}`); each succeeds or fails on its own."""
    ids = _ids(json_body().get("instances"))
    if not ids:
        raise Invalid("请选择要迁移的办件", fields={"instances": ["至少选择一个办件"]})
    results = migration.migrate(db(), key, version, ids, caller())
    items = [r.as_json() for r in results]
    return jsonify({"items": items, "migrated": sum(r.migrated for r in results), "total": len(items)})
