"""The task page: a plain form, or a staged form walked stage by stage to a summary."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from forms.binding import to_formdata
from webapp.auth import current_user, login_required
from webapp.db import db
from webapp.pages.common import upload_dir
from workflows import dossier, task_pages
from workflows.errors import Invalid

bp = Blueprint("tasks", __name__)


def _render(
    page: task_pages.TaskPage, stage: int, data: dict[str, Any], errors: dict[str, list[str]], alert: str = ""
) -> str:
    """The page at `stage`: that stage's form filled with `data`, or the summary."""
    spec = page.spec
    files = dossier.attachment_names(db(), [data], spec)
    form, summary = None, None
    if spec.summary and stage == page.summary_stage:
        summary = dossier.sections(spec, data, files)
    else:
        form_class = spec.stages[stage].form
        form = form_class(formdata=to_formdata(form_class, data))
    return render_template(
        "task.html",
        page=page,
        task=page.task,
        instance=page.task.instance,
        spec=spec,
        stage=stage,
        form=form,
        summary=summary,
        errors=errors,
        alert=alert,
        files=files,
    )


@bp.get("/tasks/<int:task_id>")
@login_required
def show(task_id: int) -> Any:
    """Open the task where the user left it (a stage already reached may be chosen with ?stage=)."""
    page = task_pages.open_task(db(), task_id, current_user())
    wanted = request.args.get("stage", type=int)
    stage = wanted if wanted is not None and 0 <= wanted <= page.stage else page.stage
    return _render(page, stage, page.data, {})


@bp.post("/tasks/<int:task_id>")
@login_required
def post(task_id: int) -> Any:
    """上一步 / 下一步 / 保存草稿 save the stage as a draft; 提交 completes the task."""
    action = request.form.get("action", "")
    if action == "submit":
        return _submit(task_id)
    session, user = db(), current_user()
    stage = request.form.get("stage", 0, type=int)
    result = task_pages.leave_stage(
        session, task_id, user, stage, action, request.form, request.files, upload_dir()
    )
    if result.errors:
        page = task_pages.open_task(session, task_id, user)
        return _render(page, result.stage, result.data, result.errors, _("请按提示修改标红的项目。")), 422
    if action == "save":
        flash(_("草稿已保存，退出后再次打开可继续填写。"), "success")
    return redirect(url_for(".show", task_id=task_id, stage=result.stage))


def _submit(task_id: int) -> Any:
    """Complete the task; invalid data goes back to the (first) stage with errors."""
    session, user = db(), current_user()
    try:
        instance = task_pages.submit(session, task_id, user, request.form, request.files, upload_dir())
    except Invalid as exc:
        session.rollback()
        page = task_pages.open_task(session, task_id, user)
        if page.spec.summary:
            stage, data = task_pages.first_stage_with_errors(page.spec, exc.fields), page.data
        else:
            stage, data = 0, task_pages.stage_values(page.spec, 0, request.form)
        return _render(page, stage, data, exc.fields, exc.message), 422
    flash(_("已提交，事项已转入下一环节。"), "success")
    return redirect(url_for("pages.instances.show", instance_id=instance.id))
