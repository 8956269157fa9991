"""流程管理: every process with its versions; upload, deploy and compare versions."""

from __future__ import annotations

from typing import Any

from flask import flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _

from webapp.auth import current_user
from webapp.db import db
from webapp.pages.admin_common import admin_blueprint
from workflows import definitions, monitor
from workflows.errors import Invalid, NotFound
from workflows.version_diff import diff_versions

bp = admin_blueprint("admin_processes")


@bp.get("/processes")
def index() -> Any:
    """Every process key with its deployed version, drafts and instances per version."""
    return render_template("admin/processes.html", processes=monitor.overview(db()))


@bp.get("/processes/<key>")
def show(key: str) -> Any:
    """One process: all versions, their findings and instances; deploy, compare, migrate."""
    found = monitor.overview(db(), key)
    if not found:
        raise NotFound(_("流程 %(key)s 不存在", key=key))
    return render_template("admin/process.html", process=found[0])


@bp.post("/processes/upload")
def upload() -> Any:
    """Store an uploaded BPMN file as a new draft (findings and all) and open it in the modeler."""
    upload = request.files.get("file")
    xml = upload.stream.read() if upload is not None else b""
    if not xml.strip():
        flash(_("请选择要上传的 BPMN 文件。"), "warning")
        return redirect(url_for(".index"))
    session = db()
    definition = definitions.save_draft(session, xml, current_user())
    session.commit()
    flash(_("已保存为 %(key)s 的草稿版本 v%(v)s。", key=definition.key, v=definition.version), "success")
    return redirect(url_for("pages.admin_modeler.edit", key=definition.key, version=definition.version))


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


@bp.post("/processes/<key>/<int:version>/deploy")
def deploy(key: str, version: int) -> Any:
    """Deploy a draft without errors: new instances use it, running ones stay on theirs."""
    session = db()
    try:
        definition = definitions.deploy(session, key, version, current_user())
    except Invalid as exc:
        if _wants_json():
            return jsonify(
                {"error": "invalid", "message": exc.message, "findings": definitions.findings_of(exc)}
            ), 422
        raise
    session.commit()
    message = _(
        "已发布 %(key)s v%(v)s：新发起的办件将使用此版本，办理中的办件仍使用原版本。", key=key, v=version
    )
    migrate_url = url_for("pages.admin_migrations.preview", key=key, version=version)
    if _wants_json():
        return jsonify(
            {
                "key": key,
                "version": definition.version,
                "status": definition.status,
                "message": message,
                "migrate_url": migrate_url,
            }
        )
    flash(message, "success")
    return redirect(url_for(".show", key=key))


def _version_arg(name: str, default: int) -> int:
    raw = request.args.get(name, "")
    return int(raw) if raw.isdigit() else default


@bp.get("/processes/<key>/diff")
def diff(key: str) -> Any:
    """Elements added, removed and changed between two versions, listed and on both diagrams."""
    session = db()
    latest = max((v.version for p in monitor.overview(session, key) for v in p.versions), default=0)
    if not latest:
        raise NotFound(_("流程 %(key)s 不存在", key=key))
    new = definitions.get_version(session, key, _version_arg("to", latest))
    old = definitions.get_version(session, key, _version_arg("from", max(new.version - 1, 1)))
    result = diff_versions(old.bpmn_xml, new.bpmn_xml)
    return render_template(
        "admin/diff.html", key=key, old=old, new=new, diff=result, versions=list(range(1, latest + 1))
    )
