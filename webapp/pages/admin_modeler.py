"""The BPMN modeler: open any version, edit it, save a new draft (validated on every save)."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from models import ProcessDefinition
from webapp.auth import current_user
from webapp.db import db
from webapp.pages.admin_common import admin_blueprint, modeler_options
from workflows import definitions
from workflows.errors import Invalid
from workflows.linter import PROCESS_KEY

bp = admin_blueprint("admin_modeler")


def _page(key: str, xml_url: str, definition: ProcessDefinition | None) -> str:
    config = {
        **modeler_options(),
        "key": key,
        "version": definition.version if definition else None,
        "status": definition.status if definition else "new",
        "findings": definition.findings if definition else [],
        "xmlUrl": xml_url,
        "saveUrl": url_for(".save"),
        "deployUrl": url_for("pages.admin_processes.deploy", key="__KEY__", version=0).replace(
            "/0/", "/__V__/"
        ),
        "modelerUrl": url_for(".edit", key="__KEY__", version=0).replace("/0/", "/__V__/"),
        "migrateUrl": url_for("pages.admin_migrations.preview", key="__KEY__", version=0).replace(
            "/0/", "/__V__/"
        ),
        "processUrl": url_for("pages.admin_processes.show", key="__KEY__"),
    }
    return render_template("admin/modeler.html", key=key, definition=definition, config=config)


@bp.get("/processes/<key>/<int:version>/modeler")
def edit(key: str, version: int) -> Any:
    """The modeler on one version; saving makes a new draft version."""
    definition = definitions.get_version(db(), key, version)
    return _page(key, url_for(".xml", key=key, version=version), definition)


@bp.get("/processes/<key>/<int:version>.bpmn")
def xml(key: str, version: int) -> Any:
    """A version's BPMN XML (`?download=1` to save it as a file)."""
    definition = definitions.get_version(db(), key, version)
    headers = {"Cache-Control": "no-store"}
    if request.args.get("download"):
        headers["Content-Disposition"] = f'attachment; filename="{key}-v{version}.bpmn"'
    return Response(definition.bpmn_xml, mimetype="application/xml", headers=headers)


@bp.get("/processes/new")
def new() -> Any:
    """A new process: ask for its key and name, then open the modeler on a small template."""
    key = (request.args.get("key") or "").strip()
    name = (request.args.get("name") or "").strip()
    if not key:
        return render_template("admin/new_process.html", key="", name="", error="")
    taken = db().scalar(select(ProcessDefinition.id).where(ProcessDefinition.key == key).limit(1))
    error = ""
    if not PROCESS_KEY.fullmatch(key):
        error = _("流程键须为小写字母开头的 snake_case，例如 filing_review。")
    elif taken is not None:
        error = _("流程键 %(key)s 已存在，请在流程列表中打开它的版本进行修改。", key=key)
    if error:
        return render_template("admin/new_process.html", key=key, name=name, error=error), 422
    return _page(key, url_for(".template", key=key, name=name or key), None)


@bp.get("/processes/new.bpmn")
def template() -> Any:
    """The starting diagram of a new process."""
    key = request.args.get("key", "")
    if not PROCESS_KEY.fullmatch(key):
        raise Invalid(_("流程键无效"))
    body = render_template("admin/new_process.bpmn.xml", key=key, name=request.args.get("name") or key)
    return Response(body.encode(), mimetype="application/xml")


@bp.post("/processes/drafts")
def save() -> Any:
    """Save the modeler's XML as a new draft version: 201 with the findings (errors included)."""
    limit = current_app.config["MAX_BPMN_BYTES"]
    body = request.get_data(cache=False)
    if len(body) > limit:
        return jsonify({"error": "too_large", "message": _("BPMN 文件过大")}), 413
    session = db()
    try:
        definition = definitions.save_draft(session, body, current_user())
    except Invalid as exc:
        return jsonify(
            {"error": "invalid", "message": exc.message, "findings": definitions.findings_of(exc)}
        ), 422
    session.commit()
    errors = [f for f in definition.findings if f["severity"] == "error"]
    return jsonify(
        {
            "key": definition.key,
            "version": definition.version,
            "status": definition.status,
            "findings": definition.findings,
            "deployable": not errors,
        }
    ), 201


@bp.get("/processes/<key>/latest/modeler")
def latest(key: str) -> Any:
    """The modeler on the newest version of a process."""
    version = db().scalar(
        select(ProcessDefinition.version)
        .where(ProcessDefinition.key == key)
        .order_by(ProcessDefinition.version.desc())
        .limit(1)
    )
    if version is None:
        flash(_("流程 %(key)s 不存在", key=key), "warning")
        return redirect(url_for("pages.admin_processes.index"))
    return redirect(url_for(".edit", key=key, version=version))
