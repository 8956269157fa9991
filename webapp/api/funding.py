"""Funding calls, proposals, the ledger and totals, supervision cases, and the public notice
with its objection form (the notice endpoints need no token)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request
from sqlalchemy import select

from models import FundingCall
from webapp.api.common import caller, json_body, page_number, paginate, whole_list
from webapp.api.schemas import instance_json
from webapp.db import db
from workflows import funding_views as views
from workflows.engine import engine_now
from workflows.errors import Invalid
from workflows.funding_apply import prefill_draft, start_application
from workflows.funding_common import get_call, stamp
from workflows.funding_ledger import totals
from workflows.funding_objections import file_objection, objection_data
from workflows.funding_projects import close_supervision_case, open_supervision_case
from workflows.funding_public import notice_summary, noticed_calls, public_notice

bp = Blueprint("funding", __name__)


@bp.get("/funding/calls")
def list_calls() -> Any:
    """Every funding call, newest first."""
    session = db()
    query = select(FundingCall).order_by(FundingCall.id.desc())
    return jsonify(paginate(session, query, lambda call: views.call_json(session, call), page_number()))


@bp.get("/funding/calls/<int:call_id>")
def show_call(call_id: int) -> Any:
    """The call with the proposals the caller may see; the office also gets objections and ledger."""
    session = db()
    return jsonify(views.call_detail(session, get_call(session, call_id), caller()))


@bp.post("/funding/calls/<int:call_id>/applications")
def apply(call_id: int) -> Any:
    """Start a proposal for `organization_id`; 201 with the case and its prefilled application task."""
    session = db()
    instance = start_application(session, caller(), call_id, json_body().get("organization_id"))
    return jsonify(instance_json(session, instance)), 201


@bp.get("/funding/calls/<int:call_id>/ledger")
def call_ledger(call_id: int) -> Any:
    """The call's ledger (office staff)."""
    session = db()
    return jsonify(views.ledger_for(session, caller(), get_call(session, call_id)))


@bp.get("/funding/totals")
def funding_totals() -> Any:
    """Funded and paid amounts per call, per county and per field."""
    return jsonify(totals(db()))


@bp.get("/funding/proposals/<int:proposal_id>")
def show_proposal(proposal_id: int) -> Any:
    """One proposal: plan, panel (as far as the caller may see it), payments, sanctions."""
    session, user = db(), caller()
    return jsonify(views.proposal_detail(session, views.get_proposal_for(session, proposal_id, user), user))


@bp.get("/funding/organizations/<int:org_id>")
def organization_history(org_id: int) -> Any:
    """An organization's funding history and supervision cases."""
    return jsonify(views.organization_history(db(), org_id, caller()))


@bp.post("/funding/tasks/<int:task_id>/prefill")
def prefill(task_id: int) -> Any:
    """Load the rubric, the suggested ranking or the pending objections into the caller's draft."""
    draft = prefill_draft(db(), task_id, caller())
    if draft is None:
        return jsonify({"task_id": task_id, "prefilled": False})
    return jsonify({"task_id": task_id, "prefilled": True, "data": draft.data, "stage": draft.stage})


@bp.get("/funding/supervisions")
def list_supervisions() -> Any:
    """Supervision cases of one organization (`organization_id`)."""
    raw = request.args.get("organization_id", "")
    if not raw.isdigit():
        raise Invalid("请提供 organization_id", fields={"organization_id": ["必须是整数"]})
    history = views.organization_history(db(), int(raw), caller())
    items = history["supervisions"]
    return jsonify(whole_list(items))


@bp.post("/funding/supervisions")
def open_supervision() -> Any:
    """Open a supervision case on an organization (it may not apply for funding while open)."""
    body = json_body()
    org_id = body.get("organization_id")
    if not isinstance(org_id, int):
        raise Invalid("organization_id 必须是整数", fields={"organization_id": ["必须是整数"]})
    case = open_supervision_case(
        db(), caller(), org_id, str(body.get("reason") or ""), str(body.get("basis") or "")
    )
    return jsonify(views.supervision_json(case)), 201


@bp.post("/funding/supervisions/<int:case_id>/close")
def close_supervision(case_id: int) -> Any:
    """Close a supervision case after rectification."""
    case = close_supervision_case(db(), caller(), case_id, str(json_body().get("note") or ""))
    return jsonify(views.supervision_json(case))


# --- public -----------------------------------------------------------------------------------------


@bp.get("/funding/notices")
def list_notices() -> Any:
    """Published notices of funded lists (no token needed)."""
    session = db()
    items = [notice_summary(call, row) for call, row in noticed_calls(session)]
    return jsonify(whole_list(items))


@bp.get("/funding/notices/<int:call_id>")
def show_notice(call_id: int) -> Any:
    """One public notice: the funded list, its period, the experts (no token needed)."""
    return jsonify(public_notice(db(), call_id, engine_now()))


@bp.post("/funding/notices/<int:call_id>/objections")
def object_to(call_id: int) -> Any:
    """File a written objection during the notice: name and contact are required (no token needed)."""
    session = db()
    clean = objection_data(json_body())
    objection = file_objection(session, call_id, clean, engine_now(), source="api")
    return jsonify(
        {"id": objection.id, "status": objection.status, "filed_at": stamp(objection.filed_at)}
    ), 201
