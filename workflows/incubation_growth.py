"""The incubation period (issue #9): the service tasks of `incubation_admission` after the agreement.

A loop in the diagram waits for the next checkpoint: a growth evaluation every few months (the
base's interval), and at the end of the period the operator's graduation proposal and the
county's decision — graduate (出壳, with a certificate and, for a group not yet registered, an
offer of a prefilled registration or filing application), extend, or end the incubation.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select

from forms.incubation import NEXT_STEPS, RUBRIC, label
from models import GrowthEvaluation, Incubation, IncubationBase, Organization
from workflows.context import RunContext
from workflows.incubation_access import lead_operator
from workflows.incubation_common import (
    add_months,
    county_people,
    incubation_of,
    operator_name,
    operators,
    period_end,
    period_text,
    record,
    representative,
    tell,
    today,
)
from workflows.official_text import chinese_date
from workflows.services import issue_for_run, service
from workflows.working_days import CST

CHECKPOINT_HOUR = time(9)  # timers fire at 09:00 China Standard Time on their day
LEVEL_LINES = (("excellent", 85), ("good", 70))


def _lead(base: IncubationBase) -> int:
    """The operator's lead, who is assigned the base's tasks."""
    lead = lead_operator(base)
    if lead is None:  # a timer path: nobody to refuse, so the instance goes to the administrator
        raise LookupError(f"incubation base {base.id} has no operator staff to assign the task to")
    return lead


def _evaluations_done(ctx: RunContext, incubation: Incubation) -> int:
    return (
        ctx.session.scalar(
            select(func.count(GrowthEvaluation.id)).where(GrowthEvaluation.incubation_id == incubation.id)
        )
        or 0
    )


@service("incubation_schedule")
def schedule(ctx: RunContext, data: dict[str, Any]) -> dict[str, Any]:
    """The next checkpoint: an evaluation every `evaluation_months`, the graduation at the period's end."""
    incubation = incubation_of(ctx)
    assert incubation.started_on is not None and incubation.ends_on is not None
    rounds = _evaluations_done(ctx, incubation)
    evaluation_day = add_months(incubation.started_on, incubation.base.evaluation_months * (rounds + 1))
    if evaluation_day < incubation.ends_on:
        kind, day = "evaluation", evaluation_day
    else:
        kind, day = "graduation", incubation.ends_on
    at = datetime.combine(day, CHECKPOINT_HOUR, tzinfo=CST)
    return {"kind": kind, "at": at.isoformat(), "day": day.isoformat(), "round": rounds + 1}


@service("incubation_evaluation_open")
def evaluation_open(ctx: RunContext, data: dict[str, Any]) -> dict[str, Any]:
    """A growth evaluation is due: open its record and tell the group."""
    incubation = incubation_of(ctx)
    round_no = _evaluations_done(ctx, incubation) + 1
    evaluation = GrowthEvaluation(incubation_id=incubation.id, round=round_no, opened_at=ctx.now)
    ctx.session.add(evaluation)
    ctx.session.flush()
    tell(
        ctx.session,
        [representative(ctx.session, incubation)],
        incubation,
        f"第{round_no}次成长评估开始",
        f"{incubation.base.name}将对“{incubation.group_name}”开展成长评估，请准备活动和财务资料。",
    )
    record(ctx, "incubation_evaluation_opened", incubation, round=round_no)
    return {"evaluation_id": evaluation.id, "round": round_no, "operator_user": _lead(incubation.base)}


def evaluation_level(total: int, weak_below: int) -> str:
    """优秀 / 良好 / 合格 / 待提升 from the total score and the base's line."""
    if total < weak_below:
        return "weak"
    for level, line in LEVEL_LINES:
        if total >= line:
            return level
    return "pass"


@service("incubation_evaluation_record")
def evaluation_record(ctx: RunContext, data: dict[str, Any]) -> dict[str, Any]:
    """Score the evaluation; the group and the county hear the result; weak results need a plan."""
    incubation = incubation_of(ctx)
    base = incubation.base
    evaluation = ctx.session.get(GrowthEvaluation, int(data["evaluation"]["evaluation_id"]))
    assert evaluation is not None and evaluation.incubation_id == incubation.id
    scores = {key: int(data[f"score_{key}"]) for key, _ in RUBRIC}
    total = sum(scores.values())
    evaluation.scores, evaluation.total = scores, total
    evaluation.notes = {key: data.get(f"note_{key}") or "" for key, _ in RUBRIC}
    evaluation.level = evaluation_level(total, base.weak_below)
    evaluation.weak = total < base.weak_below or data.get("decision") == "support"
    evaluation.summary = data.get("eval_summary") or ""
    evaluation.evaluated_on = date.fromisoformat(data["evaluated_on"])
    evaluation.evaluated_by = ctx.actor.id if ctx.actor else None
    evaluation.status, evaluation.completed_at = "done", ctx.now
    result = f"第{evaluation.round}次成长评估：{total}分（{_LEVEL_NAMES[evaluation.level]}）"
    if evaluation.weak:
        result += "，需制定帮扶计划"
    people = [representative(ctx.session, incubation), *county_people(ctx.session, base)]
    tell(ctx.session, people, incubation, f"“{incubation.group_name}”成长评估结果", result)
    record(ctx, "incubation_evaluated", incubation, round=evaluation.round, total=total, weak=evaluation.weak)
    return {
        "evaluation_id": evaluation.id,
        "round": evaluation.round,
        "total": total,
        "level": evaluation.level,
        "weak": evaluation.weak,
    }


_LEVEL_NAMES = {"excellent": "优秀", "good": "良好", "pass": "合格", "weak": "待提升"}


@service("incubation_support_plan_record")
def support_plan_record(ctx: RunContext, data: dict[str, Any]) -> dict[str, Any]:
    """Keep the support plan with its evaluation; services it adds join the promised ones."""
    incubation = incubation_of(ctx)
    evaluation = ctx.session.get(GrowthEvaluation, int(data["evaluation"]["evaluation_id"]))
    assert evaluation is not None and evaluation.incubation_id == incubation.id
    plan = {
        key: data.get(key)
        for key in ("weak_points", "measures", "extra_services", "review_on", "responsible")
    }
    evaluation.support_plan = plan
    evaluation.support_plan_by = ctx.actor.id if ctx.actor else None
    extra = [key for key in plan["extra_services"] or [] if key not in incubation.services_promised]
    if extra:
        incubation.services_promised = [*incubation.services_promised, *extra]
    incubation.updated_at = ctx.now
    people = [representative(ctx.session, incubation), *county_people(ctx.session, incubation.base)]
    tell(
        ctx.session,
        people,
        incubation,
        "帮扶计划已制定",
        f"跟踪复查日期：{plan['review_on']}；{plan['measures']}",
    )
    record(ctx, "incubation_support_planned", incubation, round=evaluation.round)
    return {"evaluation_id": evaluation.id, "review_on": plan["review_on"]}


@service("incubation_graduation_open")
def graduation_open(ctx: RunContext, data: dict[str, Any]) -> dict[str, Any]:
    """The period ends: the operator is to propose graduation or an extension."""
    incubation = incubation_of(ctx)
    tell(
        ctx.session,
        [representative(ctx.session, incubation)],
        incubation,
        "孵化期满",
        f"“{incubation.group_name}”的孵化期已满，孵化基地运营方将提出出壳意见，报县级民政部门决定。",
    )
    record(ctx, "incubation_period_ended", incubation)
    return {"operator_user": _lead(incubation.base)}


@service("incubation_extend")
def extend(ctx: RunContext, data: dict[str, Any]) -> dict[str, Any]:
    """The county extends the period; evaluations go on at the base's interval."""
    incubation = incubation_of(ctx)
    assert incubation.ends_on is not None and incubation.period_months is not None
    months = int(data["extension_months"])
    incubation.ends_on = period_end(incubation.ends_on + timedelta(days=1), months)
    incubation.period_months += months
    incubation.extensions += 1
    incubation.updated_at = ctx.now
    people = [representative(ctx.session, incubation), *operators(ctx.session, incubation.base)]
    tell(
        ctx.session,
        people,
        incubation,
        "孵化期延长",
        f"孵化期延长{months}个月，至{chinese_date(incubation.ends_on)}止。",
    )
    record(ctx, "incubation_extended", incubation, months=months, ends_on=incubation.ends_on.isoformat())
    return {"ends_on": incubation.ends_on.isoformat(), "months": months}


def _offer(incubation: Incubation, next_step: str | None) -> str:
    """What a graduate is offered: a founding group registration or filing, a filed one registration."""
    if incubation.group_stage == "founding":
        return next_step if next_step in ("register", "file") else "register"
    if incubation.group_stage == "filed" and next_step == "register":
        return "register"
    return ""


@service("incubation_graduate")
def graduate(ctx: RunContext, data: dict[str, Any]) -> dict[str, Any]:
    """出壳: the certificate, and for a group not yet registered the offer of a prefilled application."""
    incubation = incubation_of(ctx)
    incubation.status, incubation.closed_on, incubation.updated_at = "graduated", today(ctx), ctx.now
    incubation.registration_offer = _offer(incubation, data.get("next_step"))
    certificate = _issue_certificate(ctx, incubation, data)
    incubation.certificate_number, incubation.certificate_document_id = (
        certificate["number"],
        certificate["id"],
    )
    body = f"出壳证书 {certificate['number']}"
    if incubation.registration_offer:
        action = "登记" if incubation.registration_offer == "register" else "备案"
        body += f"；可在孵化档案中发起已按孵化档案预填的{action}申请"
    people = [representative(ctx.session, incubation), *operators(ctx.session, incubation.base)]
    tell(ctx.session, people, incubation, f"“{incubation.group_name}”准予出壳", body)
    record(ctx, "incubation_graduated", incubation, certificate=certificate["number"])
    return {"certificate": certificate, "registration_offer": incubation.registration_offer}


def _last_evaluation(ctx: RunContext, incubation: Incubation) -> GrowthEvaluation | None:
    return ctx.session.scalar(
        select(GrowthEvaluation)
        .where(GrowthEvaluation.incubation_id == incubation.id, GrowthEvaluation.status == "done")
        .order_by(GrowthEvaluation.round.desc())
        .limit(1)
    )


def _issue_certificate(ctx: RunContext, incubation: Incubation, data: dict[str, Any]) -> dict[str, Any]:
    """The graduation certificate (出壳证书), numbered by the county bureau."""
    base = incubation.base
    org = ctx.session.get(Organization, incubation.organization_id) if incubation.organization_id else None
    code = (org.credit_code or f"无（备案编号 {org.filing_number}）") if org else "无（尚未登记）"
    last = _last_evaluation(ctx, incubation)
    evaluations = f"最近一次{last.total}分（{_LEVEL_NAMES[last.level]}）" if last else "—"
    items = [
        ["组织名称", incubation.group_name],
        ["孵化基地", base.name],
        ["运营单位", operator_name(ctx.session, base)],
        ["孵化期限", period_text(incubation)],
        ["成长评估", evaluations],
        ["出壳日期", chinese_date(today(ctx))],
        ["出壳后去向", label(NEXT_STEPS, data.get("next_step")) or "—"],
    ]
    doc = issue_for_run(
        ctx,
        issuer=ctx.scope,
        kind="graduation_certificate",
        content={"credit_code": code, "items": items},
        incubation_id=incubation.id,
    )
    return {"id": doc.id, "number": doc.number}


@service("incubation_terminate")
def terminate(ctx: RunContext, data: dict[str, Any]) -> dict[str, Any]:
    """The county ends the incubation without graduation."""
    incubation = incubation_of(ctx)
    incubation.status, incubation.closed_on, incubation.updated_at = "terminated", today(ctx), ctx.now
    people = [representative(ctx.session, incubation), *operators(ctx.session, incubation.base)]
    tell(ctx.session, people, incubation, "孵化终止", str(data.get("comment") or ""))
    record(ctx, "incubation_terminated", incubation, comment=data.get("comment"))
    return {"closed_on": incubation.closed_on.isoformat()}
