"""The queries behind the funding pages and API: who sees which proposals, the call page, one
proposal, an organization's history. Plain queries over `models.funding`: no workflow is
loaded (the money is in `funding_ledger`, the public notice in `funding_public`)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, false, or_, select, true
from sqlalchemy.orm import Session

from forms.registration import GROUPS_SERVED
from models import (
    STAFF_ROLES,
    FundingCall,
    FundingObjection,
    FundingProposal,
    FundingReview,
    FundingRound,
    FundingSanction,
    Organization,
    OrganizationRepresentative,
    OrganizationSupervision,
    OrgUnit,
    User,
)
from models.funding import CALL_KINDS, CALL_STATUSES, PROPOSAL_STATUSES, TRANCHE_LABELS
from workflows.errors import Forbidden, NotFound
from workflows.funding_common import get_call, local_time, stamp, stored
from workflows.funding_ledger import (
    CLOSED_SHORT,
    COMMITTED,
    FIELD_LABELS,
    ledger,
    paid_by_proposal,
    payment_json,
    payments_of,
)
from workflows.orgs import unit_names

MANAGING_ROLES = frozenset({"city_civil_affairs", "plac_officer"})
GROUP_LABELS = dict(GROUPS_SERVED)
SANCTION_LABELS = {
    "circulation": "通报",
    "suspension": "暂停拨款",
    "termination": "终止项目",
    "failed": "验收不合格",
}


# --- who sees what ----------------------------------------------------------------------------------


def manages(session: Session, user: User, call: FundingCall) -> bool:
    """Office staff of the call (or above it) see and do everything about it."""
    office = session.get(OrgUnit, call.office_code)
    return bool(user.roles & MANAGING_ROLES) and office is not None and office.is_within(user.org_unit)


def ledger_for(session: Session, user: User, call: FundingCall) -> dict[str, Any]:
    """The call's ledger, for its office staff only (Forbidden otherwise)."""
    if not manages(session, user, call):
        raise Forbidden("只有资助办公室工作人员可以查看批次台账")
    return ledger(session, call)


def proposals_clause(session: Session, user: User, call: FundingCall) -> ColumnElement[bool]:
    """The call's proposals `user` may see: all (office), their area's (staff), their own (applicant,
    expert on the panel)."""
    if manages(session, user, call) or user.has_role("admin"):
        return true()
    own = FundingProposal.organization_id.in_(
        select(OrganizationRepresentative.organization_id).where(
            OrganizationRepresentative.user_id == user.id
        )
    )
    panel = FundingProposal.id.in_(
        select(FundingReview.proposal_id).where(FundingReview.expert_id == user.id)
    )
    area: ColumnElement[bool] = false()
    if user.roles & STAFF_ROLES:
        area = or_(
            FundingProposal.county_code == user.org_unit_code,
            FundingProposal.street_code == user.org_unit_code,
        )
    return or_(own, panel, area)


def visible_proposals(session: Session, user: User, call: FundingCall) -> list[FundingProposal]:
    """The call's proposals the user may see, best score first."""
    query = (
        select(FundingProposal)
        .where(FundingProposal.call_id == call.id, proposals_clause(session, user, call))
        .order_by(FundingProposal.rank.is_(None), FundingProposal.rank, FundingProposal.id)
    )
    return list(session.scalars(query))


def get_proposal_for(session: Session, proposal_id: int, user: User) -> FundingProposal:
    """A proposal the user may see (NotFound otherwise)."""
    proposal = session.get(FundingProposal, proposal_id)
    if proposal is None:
        raise NotFound("申请不存在")
    call = get_call(session, proposal.call_id)
    visible = session.scalar(
        select(FundingProposal.id).where(
            FundingProposal.id == proposal.id, proposals_clause(session, user, call)
        )
    )
    if visible is None:
        raise NotFound("申请不存在，或不在您的查看范围内")
    return proposal


# --- JSON shapes -------------------------------------------------------------------------------------


def call_json(session: Session, call: FundingCall) -> dict[str, Any]:
    """A call as the API and pages show it."""
    names = unit_names(session, [call.office_code, call.area_code])
    return {
        "id": call.id,
        "instance_id": call.instance_id,
        "title": call.title,
        "kind": call.kind,
        "kind_label": CALL_KINDS.get(call.kind, call.kind),
        "fields": call.fields,
        "field_labels": [FIELD_LABELS.get(f, f) for f in call.fields],
        "office": names.get(call.office_code, ""),
        "area_code": call.area_code,
        "area": names.get(call.area_code, ""),
        "description": call.description,
        "budget": call.budget,
        "max_per_project": call.max_per_project,
        "opens_at": stamp(call.opens_at),
        "closes_at": stamp(call.closes_at),
        "opens_on": local_time(call.opens_at)[:10],
        "closes_on": local_time(call.closes_at)[:10],
        "rubric": call.rubric,
        "tranches": [
            {"stage": label, "percent": p}
            for label, p in zip(TRANCHE_LABELS.values(), call.tranches, strict=True)
        ],
        "experts_per_proposal": call.experts_per_proposal,
        "outlier_threshold": call.outlier_threshold,
        "notice_days": call.notice_days,
        "status": call.status,
        "status_label": CALL_STATUSES.get(call.status, call.status),
        "finalized_at": stamp(call.finalized_at),
    }


def proposal_json(
    p: FundingProposal, orgs: dict[int, str], units: dict[str, str], paid: Decimal
) -> dict[str, Any]:
    """A proposal in a list."""
    return {
        "id": p.id,
        "instance_id": p.instance_id,
        "call_id": p.call_id,
        "organization_id": p.organization_id,
        "organization": orgs.get(p.organization_id, ""),
        "title": p.title,
        "field": p.field,
        "field_label": FIELD_LABELS.get(p.field, p.field),
        "county_code": p.county_code,
        "county": units.get(p.county_code, ""),
        "budget_total": p.budget_total,
        "status": p.status,
        "status_label": PROPOSAL_STATUSES.get(p.status, p.status),
        "street_opinion": p.street_opinion,
        "score": p.score,
        "has_outlier": p.has_outlier,
        "rank": p.rank,
        "approved_amount": p.approved_amount,
        "paid": stored(paid),
        "result_reason": p.result_reason,
        "agreement_number": p.agreement_number,
        "submitted_at": stamp(p.submitted_at),
    }


def proposals_json(session: Session, proposals: list[FundingProposal]) -> list[dict[str, Any]]:
    """Proposals in a list, with organization and county names and what was paid."""
    ids = {p.organization_id for p in proposals}
    orgs = {
        i: n
        for i, n in session.execute(
            select(Organization.id, Organization.name).where(Organization.id.in_(ids))
        )
    }
    units = unit_names(session, [p.county_code for p in proposals])
    paid = paid_by_proposal(session, [p.id for p in proposals])
    return [proposal_json(p, orgs, units, paid.get(p.id, Decimal(0))) for p in proposals]


def reviews_json(session: Session, proposal: FundingProposal, user: User, full: bool) -> list[dict[str, Any]]:
    """The panel's seats: the office sees every expert; an expert sees their own seat."""
    query = select(FundingReview, User).join(User, User.id == FundingReview.expert_id)
    query = query.where(FundingReview.proposal_id == proposal.id).order_by(
        FundingReview.seat, FundingReview.id
    )
    if not full:
        query = query.where(FundingReview.expert_id == user.id)
    return [
        {
            "seat": review.seat,
            "expert_id": expert.id,
            "expert": expert.display_name,
            "status": review.status,
            "conflict_reason": review.conflict_reason,
            "scores": review.scores,
            "total": review.total,
            "comment": review.comment,
            "outlier": review.outlier,
            "replaced_by": review.replaced_by_id,
        }
        for review, expert in session.execute(query).tuples()
    ]


def proposal_detail(session: Session, proposal: FundingProposal, user: User) -> dict[str, Any]:
    """One proposal with its plan, panel, payments and sanctions."""
    call = get_call(session, proposal.call_id)
    full = manages(session, user, call)
    body = proposals_json(session, [proposal])[0]
    body.update(
        summary=proposal.summary,
        groups=[GROUP_LABELS.get(g, g) for g in proposal.groups_served],
        location=proposal.location,
        start_date=proposal.start_date.isoformat(),
        end_date=proposal.end_date.isoformat(),
        budget_lines=proposal.budget_lines,
        milestones=proposal.milestones,
        team=proposal.team,
        eligibility_problems=proposal.eligibility_problems,
        street_comment=proposal.street_comment,
        agreement_document_id=proposal.agreement_document_id,
        midterm_due=stamp(proposal.midterm_due),
        final_due=stamp(proposal.final_due),
        closed_reason=proposal.closed_reason,
        reviews=reviews_json(session, proposal, user, full),
        payments=[payment_json(session, p) for p in payments_of(session, [proposal.id])],
        sanctions=[sanction_json(s) for s in sanctions_of(session, proposal_ids=[proposal.id])],
    )
    return body


def sanctions_of(
    session: Session, proposal_ids: list[int] | None = None, organization_id: int | None = None
) -> list[FundingSanction]:
    """Sanctions of some proposals or of an organization."""
    query = select(FundingSanction)
    if proposal_ids is not None:
        query = query.where(FundingSanction.proposal_id.in_(proposal_ids))
    if organization_id is not None:
        query = query.where(FundingSanction.organization_id == organization_id)
    return list(session.scalars(query.order_by(FundingSanction.id)))


def sanction_json(sanction: FundingSanction) -> dict[str, Any]:
    """A sanction record."""
    return {
        "id": sanction.id,
        "proposal_id": sanction.proposal_id,
        "kind": sanction.kind,
        "kind_label": SANCTION_LABELS.get(sanction.kind, sanction.kind),
        "stage": sanction.stage,
        "reason": sanction.reason,
        "document_id": sanction.document_id,
        "created_at": stamp(sanction.created_at),
    }


def round_json(row: FundingRound) -> dict[str, Any]:
    """A funded-list round with its notice period."""
    return {
        "number": row.number,
        "status": row.status,
        "total": row.total,
        "entries": row.entries,
        "comment": row.comment,
        "decision_comment": row.decision_comment,
        "notice_starts_at": stamp(row.notice_starts_at),
        "notice_ends_at": stamp(row.notice_ends_at),
        "notice_period": f"{local_time(row.notice_starts_at)} 至 {local_time(row.notice_ends_at)}"
        if row.notice_starts_at
        else "",
    }


def objection_json(row: FundingObjection, full: bool) -> dict[str, Any]:
    """An objection; the objector's contact only for the office."""
    body = {
        "id": row.id,
        "proposal_id": row.proposal_id,
        "content": row.content,
        "status": row.status,
        "resolution": row.resolution,
        "filed_at": stamp(row.filed_at),
        "filed_local": local_time(row.filed_at),
        "resolved_at": stamp(row.resolved_at),
    }
    if full:
        body.update(name=row.name, contact=row.contact)
    return body


def call_detail(session: Session, call: FundingCall, user: User) -> dict[str, Any]:
    """The call page: the call, the proposals the user may see, the list rounds; for the office
    also the objections and the ledger."""
    full = manages(session, user, call)
    body = call_json(session, call)
    body["proposals"] = proposals_json(session, visible_proposals(session, user, call))
    rounds = session.scalars(
        select(FundingRound).where(FundingRound.call_id == call.id).order_by(FundingRound.number)
    )
    body["rounds"] = [round_json(r) for r in rounds]
    body["manages"] = full
    if full:
        objections = session.scalars(
            select(FundingObjection).where(FundingObjection.call_id == call.id).order_by(FundingObjection.id)
        )
        body["objections"] = [objection_json(o, True) for o in objections]
        body["ledger"] = ledger(session, call)
    return body


# --- an organization's history -----------------------------------------------------------------------


def organization_history(session: Session, organization_id: int, user: User) -> dict[str, Any]:
    """Every proposal of an organization with payments and sanctions, and its supervision cases.
    Its representatives and civil-affairs staff of its area (or above) may look."""
    org = session.get(Organization, organization_id)
    if org is None:
        raise NotFound("社会组织不存在")
    county = session.get(OrgUnit, org.county_code)
    staff = bool(user.roles & STAFF_ROLES) and county is not None and county.is_within(user.org_unit)
    represents = session.scalar(
        select(OrganizationRepresentative.user_id).where(
            OrganizationRepresentative.organization_id == org.id,
            OrganizationRepresentative.user_id == user.id,
        )
    )
    if not (staff or represents or user.has_role("admin")):
        raise Forbidden("只有该组织的代表人或所在地民政工作人员可以查看资助记录")
    proposals = list(
        session.scalars(
            select(FundingProposal)
            .where(FundingProposal.organization_id == org.id)
            .order_by(FundingProposal.id)
        )
    )
    call_ids = {p.call_id for p in proposals}
    titles: dict[int, str] = {}
    if call_ids:
        query = select(FundingCall.id, FundingCall.title).where(FundingCall.id.in_(call_ids))
        titles = dict(session.execute(query).tuples().all())
    items = proposals_json(session, proposals)
    for item in items:
        item["call"] = titles.get(item["call_id"], "")
    cases = session.scalars(
        select(OrganizationSupervision)
        .where(OrganizationSupervision.organization_id == org.id)
        .order_by(OrganizationSupervision.id)
    )
    return {
        "organization": {
            "id": org.id,
            "name": org.name,
            "status": org.status,
            "county_code": org.county_code,
        },
        "proposals": items,
        "funded_total": sum(
            i["approved_amount"] or 0 for i in items if i["status"] in COMMITTED + CLOSED_SHORT
        ),
        "paid_total": sum(i["paid"] for i in items),
        "sanctions": [sanction_json(s) for s in sanctions_of(session, organization_id=org.id)],
        "supervisions": [supervision_json(c) for c in cases],
    }


def supervision_json(case: OrganizationSupervision) -> dict[str, Any]:
    """An organization-level supervision case."""
    return {
        "id": case.id,
        "organization_id": case.organization_id,
        "reason": case.reason,
        "basis": case.basis,
        "opened_at": stamp(case.opened_at),
        "closed_at": stamp(case.closed_at),
        "close_note": case.close_note,
        "open": case.closed_at is None,
    }
