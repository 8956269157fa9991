"""Admission to an incubation base (入驻孵化, issue #9): the service tasks of `incubation_admission`
up to the incubation agreement. The incubation period itself (evaluations, graduation) is in
`incubation_growth`; bases in `incubation_bases`, federations in `incubation_federations`; the
services log, the custody ledger and the registration offer in `incubation_records`; who may
see what in `incubation_access`; read models in `incubation_views`; assessment indicators in
`incubation_indicators`.

The BPMN decides who does what and when; these operators do what a diagram cannot say: check
the application against the base and the registry, keep the incubation file, issue the
numbered agreement and tell the people concerned.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, select

from forms import get_form
from forms.incubation import BASE_SERVICES
from models import Incubation, IncubationBase, Organization, User
from workflows import incubation_growth, incubation_indicators  # noqa: F401  (register operators and indicators)
from workflows.context import RunContext
from workflows.incubation_access import lead_operator
from workflows.incubation_common import (
    county_people,
    incubation_of,
    operator_name,
    operators,
    period_end,
    period_text,
    record,
    refuse,
    representative,
    services_text,
    tell,
    today,
)
from workflows.official_text import chinese_date
from workflows.registration import organizations_of
from workflows.services import issue_for_run, service

APPLICATION_FORM = "incubation.application"


def _checked_base(ctx: RunContext, data: dict[str, Any]) -> IncubationBase:
    """The base applied to: active, in the applicant's county, staffed, with room."""
    base = ctx.session.get(IncubationBase, int(data.get("base_id") or 0))
    if base is None or base.status != "active":
        raise refuse("base_id", "孵化基地不存在或已停止运营，请核对孵化基地编号。")
    if base.county_code != ctx.instance.scope_code:
        raise refuse("base_id", "只能申请入驻本县（市、区）的孵化基地。")
    if lead_operator(base) is None:
        raise refuse("base_id", "该孵化基地尚未配置运营人员，暂不能受理入驻申请，请联系县级民政部门。")
    occupied = ctx.session.scalar(
        select(func.count(Incubation.id)).where(
            Incubation.base_id == base.id, Incubation.status == "incubating"
        )
    )
    if (occupied or 0) >= base.capacity:
        raise refuse(
            "base_id", f"该孵化基地已满员（可同时孵化{base.capacity}个组织），请选择其他基地或稍后申请。"
        )
    return base


def _checked_organization(ctx: RunContext, data: dict[str, Any]) -> Organization | None:
    """The registry entry of a filed or registered group: the applicant must act for it."""
    stage = data.get("group_stage")
    if stage == "founding":
        return None
    org = ctx.session.get(Organization, int(data.get("organization_id") or 0))
    starter = representative_user(ctx)
    if org is None or org not in organizations_of(ctx.session, starter):
        raise refuse("organization_id", "名录中没有您代表的这个组织，请核对社会组织名录编号。")
    if org.status != stage:
        raise refuse("organization_id", f"该组织在名录中的状态与所选组织现状不符（名录状态：{org.status}）。")
    return org


def representative_user(ctx: RunContext) -> User:
    """The user who started the case."""
    user = ctx.session.get(User, ctx.instance.started_by)
    assert user is not None
    return user


def _check_not_open_elsewhere(ctx: RunContext, org: Organization | None, name: str) -> None:
    """One open application or incubation per organization (or founding group name) at a time."""
    same = Incubation.organization_id == org.id if org else Incubation.group_name == name
    clash = ctx.session.scalar(
        select(Incubation.id).where(
            same,
            Incubation.status.in_(("applying", "returned", "incubating")),
            Incubation.instance_id != ctx.instance.id,
        )
    )
    if clash is not None:
        field = "organization_id" if org else "group_name"
        raise refuse(field, "该组织已有入驻申请在办理中或正在孵化，不能重复申请。")


@service("incubation_admission_precheck")
def admission_precheck(ctx: RunContext, data: dict[str, Any]) -> dict[str, Any]:
    """Check the application; open (or update, after a return) the incubation file."""
    base = _checked_base(ctx, data)
    org = _checked_organization(ctx, data)
    _check_not_open_elsewhere(ctx, org, str(data.get("group_name") or ""))
    incubation = ctx.session.scalar(select(Incubation).where(Incubation.instance_id == ctx.instance.id))
    if incubation is None:
        incubation = Incubation(
            instance_id=ctx.instance.id, representative_id=ctx.instance.started_by, created_at=ctx.now
        )
        ctx.session.add(incubation)
    names = [f.name for f in get_form(APPLICATION_FORM).fields()]
    incubation.base_id, incubation.organization_id = base.id, org.id if org else None
    incubation.group_name, incubation.group_stage = data["group_name"], data["group_stage"]
    incubation.service_field = data.get("group_service_field") or ""
    incubation.groups_served = list(data.get("group_served") or [])
    incubation.needs = list(data.get("needs") or [])
    incubation.profile = {name: data.get(name) for name in names}
    incubation.status, incubation.updated_at = "applying", ctx.now
    ctx.session.flush()
    record(ctx, "incubation_applied", incubation, base=base.name)
    return {
        "incubation_id": incubation.id,
        "base_id": base.id,
        "base_name": base.name,
        "operator_user": lead_operator(base),
        "county_code": base.county_code,
    }


@service("incubation_admission_returned")
def admission_returned(ctx: RunContext, data: dict[str, Any]) -> dict[str, Any]:
    """The operator sends the application back to be completed."""
    incubation = incubation_of(ctx)
    incubation.status, incubation.updated_at = "returned", ctx.now
    tell(
        ctx.session,
        [representative(ctx.session, incubation)],
        incubation,
        "入驻申请需补充完善",
        f"{incubation.base.name}运营方意见：{data.get('comment') or ''}",
    )
    record(ctx, "incubation_returned", incubation, comment=data.get("comment"))
    return {"returned_at": ctx.now.isoformat(timespec="seconds")}


@service("incubation_admission_rejected")
def admission_rejected(ctx: RunContext, data: dict[str, Any], by: str) -> dict[str, Any]:
    """The operator or the county refuses the admission; the group hears why."""
    incubation = incubation_of(ctx)
    incubation.status, incubation.decided_at, incubation.updated_at = "rejected", ctx.now, ctx.now
    who = "县级民政部门" if by == "county" else "孵化基地运营方"
    tell(
        ctx.session,
        [representative(ctx.session, incubation)],
        incubation,
        "入驻申请未获同意",
        f"{incubation.base.name}：{who}意见——{data.get('comment') or ''}",
    )
    record(ctx, "incubation_rejected", incubation, by=by, comment=data.get("comment"))
    return {"by": by}


def _period(data: dict[str, Any], base: IncubationBase, start: date) -> tuple[int, date]:
    """Months and last day: the county's choice, else the operator's proposal, else the base default."""
    months = int(data.get("period_months") or data.get("proposed_months") or base.period_months)
    return months, period_end(start, months)


@service("incubation_admit")
def admit(ctx: RunContext, data: dict[str, Any]) -> dict[str, Any]:
    """County approval: the group is in incubation, under a numbered agreement."""
    incubation = incubation_of(ctx)
    base = incubation.base
    start = date.fromisoformat(data["start_on"]) if data.get("start_on") else today(ctx)
    months, last_day = _period(data, base, start)
    offered = [key for key, _ in BASE_SERVICES if key in set(data.get("services_offered") or [])]
    incubation.services_promised = [key for key in offered if key in base.services] or list(base.services)
    incubation.period_months, incubation.started_on, incubation.ends_on = months, start, last_day
    incubation.status, incubation.decided_at, incubation.updated_at = "incubating", ctx.now, ctx.now
    agreement = _issue_agreement(ctx, incubation, base)
    incubation.agreement_number, incubation.agreement_document_id = agreement["number"], agreement["id"]
    people = [
        representative(ctx.session, incubation),
        *operators(ctx.session, base),
        *county_people(ctx.session, base),
    ]
    tell(
        ctx.session,
        people,
        incubation,
        f"“{incubation.group_name}”入驻{base.name}",
        f"孵化协议 {agreement['number']}",
    )
    record(
        ctx, "incubation_admitted", incubation, agreement=agreement["number"], ends_on=last_day.isoformat()
    )
    return {
        "incubation_id": incubation.id,
        "started_on": start.isoformat(),
        "ends_on": last_day.isoformat(),
        "agreement": agreement,
    }


def _issue_agreement(ctx: RunContext, incubation: Incubation, base: IncubationBase) -> dict[str, Any]:
    """The incubation agreement (孵化协议), numbered by the county bureau that approved it."""
    operator = operator_name(ctx.session, base)
    profile = incubation.profile
    content = {
        "recipient": incubation.group_name,
        "paragraphs": [
            f"经{base.name}运营单位{operator}面谈审核、本机关审批，同意“{incubation.group_name}”入驻{base.name}"
            f"接受孵化，孵化期自{chinese_date(incubation.started_on)}起至{chinese_date(incubation.ends_on)}止。",  # type: ignore[arg-type]
            f"甲方（孵化基地运营单位）按本协议提供下列孵化服务，每{base.evaluation_months}个月组织一次成长评估，"
            "并为乙方建立孵化档案；实行财务托管的，按月向乙方公开托管台账。",
            "乙方（入驻组织）遵守孵化基地管理制度，如实提供活动和财务资料，按期接受成长评估，不得以孵化基地名义"
            "从事营利活动。孵化期满，由甲方提出出壳意见，经本机关同意后出壳；符合条件的，协助乙方申请登记或备案。",
            "本机关负责对孵化工作进行业务指导和监督检查。",
        ],
        "items": [
            ["孵化基地", f"{base.name}（{base.address}）"],
            ["甲方（运营单位）", operator],
            ["乙方（入驻组织）", incubation.group_name],
            ["乙方负责人", f"{profile.get('leader_name') or ''}　{profile.get('leader_phone') or ''}"],
            ["孵化期限", period_text(incubation)],
            ["承诺提供的服务", services_text(incubation.services_promised)],
            ["成长评估", f"每{base.evaluation_months}个月一次，低于{base.weak_below}分制定帮扶计划"],
        ],
    }
    doc = issue_for_run(
        ctx, issuer=ctx.scope, kind="incubation_agreement", content=content, incubation_id=incubation.id
    )
    return {"id": doc.id, "number": doc.number}
