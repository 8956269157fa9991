"""Starting a proposal from a call page, and drafts prefilled from the call (the rubric to
score, the ranking to start from, the objections to rule on).

Imported by the web layer only: it needs the engine service, which imports the service
catalog, which imports the funding operators.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Draft, FundingCall, FundingProposal, HumanTask, Organization, ProcessInstance, User
from workflows.drafts import get_draft, save_draft
from workflows.engine import engine_now
from workflows.errors import Forbidden, NotFound
from workflows.funding_calls import latest_round, ranked
from workflows.funding_common import APPLICATION_PROCESS, dec, get_call, stored
from workflows.funding_objections import open_objections
from workflows.funding_proposals import check_may_apply
from workflows.instances import check_can_act, get_task_for, open_tasks, start_instance

APPLY_TASK = "apply"


def start_application(session: Session, user: User, call_id: int, organization_id: Any) -> ProcessInstance:
    """Start a proposal to the call for an organization the user acts for; refused with the
    reason when the organization may not apply. The application form opens prefilled."""
    call = get_call(session, call_id)
    org = session.get(Organization, int(organization_id)) if str(organization_id).isdigit() else None
    if org is None:
        raise NotFound("申报组织不存在")
    if not user.has_role("applicant"):
        raise Forbidden("只有社会组织的申请人可以申报项目")
    check_may_apply(session, user, call, org, engine_now())
    instance = start_instance(session, APPLICATION_PROCESS, user)
    task = next(t for t in open_tasks(session, instance.id) if t.bpmn_id == APPLY_TASK)
    seed: dict[str, Any] = {"call_id": call.id, "organization_id": org.id}
    if org.service_field in call.fields:
        seed["project_field"] = org.service_field
    if org.groups_served:
        seed["project_groups"] = list(org.groups_served)
    save_draft(session, task.id, user, seed, stage=0)
    return instance


def _call_of_task(session: Session, task: HumanTask) -> FundingCall:
    call = session.scalar(select(FundingCall).where(FundingCall.instance_id == task.instance_id))
    if call is None:
        proposal = session.scalar(
            select(FundingProposal).where(FundingProposal.instance_id == task.instance_id)
        )
        call = session.get(FundingCall, proposal.call_id) if proposal else None
    if call is None:
        raise NotFound("该任务不属于资助批次")
    return call


def ranking_seed(session: Session, call: FundingCall) -> dict[str, Any]:
    """The ranking in score order, taking each project at its request while the budget allows."""
    left = dec(call.budget)
    rows: list[dict[str, Any]] = []
    for proposal in ranked(session, call):
        amount = min(dec(proposal.budget_total), dec(call.max_per_project))
        if amount <= left:
            left -= amount
            label = f"第{len(rows) + 1}名 {proposal.title}（{proposal.score}分）"
            rows.append({"proposal_id": proposal.id, "project": label, "amount": stored(amount)})
    return {"funded_list": rows}


def objections_seed(session: Session, call: FundingCall) -> dict[str, Any]:
    """One row per objection waiting for a ruling."""
    current = latest_round(session, call)
    pending = open_objections(session, current.id) if current else []
    return {
        "resolutions": [
            {"objection_id": o.id, "objection_summary": f"#{o.id} 申报编号{o.proposal_id}：{o.content[:200]}"}
            for o in pending
        ]
    }


def review_seed(call: FundingCall) -> dict[str, Any]:
    """The rubric's criteria to score."""
    return {"criterion_scores": [{"criterion": c["name"], "score": None, "remark": ""} for c in call.rubric]}


def prefill_draft(session: Session, task_id: int, user: User) -> Draft | None:
    """Prefill the user's draft of a funding task from the call (never over an existing draft)."""
    task = get_task_for(session, task_id, user)
    check_can_act(user, task)
    existing = get_draft(session, task, user)
    if existing is not None:
        return existing
    call = _call_of_task(session, task)
    seeds = {
        "funding.review": lambda: review_seed(call),
        "funding.ranking": lambda: ranking_seed(session, call),
        "funding.objections": lambda: objections_seed(session, call),
    }
    seed = seeds.get(task.form_key)
    if seed is None:
        return None
    return save_draft(session, task.id, user, seed(), stage=0)
