"""Funding pages: the calls, a call with its proposals, scores and status, its ledger, one
proposal, an organization's funding history; applying from a call and opening a task with its
prefilled draft. Public notices are in `webapp.public_funding`."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from models import FundingCall, HumanTask
from webapp.auth import current_user, login_required
from webapp.db import db
from workflows import funding_views as views
from workflows.assignment import actionable_clause
from workflows.funding_apply import prefill_draft, start_application
from workflows.funding_common import get_call
from workflows.registration import organizations_of

bp = Blueprint("funding", __name__)


@bp.get("/funding/calls")
@login_required
def calls() -> Any:
    """Every call, newest first; the office may start a new one."""
    session = db()
    rows = session.scalars(select(FundingCall).order_by(FundingCall.id.desc())).all()
    items = [views.call_json(session, call) for call in rows]
    return render_template(
        "funding/calls.html", calls=items, can_create=current_user().has_role("city_civil_affairs")
    )


def _call_tasks(call: FundingCall, proposal_instances: list[int]) -> list[HumanTask]:
    """Open tasks of the call and of its visible proposals that the user may act on now."""
    ids = [call.instance_id, *proposal_instances]
    query = select(HumanTask).where(HumanTask.instance_id.in_(ids), actionable_clause(current_user()))
    return list(db().scalars(query.order_by(HumanTask.id)))


@bp.get("/funding/calls/<int:call_id>")
@login_required
def call(call_id: int) -> Any:
    """The call page: rules, proposals with scores and status, list rounds, objections, money."""
    session, user = db(), current_user()
    record = get_call(session, call_id)
    detail = views.call_detail(session, record, user)
    tasks = _call_tasks(record, [p["instance_id"] for p in detail["proposals"]])
    titles = {p["instance_id"]: p["title"] for p in detail["proposals"]}
    orgs = organizations_of(session, user) if user.has_role("applicant") and record.status == "open" else []
    return render_template("funding/call.html", call=detail, tasks=tasks, titles=titles, orgs=orgs)


@bp.post("/funding/calls/<int:call_id>/apply")
@login_required
def apply(call_id: int) -> Any:
    """Start a proposal for the chosen organization and open its prefilled application form."""
    session, user = db(), current_user()
    instance = start_application(session, user, call_id, request.form.get("organization_id", ""))
    task = session.scalar(
        select(HumanTask).where(HumanTask.instance_id == instance.id, HumanTask.status == "open")
    )
    flash(_("已创建资助申请（编号 %(id)s），请填写申请书。", id=instance.id), "success")
    return redirect(
        url_for("pages.tasks.show", task_id=task.id) if task else url_for(".call", call_id=call_id)
    )


@bp.get("/funding/calls/<int:call_id>/ledger")
@login_required
def ledger(call_id: int) -> Any:
    """The call's ledger: budget = funded + remaining, per county and field, every payment."""
    session, user = db(), current_user()
    record = get_call(session, call_id)
    book = views.ledger_for(session, user, record)
    return render_template("funding/ledger.html", call=views.call_json(session, record), book=book)


@bp.get("/funding/proposals/<int:proposal_id>")
@login_required
def proposal(proposal_id: int) -> Any:
    """One proposal: plan, budget, panel, payments and sanctions."""
    session, user = db(), current_user()
    found = views.get_proposal_for(session, proposal_id, user)
    detail = views.proposal_detail(session, found, user)
    return render_template(
        "funding/proposal.html", p=detail, call=views.call_json(session, get_call(session, found.call_id))
    )


@bp.get("/funding/organizations/<int:org_id>")
@login_required
def organization(org_id: int) -> Any:
    """An organization's funding history and supervision cases."""
    return render_template(
        "funding/organization.html", h=views.organization_history(db(), org_id, current_user())
    )


@bp.post("/funding/tasks/<int:task_id>/prefill")
@login_required
def prefill(task_id: int) -> Any:
    """Load the rubric, the suggested ranking or the pending objections, then open the task."""
    prefill_draft(db(), task_id, current_user())
    return redirect(url_for("pages.tasks.show", task_id=task_id))
