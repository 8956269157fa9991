"""Migrating running instances to another version: a preview per instance, then apply to a selection."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from webapp.auth import current_user
from webapp.db import db
from webapp.pages.admin_common import admin_blueprint
from workflows import migration

bp = admin_blueprint("admin_migrations")


@bp.get("/processes/<key>/<int:version>/migrate")
def preview(key: str, version: int) -> Any:
    """Each unfinished instance on another version: can it move here, and why not."""
    session = db()
    target = migration.target_version(session, key, version)
    checks = migration.preview(session, key, version)
    return render_template("admin/migrate.html", key=key, target=target, checks=checks)


@bp.post("/processes/<key>/<int:version>/migrate")
def apply(key: str, version: int) -> Any:
    """Move the selected instances; each one succeeds or fails on its own, and is audited."""
    ids = [int(i) for i in request.form.getlist("instances") if i.isdigit()]
    if not ids:
        flash(_("请至少选择一个办件。"), "warning")
        return redirect(url_for(".preview", key=key, version=version))
    results = migration.migrate(db(), key, version, ids, current_user())
    done = [r.instance_id for r in results if r.migrated]
    if done:
        flash(_("已将办件 %(ids)s 迁移到 v%(v)s。", ids="、".join(map(str, done)), v=version), "success")
    for result in results:
        if not result.migrated:
            flash(
                _("办件 %(id)s 未迁移：%(why)s", id=result.instance_id, why="；".join(result.reasons)),
                "danger",
            )
    return redirect(url_for(".preview", key=key, version=version))
