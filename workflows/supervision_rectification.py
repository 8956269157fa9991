"""The rectification (整改) of a supervision case and its outcome: plan, progress, 验收, and then
closing, 摘牌, climbing to the next rung, or 一票否决 after the last one.

Periods come from the case's copy of the rung and are counted in working days (the calendar of
`workflows.calendar`); a deadline ends at 23:59:59 China Standard Time.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select

from models import RectificationPlan, SupervisionCase, SupervisionEvent
from workflows.assessment_scoring import set_veto
from workflows.calendar import deadline
from workflows.context import RunContext
from workflows.errors import Invalid
from workflows.services import service
from workflows.supervision_common import (
    active_listing,
    add_event,
    attachment_of,
    case_of,
    cn_date,
    issue_document,
    local,
    rung_of,
    tell_committee,
    tell_county,
)
from workflows.working_days import DueSpec

# Where each tool's task puts the requirements the rectification notice repeats.
REQUIREMENTS = {
    "criticism": "crit_requirements",
    "interview": "ir_requirements",
    "listing": "ls_requirements",
}
OUTCOMES = {"passed": "整改验收通过，结案", "completed": "督办措施已执行完毕，结案"}


def _after_working_days(ctx: RunContext, days: int) -> datetime:
    return deadline(ctx.session, ctx.now, DueSpec(days, "WD")).at


def _report_due(ctx: RunContext, case: SupervisionCase) -> datetime | None:
    """The next progress report: the rung's interval from now, never after the deadline."""
    days = int(rung_of(case).get("report_days") or 0)
    if not days or case.deadline_at is None:
        return case.deadline_at
    return min(_after_working_days(ctx, days), case.deadline_at)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") if value else None


def rect_data(case: SupervisionCase) -> dict[str, Any]:
    """The dates the BPMN's timers and task deadlines read (`rect['plan_due']` …)."""
    return {
        "plan_due": _iso(case.plan_due_at),
        "deadline": _iso(case.deadline_at),
        "report_due": _iso(case.report_due_at),
    }


@service("supervision_start_rectification")
def start_rectification(ctx: RunContext, data: dict[str, Any]) -> dict[str, Any]:
    """Serve the rectification notice: the requirements, the plan's deadline, the rectification's."""
    case = case_of(ctx)
    rung = rung_of(case)
    case.plan_due_at = _after_working_days(ctx, int(rung["plan_days"]))
    case.deadline_at = _after_working_days(ctx, int(rung["period_days"]))
    case.report_due_at = _report_due(ctx, case)
    case.plan_overdue, case.status = False, "rectifying"
    listing = active_listing(ctx, case)
    if listing is not None:
        listing.deadline_at = case.deadline_at
    requirements = str(data.get(REQUIREMENTS.get(rung["tool"], "")) or case.reason)
    days = int(rung.get("report_days") or 0)
    reports = f"每{days}个工作日报告一次整改进展" if days else "整改完成后报告，期间可随时报告进展"
    county = case.county.name
    assert case.plan_due_at and case.deadline_at
    doc = issue_document(
        ctx,
        case,
        "rectification_notice",
        "整改通知书",
        [
            f"根据{rung['name']}情况，现就{county}社区社会组织培育发展工作提出整改要求，请认真组织整改。",
            f"整改要求：{requirements}",
            "请对照整改要求制定整改方案，逐项明确存在问题、整改措施、责任人和完成时限，按期报送；"
            "整改期间按要求报告进展，整改期满将组织验收。",
        ],
        [
            ("整改方案报送期限", cn_date(case.plan_due_at)),
            ("整改期限（验收）", cn_date(case.deadline_at)),
            ("进展报告", reports),
        ],
        recipient=f"{county}委政法委、{county}民政局",
    )
    add_event(
        ctx,
        case,
        "rectification",
        "下发整改通知书",
        requirements,
        document=doc,
        data=rect_data(case),
        system=True,
    )
    tell_county(ctx, case, f"整改通知：{doc.number}", f"请于{cn_date(case.plan_due_at)}前报送整改方案。")
    return rect_data(case)


@service("supervision_plan_overdue")
def plan_overdue(ctx: RunContext, data: dict[str, Any]) -> None:
    """The plan's deadline passed without a plan: flagged on the case; the task stays open."""
    case = case_of(ctx)
    case.plan_overdue = True
    due = cn_date(case.plan_due_at) if case.plan_due_at else ""
    add_event(ctx, case, "plan_overdue", "整改方案逾期未报送", f"报送期限：{due}", late=True, system=True)
    tell_county(ctx, case, "整改方案已逾期", f"整改方案应于{due}前报送，请立即报送。")
    tell_committee(ctx, case, "整改方案逾期未报送", f"{case.county.name}未按期报送整改方案（期限{due}）。")


def _plan_deadline_errors(case: SupervisionCase, items: list[Any]) -> dict[str, list[str]]:
    if case.deadline_at is None:
        return {}
    last = local(case.deadline_at).date()
    errors = {}
    for index, item in enumerate(items):
        day = str(item.get("item_deadline") or "") if isinstance(item, dict) else ""
        if day and date.fromisoformat(day) > last:
            errors[f"plan_items[{index}].item_deadline"] = [
                f"完成时限不能晚于整改期限（{cn_date(case.deadline_at)}）。"
            ]
    return errors


@service("supervision_record_plan")
def record_plan(ctx: RunContext, data: dict[str, Any]) -> None:
    """A version of the plan; flagged late when it comes after its deadline."""
    case = case_of(ctx)
    items = list(data.get("plan_items") or [])
    errors = _plan_deadline_errors(case, items)
    if errors:
        raise Invalid("整改方案的完成时限有误，请按提示修改", fields=errors)
    late = case.plan_overdue or (case.plan_due_at is not None and ctx.now > case.plan_due_at)
    version = 1 + (
        ctx.session.scalar(
            select(func.count(RectificationPlan.id)).where(
                RectificationPlan.case_id == case.id, RectificationPlan.rung == case.rung
            )
        )
        or 0
    )
    rows = [
        {key: item.get(key) for key in ("problem", "measure", "responsible", "item_deadline")}
        for item in items
    ]
    plan = RectificationPlan(
        case_id=case.id,
        rung=case.rung,
        version=version,
        summary=str(data.get("plan_summary") or ""),
        items=rows,
        due_at=case.plan_due_at,
        late=late,
        submitted_by=ctx.actor.id if ctx.actor else None,
        submitted_at=ctx.now,
    )
    ctx.session.add(plan)
    case.plan_late = case.plan_late or late
    title = f"报送整改方案（第{version}稿）{'，逾期报送' if late else ''}"
    add_event(ctx, case, "plan", title, plan.summary, data={"version": version}, late=late)


def _latest_plan(ctx: RunContext, case: SupervisionCase) -> RectificationPlan:
    plan = ctx.session.scalar(
        select(RectificationPlan)
        .where(RectificationPlan.case_id == case.id, RectificationPlan.rung == case.rung)
        .order_by(RectificationPlan.version.desc())
        .limit(1)
    )
    if plan is None:
        raise LookupError(f"case {case.id} has no plan to review")
    return plan


@service("supervision_review_plan")
def review_plan(ctx: RunContext, data: dict[str, Any]) -> dict[str, Any]:
    """The committee approves the plan, or returns it with a new deadline for the revision."""
    case = case_of(ctx)
    plan = _latest_plan(ctx, case)
    comment = str(data.get("comment") or "")
    plan.review_comment, plan.reviewed_at = comment, ctx.now
    plan.reviewed_by = ctx.actor.id if ctx.actor else None
    if data.get("decision") == "return":
        plan.status = "returned"
        revised = _after_working_days(ctx, int(rung_of(case)["plan_days"]))
        case.plan_due_at = min(revised, case.deadline_at) if case.deadline_at else revised
        case.plan_overdue = False
        add_event(ctx, case, "plan_returned", f"整改方案（第{plan.version}稿）退回修改", comment)
        tell_county(ctx, case, "整改方案退回修改", f"{comment}。请于{cn_date(case.plan_due_at)}前重新报送。")
    else:
        plan.status = "approved"
        case.report_due_at = _report_due(ctx, case)
        add_event(ctx, case, "plan_approved", f"整改方案（第{plan.version}稿）审核同意", comment)
        tell_county(ctx, case, "整改方案已同意", "请按方案抓好整改落实，并按要求报告进展。")
    return rect_data(case)


@service("supervision_record_progress")
def record_progress(ctx: RunContext, data: dict[str, Any]) -> dict[str, Any]:
    """A progress report (late when after its due date), or the report that asks for 验收."""
    case = case_of(ctx)
    complete = data.get("decision") == "complete"
    late = case.report_due_at is not None and ctx.now > case.report_due_at
    title = "整改完成报告（申请验收）" if complete else "整改进展报告"
    add_event(
        ctx,
        case,
        "completion" if complete else "progress",
        f"{title}{'，逾期报告' if late else ''}",
        str(data.get("pr_text") or ""),
        data={"percent": data.get("pr_percent")},
        attachment=attachment_of(ctx, data.get("pr_evidence")),
        late=late,
    )
    if complete:
        case.status = "verifying"
        tell_committee(ctx, case, "整改完成，申请验收", f"{case.county.name}报告整改完成，请组织验收。")
    else:
        case.report_due_at = _report_due(ctx, case)
    return rect_data(case)


@service("supervision_deadline_reached")
def deadline_reached(ctx: RunContext, data: dict[str, Any]) -> None:
    """The rectification period is over: the committee verifies the result now."""
    case = case_of(ctx)
    case.status = "verifying"
    due = cn_date(case.deadline_at) if case.deadline_at else ""
    add_event(ctx, case, "deadline", "整改期限届满，转入验收", f"整改期限：{due}", system=True)
    tell_committee(ctx, case, "整改期限届满", f"{case.county.name}整改期限已届满，请组织验收。")


@service("supervision_record_verification")
def record_verification(ctx: RunContext, data: dict[str, Any]) -> dict[str, Any]:
    """The result of 验收, and what the gateways need to know next."""
    case = case_of(ctx)
    passed = data.get("decision") == "pass"
    text = str(data.get("vr_findings") or "")
    if not passed and data.get("comment"):
        text += f"\n不通过的理由：{data['comment']}"
    title = "整改验收通过" if passed else "整改验收不通过"
    add_event(
        ctx,
        case,
        "verified" if passed else "failed",
        title,
        text,
        attachment=attachment_of(ctx, data.get("vr_evidence")),
    )
    return {
        "passed": passed,
        "listed": active_listing(ctx, case) is not None,
        "has_next": case.rung + 1 < len(case.ladder),
    }


def _failed_here(ctx: RunContext, case: SupervisionCase) -> bool:
    """The 验收 of the current rung failed (rather than the rung needing none)."""
    query = select(SupervisionEvent.id).where(
        SupervisionEvent.case_id == case.id,
        SupervisionEvent.rung == case.rung,
        SupervisionEvent.kind == "failed",
    )
    return ctx.session.scalar(query.limit(1)) is not None


@service("supervision_next_rung")
def next_rung(ctx: RunContext, data: dict[str, Any]) -> dict[str, Any]:
    """Climb to the next rung of the case's ladder, if there is one; say why the rung ended."""
    case = case_of(ctx)
    failed = _failed_here(ctx, case)
    has_next = case.rung + 1 < len(case.ladder)
    if has_next:
        previous = rung_of(case)["name"]
        case.rung += 1
        following = rung_of(case)["name"]
        if failed:
            add_event(ctx, case, "escalated", f"{previous}整改验收未通过，升级为{following}", system=True)
            tell_county(ctx, case, f"督办升级：{following}", f"{previous}整改验收未通过，升级为{following}。")
        else:
            add_event(ctx, case, "next_rung", f"{previous}已完成，转入{following}", system=True)
    return {"has_next": has_next, "failed": failed}


def _finish(ctx: RunContext, case: SupervisionCase, status: str, outcome: str) -> None:
    case.status, case.outcome, case.closed_at = status, outcome, ctx.now


@service("supervision_close")
def close_case(ctx: RunContext, data: dict[str, Any], outcome: str = "passed") -> None:
    """Close the case."""
    case = case_of(ctx)
    _finish(ctx, case, "closed", outcome)
    add_event(ctx, case, "closed", OUTCOMES.get(outcome, "结案"), system=True)
    tell_county(ctx, case, "督办案件已结案", OUTCOMES.get(outcome, "结案"))


@service("supervision_delist")
def delist(ctx: RunContext, data: dict[str, Any]) -> None:
    """验收 passed under listed supervision: 摘牌, published on the public list."""
    case = case_of(ctx)
    listing = active_listing(ctx, case)
    findings = str(data.get("vr_findings") or "")
    doc = issue_document(
        ctx,
        case,
        "delisting_notice",
        "摘牌通知",
        [
            f"{case.county.name}挂牌督办期间，按照督办要求认真整改，经验收，整改达到要求。",
            f"验收情况：{findings}",
            f"决定对{case.county.name}予以摘牌，结束挂牌督办，并向社会公布。",
        ],
        recipient=f"{case.county.name}委、{case.county.name}人民政府",
    )
    if listing is not None:
        listing.status, listing.ended_at, listing.end_note = "delisted", ctx.now, findings
        listing.end_document_id = doc.id
    _finish(ctx, case, "delisted", "delisted")
    add_event(ctx, case, "delisted", "验收通过，予以摘牌（已公布）", findings, document=doc)
    tell_county(
        ctx, case, f"摘牌：{doc.number}", f"{case.county.name}挂牌督办验收通过，予以摘牌。", copy=True
    )


@service("supervision_escalate")
def escalate(ctx: RunContext, data: dict[str, Any]) -> None:
    """The last rung failed: 一票否决 on the county's assessment, recorded and published."""
    case = case_of(ctx)
    rung = rung_of(case)
    reason = f"{rung['name']}整改验收不通过：{data.get('comment') or data.get('vr_findings') or ''}"
    score = set_veto(ctx.session, case.county_code, case.period_id, reason)
    listing = active_listing(ctx, case)
    if listing is not None:
        listing.status, listing.ended_at, listing.end_note = "escalated", ctx.now, reason
    _finish(ctx, case, "escalated", "veto")
    where = (
        "已在考评结果中标记一票否决"
        if score is not None
        else "尚无该县（市、区）的考评结果，一票否决已记录在案"
    )
    add_event(
        ctx, case, "veto", "实行一票否决", f"{reason}\n{where}。", data={"score": score.id if score else None}
    )
    tell_county(ctx, case, "督办验收未通过：一票否决", reason, copy=True)
