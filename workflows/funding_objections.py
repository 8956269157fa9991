"""The public notice (公示) of a call's approved list: publishing it for the call's working days,
written objections from anyone while it runs, and the office's ruling on each after it ends —
an upheld objection drops its project and sends the office back to the list."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from forms.binding import to_formdata, validate_stage
from forms.funding import ObjectionForm
from forms.registry import Stage
from models import FundingObjection, FundingProposal, FundingRound
from workflows import audit
from workflows.context import RunContext
from workflows.errors import Conflict, Invalid
from workflows.funding_calls import latest_round, ranked
from workflows.funding_common import call_of, get_call, office_users, tell, tell_applicant
from workflows.services import record_run, service


@service("funding_publish_notice")
def publish_notice(ctx: RunContext, data: dict[str, Any]) -> dict[str, Any]:
    """Publish the approved list for the call's notice period (working days)."""
    session, call = ctx.session, call_of(ctx)
    current = latest_round(session, call)
    assert current is not None and current.status == "approved"
    ends = datetime.fromisoformat(ctx.helpers()["add_working_days"](call.notice_days))
    current.notice_starts_at, current.notice_ends_at = ctx.now, ends
    amounts = {int(e["proposal_id"]): e["amount"] for e in current.entries}
    for proposal in ranked(session, call):
        listed = proposal.id in amounts
        proposal.status = "listed" if listed else "scored"
        proposal.approved_amount = amounts.get(proposal.id)
        proposal.updated_at = ctx.now
    call.status = "notice"
    record_run(ctx, "funding_notice_published", call=call.id, round=current.number, ends_at=ends.isoformat())
    return {"round": current.number, "ends_at": ends.isoformat()}


def open_objections(session: Session, round_id: int) -> list[FundingObjection]:
    """Objections of a notice round not yet ruled on."""
    query = select(FundingObjection).where(
        FundingObjection.round_id == round_id, FundingObjection.status == "open"
    )
    return list(session.scalars(query.order_by(FundingObjection.id)))


@service("funding_close_notice")
def close_notice(ctx: RunContext, data: dict[str, Any]) -> int:
    """The notice period is over; returns how many objections wait for a ruling."""
    call = call_of(ctx)
    current = latest_round(ctx.session, call)
    assert current is not None
    count = len(open_objections(ctx.session, current.id))
    call.status = "objections" if count else call.status
    record_run(ctx, "funding_notice_closed", call=call.id, round=current.number, objections=count)
    return count


def _in_notice(row: FundingRound, now: datetime) -> bool:
    starts, ends = row.notice_starts_at, row.notice_ends_at
    return starts is not None and ends is not None and starts <= now <= ends


_OBJECTION = Stage("objection", "书面异议", ObjectionForm)


def objection_data(data: Mapping[str, Any]) -> dict[str, Any]:
    """An objection validated with the public form (JSON or a posted form); Invalid with field errors."""
    result = validate_stage(_OBJECTION, to_formdata(ObjectionForm, data))
    if result.errors:
        raise Invalid("异议信息有误，请按提示修改", fields=result.errors)
    return result.data


def file_objection(
    session: Session, call_id: int, data: Mapping[str, Any], now: datetime, source: str = ""
) -> FundingObjection:
    """A written, signed objection filed by anyone during the notice (a service unit of work)."""
    call = get_call(session, call_id)
    current = latest_round(session, call)
    if current is None or call.status != "notice" or not _in_notice(current, now):
        raise Conflict("该资助批次当前不在公示期内，不能提出异议。")
    listed = {int(e["proposal_id"]) for e in current.entries}
    proposal_id = int(data["proposal_id"])
    if proposal_id not in listed:
        raise Invalid("异议项目不在公示名单中", fields={"proposal_id": ["请选择公示名单中的项目。"]})
    objection = FundingObjection(
        call_id=call.id,
        round_id=current.id,
        proposal_id=proposal_id,
        name=str(data["objector_name"]).strip(),
        contact=str(data["objector_contact"]).strip(),
        content=str(data["objection_content"]).strip(),
        filed_at=now,
    )
    session.add(objection)
    session.flush()
    details = {"call": call.id, "objection": objection.id, "proposal": proposal_id, "source": source}
    audit.record(session, "funding_objection_filed", instance_id=call.instance_id, at=now, details=details)
    tell(
        session,
        office_users(session, call),
        "收到公示异议",
        f"“{call.title}”公示期间收到对申报编号 {proposal_id} 的书面异议，公示期满后须逐件处理。",
        f"/funding/calls/{call.id}",
    )
    session.commit()
    return objection


def _rulings(data: Mapping[str, Any], pending: dict[int, FundingObjection]) -> dict[int, Mapping[str, Any]]:
    rows = [row for row in data.get("resolutions") or [] if isinstance(row, Mapping)]
    by_id = {int(row["objection_id"]): row for row in rows}
    problems = []
    if len(by_id) != len(rows):
        problems.append("同一件异议只能处理一次。")
    unknown = sorted(set(by_id) - set(pending))
    missing = sorted(set(pending) - set(by_id))
    if unknown:
        problems.append(f"不是本次公示待处理的异议：{'、'.join(f'#{i}' for i in unknown)}。")
    if missing:
        problems.append(f"尚未处理的异议：{'、'.join(f'#{i}' for i in missing)}。")
    if problems:
        raise Invalid("异议处理不完整", fields={"resolutions": problems})
    return by_id


@service("funding_apply_rulings")
def apply_rulings(ctx: RunContext, data: dict[str, Any]) -> int:
    """Rule on every objection; an upheld one drops its project. Returns how many projects dropped."""
    session, call = ctx.session, call_of(ctx)
    current = latest_round(session, call)
    assert current is not None
    pending = {o.id: o for o in open_objections(session, current.id)}
    dropped: set[int] = set()
    for objection_id, row in _rulings(data, pending).items():
        objection = pending[objection_id]
        objection.status, objection.resolution = str(row["outcome"]), str(row["reason"])
        objection.resolved_by = ctx.actor.id if ctx.actor else None
        objection.resolved_at = ctx.now
        if objection.status == "upheld":
            dropped.add(objection.proposal_id)
    for proposal_id in sorted(dropped):
        proposal = session.get(FundingProposal, proposal_id)
        assert proposal is not None
        reasons = "；".join(
            pending[o].resolution
            for o in pending
            if pending[o].proposal_id == proposal_id and pending[o].status == "upheld"
        )
        proposal.status, proposal.approved_amount = "dropped", None
        proposal.result_reason, proposal.updated_at = f"公示期异议成立：{reasons}", ctx.now
        tell_applicant(ctx, proposal, "公示异议成立，取消资助", proposal.result_reason)
    current.status = "closed"
    call.status = "reviewing" if dropped else call.status
    record_run(ctx, "funding_objections_ruled", call=call.id, round=current.number, dropped=sorted(dropped))
    return len(dropped)
