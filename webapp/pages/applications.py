"""我的申请: the cases the user started, and starting a new one."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from models import HumanTask, ProcessInstance
from webapp.auth import current_user, login_required
from webapp.db import db
from webapp.pages.common import page_number, paginate
from workflows import definitions
from workflows.instances import open_tasks, start_instance

bp = Blueprint("applications", __name__)


@bp.get("/applications")
@login_required
def index() -> Any:
    """The user's cases, newest first, with what waits in each; the processes they may start."""
    user, session = current_user(), db()
    query = (
        select(ProcessInstance)
        .where(ProcessInstance.started_by == user.id)
        .order_by(ProcessInstance.id.desc())
    )
    page = paginate(session, query, page_number())
    waiting: dict[int, list[HumanTask]] = {}
    ids = [instance.id for instance in page.items]
    if ids:
        rows = session.scalars(
            select(HumanTask).where(HumanTask.instance_id.in_(ids), HumanTask.status == "open")
        )
        for task in rows:
            waiting.setdefault(task.instance_id, []).append(task)
    startable = [d for d in definitions.deployed(session) if definitions.may_start(d, user)]
    return render_template("applications.html", page=page, waiting=waiting, startable=startable)


@bp.post("/applications/<key>/start")
@login_required
def start(key: str) -> Any:
    """Start a process; go straight to its first task when that task is the user's."""
    user, session = current_user(), db()
    instance = start_instance(session, key, user)
    mine = [task for task in open_tasks(session, instance.id) if task.assignee_id == user.id]
    flash(_("已创建申请（编号 %(id)s），请填写申请材料。", id=instance.id), "success")
    if mine:
        return redirect(url_for("pages.tasks.show", task_id=mine[0].id))
    return redirect(url_for("pages.instances.show", instance_id=instance.id))
