"""The inbox: my tasks, and my group's tasks I may claim."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.orm import joinedload

from models import HumanTask, User
from webapp.auth import current_user, login_required
from webapp.db import db
from webapp.pages.common import local_target, page_number, paginate
from workflows.assignment import candidate_clause
from workflows.instances import can_release, claim_task, unclaim_task

bp = Blueprint("inbox", __name__)
TABS = ("mine", "claimable")


def _clause(tab: str, user: User) -> ColumnElement[bool]:
    """Open tasks of one tab: assigned to the user, or offered to their group."""
    if tab == "mine":
        return and_(HumanTask.status == "open", HumanTask.assignee_id == user.id)
    return and_(HumanTask.status == "open", candidate_clause(user))


@bp.get("/tasks")
@bp.get("/")  # registered first: url_for builds "/"
@login_required
def index() -> Any:
    """我的待办 / 可认领, the earliest deadline first."""
    user, session = current_user(), db()
    tab = request.args.get("tab", "mine")
    tab = tab if tab in TABS else "mine"
    query = (
        select(HumanTask)
        .where(_clause(tab, user))
        .options(joinedload(HumanTask.instance))
        .order_by(HumanTask.due_at.is_(None), HumanTask.due_at, HumanTask.id)
    )
    page = paginate(session, query, page_number())
    # The current tab is counted by the paging already; only the other tabs need a count.
    counts = {
        t: page.total
        if t == tab
        else session.scalar(select(func.count(HumanTask.id)).where(_clause(t, user))) or 0
        for t in TABS
    }
    releasable = {task.id for task in page.items if can_release(task, user)}
    return render_template("inbox.html", tab=tab, page=page, counts=counts, releasable=releasable)


@bp.post("/tasks/<int:task_id>/claim")
@login_required
def claim(task_id: int) -> Any:
    """Take a group task for oneself."""
    task = claim_task(db(), task_id, current_user())
    flash(_("已认领任务“%(name)s”，现在可以办理。", name=task.name), "success")
    return redirect(local_target(request.form.get("next"), default="pages.inbox.index"))


@bp.post("/tasks/<int:task_id>/unclaim")
@login_required
def unclaim(task_id: int) -> Any:
    """Give a claimed task back to the group."""
    task = unclaim_task(db(), task_id, current_user())
    flash(_("已将任务“%(name)s”退回组内待认领。", name=task.name), "info")
    return redirect(url_for("pages.inbox.index", tab="claimable"))
