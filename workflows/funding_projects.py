"""A funded project (`funding_application` after the result): the numbered agreement, every
tranche paid and who approved it, late reports (通报), the mid-term evaluation with suspension
or termination, acceptance (结项验收) and completion. Also the organization-level supervision
case that bars an organization from applying while it is open."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from forms.registration import GROUPS_SERVED
from models import (
    FundingPayment,
    FundingProposal,
    FundingSanction,
    Organization,
    OrganizationSupervision,
    OrgUnit,
    Submission,
    User,
    utcnow,
)
from models.funding import TRANCHE_LABELS, TRANCHE_STAGES
from workflows import audit
from workflows.context import RunContext
from workflows.errors import Conflict, Forbidden, Invalid, NotFound
from workflows.funding_common import (
    add_days,
    dec,
    get_call,
    iso,
    local_day,
    office_users,
    proposal_of,
    stored,
    tell,
    tell_applicant,
    yuan,
)
from workflows.official_text import cn_date, end_of_day
from workflows.services import issue_for_run, record_run, service

POLICY = "《晋中市关于大力培育发展社区社会组织的实施方案》（市民发〔2019〕54号）"
GROUP_LABELS = dict(GROUPS_SERVED)
REPORT_GRACE_DAYS = 30
SUPERVISING_ROLES = frozenset({"county_registrar", "county_leader", "city_civil_affairs", "plac_officer"})
STAGE_NAMES = {"midterm": "中期报告", "final": "结项报告"}


def tranche_amounts(amount: Any, percents: list[int]) -> list[Decimal]:
    """The three tranches of an amount; the last takes the rounding so that they add up exactly."""
    total = dec(amount)
    first = dec(total * percents[0] / 100)
    second = dec(total * percents[1] / 100)
    return [first, second, total - first - second]


def report_dues(proposal: FundingProposal, today: date) -> tuple[datetime, datetime]:
    """Mid-term report half-way through the project, final report a month after its end; each at
    least a month after the previous milestone."""
    midpoint = proposal.start_date + (proposal.end_date - proposal.start_date) / 2
    midterm = max(midpoint, add_days(today, REPORT_GRACE_DAYS))
    final = max(add_days(proposal.end_date, REPORT_GRACE_DAYS), add_days(midterm, REPORT_GRACE_DAYS))
    return end_of_day(midterm), end_of_day(final)


def _issue(ctx: RunContext, proposal: FundingProposal, kind: str, title: str, content: dict[str, Any]) -> Any:
    call = get_call(ctx.session, proposal.call_id)
    issuer = ctx.session.get(OrgUnit, call.office_code)
    assert issuer is not None
    return issue_for_run(ctx, issuer=issuer, kind=kind, content=content, title=title)


def _agreement_text(ctx: RunContext, proposal: FundingProposal, org: Organization) -> dict[str, Any]:
    call = get_call(ctx.session, proposal.call_id)
    amounts = tranche_amounts(proposal.approved_amount, call.tranches)
    split = "；".join(
        f"{TRANCHE_LABELS[stage]} {pct}%，计 {yuan(amt)}"
        for stage, pct, amt in zip(TRANCHE_STAGES, call.tranches, amounts, strict=True)
    )
    groups = "、".join(GROUP_LABELS.get(g, g) for g in proposal.groups_served)
    paragraphs = [
        f"根据{POLICY}和“{call.title}”申报指南，经资格预审、专家评审和社会公示，甲方同意资助乙方"
        f"（{org.name}）实施“{proposal.title}”项目。双方约定如下：",
        f"一、资助金额为人民币 {yuan(proposal.approved_amount)}，分期拨付：{split}。",
        f"二、项目实施期为{cn_date(proposal.start_date)}至{cn_date(proposal.end_date)}，"
        f"实施地点为{proposal.location}，服务对象为{groups}。",
        f"三、乙方应于{cn_date(proposal.midterm_due)}前提交中期报告，于{cn_date(proposal.final_due)}前提交"
        "结项报告及资金使用决算；逾期未报的，甲方予以通报。",
        "四、资助资金专款专用，不得转包、挪用；乙方接受甲方、审计部门和社会监督。中期评估不合格的，甲方可"
        "暂停拨款、责令限期整改或终止项目，项目终止后未拨付资金不再拨付。",
        "五、本协议经乙方在平台签署后生效。",
    ]
    items = [
        ["申报编号", str(proposal.id)],
        ["项目名称", proposal.title],
        ["承接组织", org.name],
        ["资助金额", yuan(proposal.approved_amount)],
        ["中期报告截止", cn_date(proposal.midterm_due)],
        ["结项报告截止", cn_date(proposal.final_due)],
    ]
    return {"recipient": org.name, "paragraphs": paragraphs, "items": items}


@service("funding_issue_agreement")
def issue_agreement(ctx: RunContext, data: dict[str, Any]) -> dict[str, Any]:
    """The numbered agreement (PDF) of a funded project, with its report deadlines."""
    proposal = proposal_of(ctx)
    org = ctx.session.get(Organization, proposal.organization_id)
    assert org is not None
    proposal.midterm_due, proposal.final_due = report_dues(proposal, local_day(ctx.now))
    doc = _issue(ctx, proposal, "funding_agreement", "项目资助协议", _agreement_text(ctx, proposal, org))
    proposal.agreement_document_id, proposal.agreement_number = doc.id, doc.number
    proposal.status, proposal.updated_at = "funded", ctx.now
    tell_applicant(
        ctx,
        proposal,
        "获得资助，请签订资助协议",
        f"“{proposal.title}”获资助 {yuan(proposal.approved_amount)}，协议编号 {doc.number}。",
    )
    return {"id": doc.id, "number": doc.number}


@service("funding_record_signing")
def record_signing(ctx: RunContext, data: dict[str, Any]) -> dict[str, Any]:
    """The organization signed: the project starts; the tranches and deadlines for the process."""
    proposal = proposal_of(ctx)
    call = get_call(ctx.session, proposal.call_id)
    proposal.signed_at, proposal.signatory = ctx.now, str(data.get("signatory") or "")
    proposal.status, proposal.updated_at = "active", ctx.now
    assert proposal.midterm_due is not None and proposal.final_due is not None
    record_run(ctx, "funding_agreement_signed", proposal=proposal.id, signatory=proposal.signatory)
    amounts = tranche_amounts(proposal.approved_amount, call.tranches)
    return {
        "tranches": [stored(a) for a in amounts],
        "midterm_due": iso(proposal.midterm_due),
        "final_due": iso(proposal.final_due),
    }


@service("funding_record_payment")
def record_payment(ctx: RunContext, data: dict[str, Any], stage: str) -> dict[str, Any]:
    """Record a tranche as paid: amount from the agreement, date and voucher from the office."""
    proposal = proposal_of(ctx)
    call = get_call(ctx.session, proposal.call_id)
    index = TRANCHE_STAGES.index(stage)
    amount = tranche_amounts(proposal.approved_amount, call.tranches)[index]
    payment = FundingPayment(
        call_id=call.id,
        proposal_id=proposal.id,
        stage=stage,
        percent=call.tranches[index],
        amount=stored(amount),
        paid_on=date.fromisoformat(str(data["paid_on"])),
        voucher_no=str(data.get("voucher_no") or ""),
        note=str(data.get("payment_note") or ""),
        approved_by=ctx.actor.id if ctx.actor else 0,
        recorded_at=ctx.now,
    )
    ctx.session.add(payment)
    ctx.session.flush()
    record_run(ctx, "funding_payment_recorded", proposal=proposal.id, stage=stage, amount=payment.amount)
    tell_applicant(
        ctx, proposal, "资金已拨付", f"“{proposal.title}”{TRANCHE_LABELS[stage]} {yuan(amount)}已拨付。"
    )
    return {"stage": stage, "amount": payment.amount}


def _sanction(
    ctx: RunContext, proposal: FundingProposal, kind: str, stage: str, reason: str
) -> FundingSanction:
    sanction = FundingSanction(
        proposal_id=proposal.id,
        organization_id=proposal.organization_id,
        kind=kind,
        stage=stage,
        reason=reason,
        created_by=ctx.actor.id if ctx.actor else None,
        created_at=ctx.now,
    )
    ctx.session.add(sanction)
    ctx.session.flush()
    return sanction


@service("funding_report_overdue")
def report_overdue(ctx: RunContext, data: dict[str, Any], stage: str) -> None:
    """A report was not in by its deadline: a numbered 通报, once per report."""
    proposal = proposal_of(ctx)
    done = ctx.session.scalar(
        select(FundingSanction.id).where(
            FundingSanction.proposal_id == proposal.id,
            FundingSanction.kind == "circulation",
            FundingSanction.stage == stage,
        )
    )
    submitted = ctx.session.scalar(
        select(Submission.id).where(
            Submission.instance_id == ctx.instance.id, Submission.bpmn_id == f"{stage}_report"
        )
    )
    if done or submitted:
        return  # a report sent back for more material is not late; one 通报 per report
    org = ctx.session.get(Organization, proposal.organization_id)
    assert org is not None
    due = proposal.midterm_due if stage == "midterm" else proposal.final_due
    reason = f"{org.name}承接的“{proposal.title}”项目未在{cn_date(due)}前提交{STAGE_NAMES[stage]}。"
    content = {
        "recipient": "各县（市、区）民政局，各有关社会组织",
        "paragraphs": [reason, "现予通报。请该组织立即补报，并在今后的项目实施中严格履行资助协议。"],
        "items": [["项目名称", proposal.title], ["协议编号", proposal.agreement_number]],
    }
    doc = _issue(
        ctx, proposal, "criticism_notice", f"关于{org.name}逾期未报{STAGE_NAMES[stage]}的通报", content
    )
    sanction = _sanction(ctx, proposal, "circulation", stage, reason)
    sanction.document_id = doc.id
    tell_applicant(ctx, proposal, f"{STAGE_NAMES[stage]}逾期，已予通报", reason)
    call = get_call(ctx.session, proposal.call_id)
    tell(
        ctx.session,
        office_users(ctx.session, call),
        f"{STAGE_NAMES[stage]}逾期",
        reason,
        f"/funding/calls/{call.id}",
    )


def _close(ctx: RunContext, proposal: FundingProposal, status: str, reason: str) -> None:
    proposal.status, proposal.closed_reason = status, reason
    proposal.completed_at = proposal.updated_at = ctx.now


@service("funding_record_evaluation")
def record_evaluation(ctx: RunContext, data: dict[str, Any]) -> None:
    """Mid-term evaluation: pass (next tranche), suspension for rectification, or termination."""
    proposal = proposal_of(ctx)
    decision, comment = str(data["decision"]), str(data.get("comment") or "")
    if decision == "pass":
        proposal.status, proposal.updated_at = "active", ctx.now
        tell_applicant(ctx, proposal, "中期评估合格", comment or "中期评估合格，将拨付二期资金。")
    elif decision == "suspend":
        proposal.status, proposal.updated_at = "suspended", ctx.now
        _sanction(ctx, proposal, "suspension", "midterm", comment)
        tell_applicant(ctx, proposal, "中期评估不合格：暂停拨款，限期整改", comment)
    else:
        _close(ctx, proposal, "terminated", comment)
        _sanction(ctx, proposal, "termination", "midterm", comment)
        tell_applicant(ctx, proposal, "中期评估不合格：项目终止", comment)
    record_run(ctx, "funding_midterm_evaluated", proposal=proposal.id, decision=decision, comment=comment)


@service("funding_record_acceptance")
def record_acceptance(ctx: RunContext, data: dict[str, Any]) -> None:
    """结项验收: pass (final tranche), more material, or a failure that withholds the final tranche."""
    proposal = proposal_of(ctx)
    decision, comment = str(data["decision"]), str(data.get("comment") or "")
    if decision == "return":
        tell_applicant(ctx, proposal, "结项材料退回补充", comment)
    elif decision == "fail":
        _close(ctx, proposal, "failed", comment)
        _sanction(ctx, proposal, "failed", "final", comment)
        tell_applicant(ctx, proposal, "结项验收不合格", comment)
    record_run(ctx, "funding_acceptance", proposal=proposal.id, decision=decision, comment=comment)


@service("funding_complete_project")
def complete_project(ctx: RunContext, data: dict[str, Any]) -> None:
    """Every tranche paid after a passed acceptance: the project is completed (结项)."""
    proposal = proposal_of(ctx)
    _close(ctx, proposal, "completed", "")
    record_run(ctx, "funding_project_completed", proposal=proposal.id)
    tell_applicant(ctx, proposal, "项目已结项", f"“{proposal.title}”已通过结项验收，资金全部拨付。")


# --- organization-level supervision cases --------


def _may_supervise(session: Session, user: User, org: Organization) -> None:
    county = session.get(OrgUnit, org.county_code)
    if not user.roles & SUPERVISING_ROLES or county is None or not county.is_within(user.org_unit):
        raise Forbidden("只有该组织所在县（市、区）或市级民政、政法委工作人员可以办理监管立案。")


def open_supervision_case(
    session: Session,
    user: User,
    organization_id: int,
    reason: str,
    basis: str = "",
    now: datetime | None = None,
) -> OrganizationSupervision:
    """Open a supervision case on an organization: it may not apply for funding until closed."""
    org = session.get(Organization, organization_id)
    if org is None:
        raise NotFound("社会组织不存在")
    _may_supervise(session, user, org)
    if not reason.strip():
        raise Invalid("请填写立案原因", fields={"reason": ["请填写立案原因。"]})
    case = OrganizationSupervision(
        organization_id=org.id, reason=reason.strip()[:2000], basis=basis.strip()[:200], opened_by=user.id
    )
    if now is not None:
        case.opened_at = now
    session.add(case)
    session.flush()
    audit.record(
        session,
        "organization_supervision_opened",
        actor_id=user.id,
        details={"case": case.id, "organization": org.id, "reason": case.reason},
    )
    session.commit()
    return case


def close_supervision_case(
    session: Session, user: User, case_id: int, note: str, now: datetime | None = None
) -> OrganizationSupervision:
    """Close a supervision case (rectified): the organization may apply again."""
    case = session.get(OrganizationSupervision, case_id)
    org = session.get(Organization, case.organization_id) if case else None
    if case is None or org is None:
        raise NotFound("监管案件不存在")
    _may_supervise(session, user, org)
    if case.closed_at is not None:
        raise Conflict("该监管案件已结案")
    case.closed_by, case.close_note = user.id, note.strip()[:2000]
    case.closed_at = now or utcnow()
    audit.record(session, "organization_supervision_closed", actor_id=user.id, details={"case": case.id})
    session.commit()
    return case
