"""The call (`funding_call`): opening it, closing the window, ranking, the funded list within the
budget, the leader's approval, and the final decision sent to every proposal instance waiting
for it (the public notice and its objections are in `funding_objections`)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import (
    FundingCall,
    FundingProposal,
    FundingRound,
    OrgUnit,
    ProcessInstance,
    User,
    UserRole,
)
from workflows.context import RunContext
from workflows.errors import Conflict, Invalid
from workflows.funding_common import (
    call_of,
    dec,
    deliver,
    office_users,
    start_of_day,
    stored,
    tell,
    tell_applicant,
    yuan,
)
from workflows.funding_panel import EXPERT_ROLE
from workflows.official_text import end_of_day
from workflows.services import record_run, service

REVIEWING = ("submitted", "street_review", "scoring")
LISTABLE = ("scored", "listed")
WAITING = ("scored", "listed", "dropped")


def ranked(session: Session, call: FundingCall) -> list[FundingProposal]:
    """The call's scored proposals, best first (ties: the earlier submission)."""
    query = (
        select(FundingProposal)
        .where(FundingProposal.call_id == call.id, FundingProposal.status.in_(LISTABLE))
        .order_by(FundingProposal.score.desc(), FundingProposal.submitted_at, FundingProposal.id)
    )
    return list(session.scalars(query))


def latest_round(session: Session, call: FundingCall) -> FundingRound | None:
    """The call's newest funded-list round."""
    query = select(FundingRound).where(FundingRound.call_id == call.id).order_by(FundingRound.number.desc())
    return session.scalars(query.limit(1)).first()


# --- opening and closing the window --------


def _call_problems(ctx: RunContext, data: Mapping[str, Any], closes_at: datetime) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if closes_at <= ctx.now:
        errors["call_closes_on"] = ["申报截止日期不能早于今天。"]
    office = ctx.actor.org_unit if ctx.actor else ctx.scope
    area = ctx.session.get(OrgUnit, str(data.get("call_area")))
    if area is None or not area.is_within(office):
        errors["call_area"] = [f"申报范围只能是{office.name}或其下辖的县（市、区）。"]
    experts = ctx.session.scalar(
        select(func.count(User.id))
        .join(UserRole)
        .where(UserRole.role_key == EXPERT_ROLE, User.active.is_(True))
    )
    wanted = int(data.get("experts_per_proposal") or 0)
    if (experts or 0) < wanted:
        errors["experts_per_proposal"] = [f"专家库现有评审专家{experts}人，少于每个项目所需的{wanted}人。"]
    return errors


@service("funding_open_call")
def open_call(ctx: RunContext, data: dict[str, Any]) -> dict[str, Any]:
    """Register the call with its rules; its window opens and closes on the given days."""
    closes_at = end_of_day(date.fromisoformat(str(data["call_closes_on"])))
    errors = _call_problems(ctx, data, closes_at)
    if errors:
        raise Invalid("资助批次方案有误，请按提示修改", fields=errors)
    office = ctx.actor.org_unit_code if ctx.actor else ctx.instance.scope_code
    call = FundingCall(
        instance_id=ctx.instance.id,
        office_code=office,
        area_code=str(data["call_area"]),
        title=str(data["call_title"]),
        kind=str(data["call_kind"]),
        fields=list(data["call_fields"]),
        description=str(data.get("call_description") or ""),
        budget=stored(dec(data["call_budget"])),
        max_per_project=stored(dec(data["call_max_per_project"])),
        opens_at=start_of_day(date.fromisoformat(str(data["call_opens_on"]))),
        closes_at=closes_at,
        rubric=[
            {
                "name": str(r["criterion_name"]).strip(),
                "weight": int(r["criterion_weight"]),
                "guide": str(r.get("criterion_guide") or ""),
            }
            for r in data["rubric"]
        ],
        tranches=[int(data["tranche_first"]), int(data["tranche_second"]), int(data["tranche_final"])],
        experts_per_proposal=int(data["experts_per_proposal"]),
        outlier_threshold=float(data["outlier_threshold"]),
        notice_days=int(data["notice_days"]),
        created_by=ctx.actor.id if ctx.actor else ctx.instance.started_by,
        created_at=ctx.now,
    )
    ctx.session.add(call)
    ctx.session.flush()
    record_run(ctx, "funding_call_opened", call=call.id, budget=call.budget, closes_at=closes_at.isoformat())
    return {"id": call.id, "closes_at": closes_at.isoformat()}


@service("funding_close_window")
def close_window(ctx: RunContext, data: dict[str, Any]) -> int:
    """The window has closed: review goes on; returns how many proposals came in."""
    call = call_of(ctx)
    call.status = "reviewing"
    count = ctx.session.scalar(
        select(func.count(FundingProposal.id)).where(FundingProposal.call_id == call.id)
    )
    record_run(ctx, "funding_window_closed", call=call.id, proposals=count)
    tell(
        ctx.session,
        office_users(ctx.session, call),
        "资助批次申报截止",
        f"“{call.title}”申报已截止，共收到{count}份申请。评审完成后请拟定资助名单。",
        f"/funding/calls/{call.id}",
    )
    return int(count or 0)


# --- the funded list --------


def _list_rows(data: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [row for row in data.get("funded_list") or [] if isinstance(row, Mapping)]


def list_problems(
    call: FundingCall, rows: list[Mapping[str, Any]], by_id: dict[int, FundingProposal]
) -> list[str]:
    """What is wrong with a proposed list: unknown or unscored projects, amounts, duplicates."""
    problems = []
    ids = [int(row["proposal_id"]) for row in rows]
    if len(set(ids)) != len(ids):
        problems.append("同一项目在名单中出现了多次。")
    for row in rows:
        proposal = by_id.get(int(row["proposal_id"]))
        if proposal is None:
            problems.append(f"申报编号 {row['proposal_id']} 不是本批次已完成评审、可列入名单的项目。")
        elif dec(row["amount"]) > dec(proposal.budget_total) or dec(row["amount"]) > dec(
            call.max_per_project
        ):
            problems.append(f"“{proposal.title}”的拟资助金额超过其申请额或单个项目上限。")
    return problems


def _skipped(ranking: list[FundingProposal], chosen: set[int]) -> list[FundingProposal]:
    """Better-ranked proposals left out while a worse-ranked one is in."""
    if not chosen:
        return []
    last = max(i for i, p in enumerate(ranking) if p.id in chosen)
    return [p for p in ranking[:last] if p.id not in chosen]


def _check_explained(ranking: list[FundingProposal], rows: list[Mapping[str, Any]], comment: str) -> None:
    """Leaving out a better-ranked project, or funding none, needs a reason."""
    skipped = _skipped(ranking, {int(row["proposal_id"]) for row in rows})
    if skipped and not comment:
        names = "、".join(p.title for p in skipped)
        raise Invalid(
            "名单未按评分排名", fields={"ranking_comment": [f"排名在前的项目未列入（{names}），须说明理由。"]}
        )
    if not rows and not comment:
        raise Invalid("资助名单为空", fields={"ranking_comment": ["不资助任何项目时须说明理由。"]})


@service("funding_propose_list")
def propose_list(ctx: RunContext, data: dict[str, Any]) -> dict[str, Any]:
    """Check the office's list (review finished, within the budget, ranked) and keep it as a round."""
    session, call = ctx.session, call_of(ctx)
    pending = session.scalar(
        select(func.count(FundingProposal.id)).where(
            FundingProposal.call_id == call.id, FundingProposal.status.in_(REVIEWING)
        )
    )
    if pending:
        raise Conflict(f"本批次尚有{pending}份申请未完成评审，评审完成后再拟定资助名单。")
    ranking = ranked(session, call)
    for position, proposal in enumerate(ranking, start=1):
        proposal.rank = position
    rows = _list_rows(data)
    problems = list_problems(call, rows, {p.id: p for p in ranking})
    total = sum((dec(row["amount"]) for row in rows), Decimal(0))
    if total > dec(call.budget):
        problems.append(
            f"拟资助总额 {yuan(total)}超出批次预算 {yuan(call.budget)}"
            f"（超出 {yuan(total - dec(call.budget))}）。"
        )
    if problems:
        raise Invalid("拟资助名单不符合要求", fields={"funded_list": problems})
    _check_explained(ranking, rows, str(data.get("ranking_comment") or "").strip())
    by_id = {p.id: p for p in ranking}
    entries = [
        {
            "proposal_id": int(r["proposal_id"]),
            "rank": by_id[int(r["proposal_id"])].rank,
            "score": by_id[int(r["proposal_id"])].score,
            "amount": stored(dec(r["amount"])),
        }
        for r in rows
    ]
    previous = latest_round(session, call)
    current = FundingRound(
        call_id=call.id,
        number=(previous.number + 1) if previous else 1,
        entries=entries,
        total=stored(total),
        comment=str(data.get("ranking_comment") or ""),
        proposed_by=ctx.actor.id if ctx.actor else call.created_by,
        proposed_at=ctx.now,
    )
    session.add(current)
    call.status = "approving"
    record_run(
        ctx, "funding_list_proposed", call=call.id, round=current.number, total=current.total, entries=entries
    )
    return {"round": current.number, "total": current.total}


@service("funding_record_list_decision")
def record_list_decision(ctx: RunContext, data: dict[str, Any]) -> None:
    """The leader approved the list for the notice, or returned it."""
    call = call_of(ctx)
    current = latest_round(ctx.session, call)
    assert current is not None
    approved = data.get("decision") == "approve"
    current.status = "approved" if approved else "returned"
    current.decided_by = ctx.actor.id if ctx.actor else None
    current.decided_at, current.decision_comment = ctx.now, str(data.get("comment") or "")
    if not approved:
        call.status = "reviewing"
    record_run(
        ctx,
        "funding_list_" + current.status,
        call=call.id,
        round=current.number,
        comment=current.decision_comment,
    )


# --- the decision --------


def _waiting(session: Session, call: FundingCall) -> list[FundingProposal]:
    query = (
        select(FundingProposal)
        .join(ProcessInstance, ProcessInstance.id == FundingProposal.instance_id)
        .where(FundingProposal.call_id == call.id, FundingProposal.status.in_(WAITING))
        .order_by(FundingProposal.instance_id)
    )
    return list(session.scalars(query))


def _undelivered(ctx: RunContext, call: FundingCall, proposal: FundingProposal) -> None:
    """A proposal whose case an administrator stopped: the office hears about it."""
    record_run(
        ctx, "funding_result_undelivered", call=call.id, proposal=proposal.id, instance=proposal.instance_id
    )
    tell(
        ctx.session,
        office_users(ctx.session, call),
        "资助结果未能送达申报流程",
        f"申报编号 {proposal.id} 的办件已被挂起或终止，资助结果未送达，请联系系统管理员处理。",
        f"/funding/calls/{call.id}",
    )


@service("funding_finalize")
def finalize(ctx: RunContext, data: dict[str, Any]) -> int:
    """Fix the funded list and tell every waiting proposal its result (agreements follow).
    Returns how many projects are funded."""
    session, call = ctx.session, call_of(ctx)
    funded = 0
    for proposal in _waiting(session, call):
        listed = proposal.status == "listed"
        if not listed and proposal.status == "scored":
            proposal.status = "not_funded"
            proposal.result_reason = f"评审排名第{proposal.rank}，未列入资助名单。"
        payload = {
            "funded": listed,
            "amount": proposal.approved_amount if listed else 0,
            "rank": proposal.rank,
            "reason": proposal.result_reason,
        }
        funded += listed
        if not listed:
            tell_applicant(ctx, proposal, "未获资助", proposal.result_reason)
        if not deliver(ctx, proposal.instance_id, payload):
            _undelivered(ctx, call, proposal)
    call.status, call.finalized_at = "finalized", ctx.now
    record_run(ctx, "funding_list_finalized", call=call.id, funded=funded)
    return funded
