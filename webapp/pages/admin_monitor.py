"""流程监控: find any instance; see its diagram, task data and audit trail; suspend, resume,
terminate or retry it."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from models import INSTANCE_STATUSES, HumanTask, OrgUnit, ProcessDefinition, ProcessInstance, User
from webapp.auth import current_user
from webapp.db import db
from webapp.pages.admin_common import ACTION_LABELS, admin_blueprint, scope_choices
from webapp.pages.common import page_number, paginate
from workflows import audit, dossier, monitor
from workflows.errors import Invalid, NotFound
from workflows.instances import open_tasks

bp = admin_blueprint("admin_monitor")
DONE_MESSAGES = {
    "suspend": "办件已挂起：在恢复之前任何人都不能办理，期限到达也不会自动处理。",
    "resume": "办件已恢复办理。",
    "terminate": "办件已终止，未办理的待办已撤销。",
    "retry": "已重新运行流程，办件恢复办理。",
}


@bp.get("/instances")
def index() -> Any:
    """Instances filtered by process, version, status, scope and overdue."""
    session = db()
    try:
        filters = monitor.InstanceFilter.from_args(request.args)
    except Invalid as exc:
        flash(exc.message, "warning")
        filters = monitor.InstanceFilter()
    page = paginate(session, monitor.search(session, filters), page_number())
    ids = [i.id for i in page.items]
    tasks: dict[int, list[HumanTask]] = {}
    if ids:
        query = select(HumanTask).where(HumanTask.instance_id.in_(ids), HumanTask.status == "open")
        for task in session.scalars(query):
            tasks.setdefault(task.instance_id, []).append(task)
    keys = session.scalars(select(ProcessDefinition.key).distinct().order_by(ProcessDefinition.key)).all()
    units = {u.code: u for u in scope_choices(session)}
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template(
        "admin/instances.html",
        page=page,
        filters=filters,
        tasks=tasks,
        late=monitor.overdue_instances(session, ids),
        keys=keys,
        statuses=INSTANCE_STATUSES,
        units=units,
        scope_names={i.scope_code: _scope_name(session, i.scope_code, units) for i in page.items},
        args=args,
    )


def _scope_name(session: Any, code: str, known: dict[str, OrgUnit]) -> str:
    unit = known.get(code) or session.get(OrgUnit, code)
    return unit.name if unit else code


@bp.get("/instances/<int:instance_id>")
def show(instance_id: int) -> Any:
    """One instance as the administrator sees it: diagram, task data, audit trail, actions."""
    session = db()
    instance = session.get(ProcessInstance, instance_id)
    if instance is None:
        raise NotFound(_("办件不存在"))
    events = audit.events_of(session, instance.id)
    ids = {e.actor_id for e in events}
    actors = {u.id: u for u in session.scalars(select(User).where(User.id.in_(ids))).unique()}
    return render_template(
        "admin/instance.html",
        instance=instance,
        tasks=open_tasks(session, instance.id),
        late=monitor.overdue_instances(session, [instance.id]),
        events=events,
        actors=actors,
        task_data=monitor.task_data(instance),
        allowed=monitor.allowed_actions(instance),
        markers=dossier.element_states(instance, session),
        has_diagram=dossier.has_diagram(instance.definition.bpmn_xml),
        scope=session.get(OrgUnit, instance.scope_code),
        starter=session.get(User, instance.started_by),
        admin_labels=ACTION_LABELS,
    )


@bp.post("/instances/<int:instance_id>/<any(suspend, resume, terminate, retry):action>")
def act(instance_id: int, action: str) -> Any:
    """Suspend, resume, terminate (reason required) or retry; audited with the reason."""
    reason = request.form.get("reason", "")
    try:
        monitor.ACTIONS[action](db(), instance_id, current_user(), reason)
    except Invalid as exc:
        flash(exc.message, "danger")
    else:
        flash(_(DONE_MESSAGES[action]), "success")
    return redirect(url_for(".show", instance_id=instance_id))
