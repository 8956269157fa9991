"""One proposal of `funding_application`: submission, the eligibility pre-check and the street's
opinion (the expert panel is in `funding_panel`).

Who may apply is decided here and nowhere else: `standing_problems` (registered or filed, no
open supervision case) and `submission_problems` (window, area, field, maximum, one proposal
per organization and call). The apply endpoint asks the same questions before a case starts.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from forms.registration import SERVICE_FIELDS
from models import (
    FundingCall,
    FundingProposal,
    FundingSanction,
    Organization,
    OrganizationRepresentative,
    OrganizationSupervision,
    OrgUnit,
    User,
)
from models.registry import ORG_STATUSES
from workflows import orgs
from workflows.context import RunContext
from workflows.errors import Conflict, Forbidden, Invalid, NotFound
from workflows.funding_common import (
    dec,
    get_call,
    proposal_of,
    stored,
    tell_applicant,
    unit_name,
    yuan,
)
from workflows.official_text import cn_date
from workflows.services import record_run, service

FIELD_LABELS = dict(SERVICE_FIELDS)
MAX_PROJECT_DAYS = 366  # 政府购买服务合同期限一般不超过1年
SANCTION_YEARS = 3
OPEN_PROJECT_STATUSES = ("funded", "active", "suspended")
WITHDRAWN_STATUSES = ("ineligible",)


# --- who may apply --------


def open_supervision(session: Session, organization_id: int) -> OrganizationSupervision | None:
    """The organization's open supervision case, if any."""
    query = select(OrganizationSupervision).where(
        OrganizationSupervision.organization_id == organization_id,
        OrganizationSupervision.closed_at.is_(None),
    )
    return session.scalars(query.order_by(OrganizationSupervision.id)).first()


def standing_problems(session: Session, org: Organization) -> list[str]:
    """Why the organization is not in good standing (empty when it is)."""
    problems = []
    if org.status not in ("registered", "filed"):
        status = ORG_STATUSES.get(org.status, org.status)
        problems.append(f"“{org.name}”当前状态为“{status}”，只有已登记或已备案的社会组织可以申请资助。")
    case = open_supervision(session, org.id)
    if case is not None:
        problems.append(
            f"“{org.name}”正处于监管整改期（{cn_date(case.opened_at)}立案：{case.reason}），结案前不得申请资助。"
        )
    return problems


def represents(session: Session, user_id: int, organization_id: int) -> bool:
    """True when the user acts for the organization."""
    query = select(OrganizationRepresentative.user_id).where(
        OrganizationRepresentative.user_id == user_id,
        OrganizationRepresentative.organization_id == organization_id,
    )
    return session.scalar(query) is not None


def window_problem(call: FundingCall, now: Any) -> str | None:
    """Why the call takes no application now."""
    if call.status != "open" or not call.opens_at <= now <= call.closes_at:
        return (
            f"“{call.title}”的申报期为{cn_date(call.opens_at)}至{cn_date(call.closes_at)}，当前不受理申请。"
        )
    return None


def area_problem(session: Session, call: FundingCall, org: Organization) -> str | None:
    """Why the organization lies outside the call's area."""
    area = session.get(OrgUnit, call.area_code)
    county = session.get(OrgUnit, org.county_code)
    if area is None or county is None or not county.is_within(area):
        return f"本批次仅限{unit_name(session, call.area_code)}的社会组织申报。"
    return None


def duplicate_of(
    session: Session, call: FundingCall, organization_id: int, instance_id: int = 0
) -> int | None:
    """The organization's other live proposal in this call (one per organization and call)."""
    query = select(FundingProposal.id).where(
        FundingProposal.call_id == call.id,
        FundingProposal.organization_id == organization_id,
        FundingProposal.instance_id != instance_id,
        FundingProposal.status.not_in(WITHDRAWN_STATUSES),
    )
    return session.scalar(query)


def check_may_apply(session: Session, user: User, call: FundingCall, org: Organization, now: Any) -> None:
    """Refuse (with the reason) an application the user may not make now."""
    if not represents(session, user.id, org.id):
        raise Forbidden("您不是该组织的代表人，不能以其名义申请。")
    problems = standing_problems(session, org)
    if problems:
        raise Forbidden(" ".join(problems), fields={"organization_id": problems})
    for problem in (window_problem(call, now), area_problem(session, call, org)):
        if problem:
            raise Conflict(problem)
    other = duplicate_of(session, call, org.id)
    if other:
        raise Conflict(f"该组织已向本批次提交申请（申报编号 {other}），每个组织每批次限报一个项目。")


def _organization(ctx: RunContext, data: Mapping[str, Any]) -> Organization:
    org_id = str(data.get("organization_id"))
    org = ctx.session.get(Organization, int(org_id)) if org_id.isdigit() else None
    if org is None:
        raise Invalid("申报组织不存在", fields={"organization_id": ["申报组织不存在。"]})
    return org


def submission_problems(call: FundingCall, data: Mapping[str, Any]) -> dict[str, list[str]]:
    """What the call's own rules say about the submitted data (field, maximum)."""
    errors: dict[str, list[str]] = {}
    if data.get("project_field") not in call.fields:
        allowed = "、".join(FIELD_LABELS.get(f, f) for f in call.fields)
        errors["project_field"] = [f"本批次资助领域为：{allowed}。"]
    total = dec(data.get("budget_total"))
    if total > dec(call.max_per_project):
        errors["budget_total"] = [
            f"申请资助总额 {yuan(total)}超过本批次单个项目资助上限 {yuan(call.max_per_project)}。"
        ]
    return errors


# --- submission and pre-check --------


def _street_of(ctx: RunContext, org: Organization) -> str | None:
    """The street office that gives the preliminary opinion: the organization's, else the applicant's."""
    if org.street_code:
        return org.street_code
    starter = ctx.session.get(User, ctx.instance.started_by)
    street = orgs.unit_at_level(ctx.session, starter.org_unit, "street") if starter else None
    county = ctx.session.get(OrgUnit, org.county_code)
    return street.code if street is not None and county is not None and street.is_within(county) else None


def precheck_problems(session: Session, org: Organization, data: Mapping[str, Any], now: Any) -> list[str]:
    """资格预审: rules on the organization's record and the project period (recorded, not refused)."""
    problems = []
    start, end = date.fromisoformat(str(data["project_start"])), date.fromisoformat(str(data["project_end"]))
    if (end - start).days > MAX_PROJECT_DAYS:
        problems.append("项目实施期超过12个月（购买服务合同期限一般不超过1年）。")
    unfinished = session.scalars(
        select(FundingProposal.title).where(
            FundingProposal.organization_id == org.id, FundingProposal.status.in_(OPEN_PROJECT_STATUSES)
        )
    ).all()
    if unfinished:
        problems.append(f"该组织尚有未结项的资助项目：{'、'.join(unfinished)}。")
    since = now - timedelta(days=365 * SANCTION_YEARS)
    sanctions = session.scalar(
        select(func.count(FundingSanction.id)).where(
            FundingSanction.organization_id == org.id,
            FundingSanction.kind.in_(("termination", "failed")),
            FundingSanction.created_at >= since,
        )
    )
    if sanctions:
        problems.append(f"近{SANCTION_YEARS}年内有资助项目被终止或验收不合格。")
    return problems


def _new_proposal(
    ctx: RunContext, call: FundingCall, org: Organization, data: Mapping[str, Any]
) -> FundingProposal:
    proposal = FundingProposal(
        call_id=call.id,
        instance_id=ctx.instance.id,
        organization_id=org.id,
        applicant_id=ctx.instance.started_by,
        title=str(data["project_title"]),
        summary=str(data.get("project_summary") or ""),
        field=str(data["project_field"]),
        groups_served=list(data.get("project_groups") or []),
        location=str(data.get("project_location") or ""),
        county_code=org.county_code,
        street_code=_street_of(ctx, org),
        start_date=date.fromisoformat(str(data["project_start"])),
        end_date=date.fromisoformat(str(data["project_end"])),
        budget_total=stored(dec(data["budget_total"])),
        budget_lines=list(data.get("budget_lines") or []),
        milestones=list(data.get("milestones") or []),
        team=list(data.get("team") or []),
        submitted_at=ctx.now,
        updated_at=ctx.now,
    )
    ctx.session.add(proposal)
    ctx.session.flush()
    return proposal


@service("funding_submit_application")
def submit_application(ctx: RunContext, data: dict[str, Any]) -> dict[str, Any]:
    """Refuse what the call does not allow (the applicant corrects it), then register the
    proposal and run the eligibility pre-check, whose problems end the case."""
    session = ctx.session
    try:
        call = get_call(session, data.get("call_id"))
    except NotFound:
        raise Invalid("资助批次不存在", fields={"call_id": ["资助批次不存在。"]}) from None
    org = _organization(ctx, data)
    starter = session.get(User, ctx.instance.started_by)
    assert starter is not None
    check_may_apply(session, starter, call, org, ctx.now)
    errors = submission_problems(call, data)
    if errors:
        raise Invalid("申请不符合本批次要求，请按提示修改", fields=errors)
    proposal = _new_proposal(ctx, call, org, data)
    problems = precheck_problems(session, org, data, ctx.now)
    proposal.eligibility_problems = problems
    proposal.status = "ineligible" if problems else "street_review"
    record_run(ctx, "funding_prechecked", proposal=proposal.id, call=call.id, problems=problems)
    if problems:
        tell_applicant(ctx, proposal, "资格预审未通过", "；".join(problems))
    return {"id": proposal.id, "eligible": not problems, "problems": problems, "street": proposal.street_code}


@service("funding_record_street_opinion")
def record_street_opinion(ctx: RunContext, data: dict[str, Any]) -> None:
    """Keep the street office's preliminary opinion with the proposal (experts and office see it)."""
    proposal = proposal_of(ctx)
    proposal.street_opinion = str(data.get("decision") or "")
    proposal.street_comment = str(data.get("comment") or "")
    proposal.updated_at = ctx.now
    record_run(ctx, "funding_street_opinion", proposal=proposal.id, opinion=proposal.street_opinion)
