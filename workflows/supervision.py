"""Supervision cases (issue #6): the service tasks of `rectification_interview`.

The BPMN walks the case up the ladder the committee configured (`workflows.supervision_config`):
each rung's tool — 通报, 约谈 or 挂牌督办 — then, where the rung says so, a rectification that ends
in 验收 (`workflows.supervision_rectification`). Passing closes the case (挂牌督办: 摘牌); failing
climbs to the next rung, and failing the last one is recorded as 一票否决 on the county's assessment.

This module: opening the case, entering a rung, 通报, 约谈 and 挂牌督办.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from models import SupervisionCase, SupervisionListing
from models.supervision import TOOLS
from workflows import supervision_rectification  # noqa: F401  (registers the rectification operators)
from workflows.context import RunContext
from workflows.errors import Invalid
from workflows.services import service
from workflows.supervision_common import (
    add_event,
    case_of,
    cn_datetime,
    issue_document,
    people,
    rung_of,
    tell_county,
)
from workflows.supervision_config import PROCESS_KEY, open_case_for, rung_json, rungs

__all__ = ["PROCESS_KEY"]


@service("supervision_open")
def open_case(ctx: RunContext, data: dict[str, Any]) -> dict[str, Any]:
    """Register the case, copy the ladder and make the county the instance's scope."""
    county, reason, period_id = open_case_for(ctx.session, ctx.actor, data)
    ladder = [rung_json(rung) for rung in rungs(ctx.session)]
    if not ladder:
        raise Invalid("督办阶梯尚未配置，请先设置通报、约谈、挂牌督办等督办措施")
    case = SupervisionCase(
        instance_id=ctx.instance.id,
        county_code=county.code,
        reason=reason,
        source="assessment" if period_id is not None else "manual",
        period_id=period_id,
        ladder=ladder,
        opened_by=ctx.instance.started_by,
        opened_at=ctx.now,
    )
    ctx.session.add(case)
    ctx.session.flush()
    # The case belongs to the county: its leaders act on it and see it, other counties never do.
    ctx.instance.scope_code, ctx.instance.scope_path = county.code, county.path
    ctx.instance.business_key = f"{county.name}社区社会组织工作督办"
    steps = " → ".join(rung["name"] for rung in ladder)
    add_event(ctx, case, "opened", "立案督办", reason, data={"ladder": steps})
    return {"id": case.id, "county_code": county.code, "county_name": county.name, "rungs": len(ladder)}


@service("supervision_enter_rung")
def enter_rung(ctx: RunContext, data: dict[str, Any]) -> dict[str, Any]:
    """The rung the case now stands on, for the gateways: tool, rectify, periods."""
    case = case_of(ctx)
    rung = rung_of(case)
    case.status = rung["tool"]
    number = case.rung + 1
    tool = TOOLS.get(rung["tool"], "")
    text = "" if tool == rung["name"] else f"督办方式：{tool}"
    add_event(ctx, case, "rung", f"第{number}级督办措施：{rung['name']}", text, system=True)
    return {**rung, "index": case.rung, "number": number, "of": len(case.ladder)}


# --- 通报 ------------------------------------------------------------------------------------------


@service("supervision_issue_criticism")
def issue_criticism(ctx: RunContext, data: dict[str, Any]) -> dict[str, Any]:
    """The numbered notice of criticism to the county, copied to the configured units."""
    case = case_of(ctx)
    county = case.county.name
    doc = issue_document(
        ctx,
        case,
        "criticism_notice",
        f"关于{county}社区社会组织培育发展工作进展滞后的通报",
        [
            f"按照《关于大力培育发展社区社会组织积极参与基层社会治理的实施方案》（市民发〔2019〕54号）要求，"
            f"现对{county}予以通报。",
            f"立案事由：{case.reason}",
            f"存在问题：{data.get('crit_problems', '')}",
            f"工作要求：{data.get('crit_requirements', '')}",
            "请于收到本通报之日起5个工作日内签收，并书面报告情况说明和整改打算。",
        ],
        recipient=f"{county}委政法委、{county}民政局",
    )
    add_event(ctx, case, "criticism", "印发通报", str(data.get("crit_problems") or ""), document=doc)
    tell_county(
        ctx, case, f"通报：{doc.number}", f"{county}社区社会组织工作被通报，请签收并作出说明。", copy=True
    )
    return {"id": doc.id, "number": doc.number}


@service("supervision_acknowledge")
def acknowledge(ctx: RunContext, data: dict[str, Any]) -> None:
    """The county signed for the notice and explained itself."""
    case = case_of(ctx)
    add_event(ctx, case, "acknowledged", "县级签收通报并作出说明", str(data.get("ack_statement") or ""))


# --- 约谈 ------------------------------------------------------------------------------------------


@service("supervision_issue_interview_notice")
def issue_interview_notice(ctx: RunContext, data: dict[str, Any]) -> dict[str, Any]:
    """The interview notice: reason, time, place and interviewers, served on the county."""
    case = case_of(ctx)
    when = cn_datetime(datetime.fromisoformat(str(data["iv_time"])))
    interviewers = people(data.get("iv_interviewers") or [])
    items = [
        ("约谈事由", str(data.get("iv_reason") or "")),
        ("约谈时间", when),
        ("约谈地点", str(data.get("iv_place") or "")),
        ("约谈人", interviewers),
        ("被约谈人", str(data.get("iv_interviewees") or "")),
    ]
    if data.get("iv_materials"):
        items.append(("需准备的材料", str(data["iv_materials"])))
    doc = issue_document(
        ctx,
        case,
        "interview_notice",
        "约谈通知书",
        [
            f"因{case.county.name}社区社会组织培育发展工作进展滞后，根据市民发〔2019〕54号关于"
            "加大通报、约谈、挂牌督办等政策工具运用力度的要求，决定对你单位负责同志进行约谈。"
            "具体事项通知如下，请准时参加。",
        ],
        items,
        recipient=str(data.get("iv_interviewees") or case.county.name),
    )
    add_event(
        ctx,
        case,
        "interview_notice",
        "送达约谈通知书",
        f"{when}，{data.get('iv_place', '')}；约谈人：{interviewers}",
        data={
            "time": data.get("iv_time"),
            "place": data.get("iv_place"),
            "interviewers": data.get("iv_interviewers"),
        },
        document=doc,
    )
    tell_county(ctx, case, f"约谈通知：{doc.number}", f"约谈时间：{when}，地点：{data.get('iv_place', '')}。")
    return {"id": doc.id, "number": doc.number}


@service("supervision_record_interview")
def record_interview(ctx: RunContext, data: dict[str, Any]) -> None:
    """The record (约谈记录) as entered after the interview, waiting for sign-off."""
    case = case_of(ctx)
    record = {
        key: data.get(key)
        for key in (
            "ir_held_at",
            "ir_place",
            "ir_interviewers",
            "ir_interviewees",
            "ir_content",
            "ir_statement",
            "ir_requirements",
        )
    }
    text = f"约谈内容：{data.get('ir_content', '')}\n被约谈方表态：{data.get('ir_statement', '')}"
    add_event(ctx, case, "interview_record", "录入约谈记录", text, data=record)


@service("supervision_sign_record")
def sign_record(ctx: RunContext, data: dict[str, Any]) -> None:
    """A second officer signed the record off (it becomes a numbered document), or returned it."""
    case = case_of(ctx)
    if data.get("decision") == "return":
        add_event(ctx, case, "record_returned", "约谈记录退回修改", str(data.get("comment") or ""))
        return
    held = cn_datetime(datetime.fromisoformat(str(data["ir_held_at"])))
    doc = issue_document(
        ctx,
        case,
        "interview_record",
        "约谈记录",
        [f"约谈事由：{case.reason}"],
        [
            ("约谈时间", held),
            ("约谈地点", str(data.get("ir_place") or "")),
            ("约谈人", people(data.get("ir_interviewers") or [])),
            ("被约谈人", str(data.get("ir_interviewees") or "")),
            ("约谈内容", str(data.get("ir_content") or "")),
            ("被约谈方表态", str(data.get("ir_statement") or "")),
            ("整改要求", str(data.get("ir_requirements") or "")),
        ],
        recipient=f"{case.county.name}（存档）",
    )
    add_event(ctx, case, "record_signed", "约谈记录审核签发", str(data.get("comment") or ""), document=doc)


# --- 挂牌督办 -----------------------------------------------------------------------------------------


@service("supervision_list")
def list_county(ctx: RunContext, data: dict[str, Any]) -> dict[str, Any]:
    """List the county publicly and serve the listing notice (挂牌督办通知书)."""
    case = case_of(ctx)
    rung = rung_of(case)
    reports = (
        f"每{rung['report_days']}个工作日报告一次整改进展"
        if rung.get("report_days")
        else "按要求报告整改进展"
    )
    earlier = "、".join(step["name"] for step in case.ladder[: case.rung])
    situation = f"经{earlier}后仍未整改到位" if earlier else "进展滞后"
    doc = issue_document(
        ctx,
        case,
        "listing_notice",
        "挂牌督办通知书",
        [
            f"鉴于{case.county.name}社区社会组织培育发展工作{situation}，"
            f"决定对{case.county.name}实行挂牌督办，并向社会公开。",
            f"挂牌督办事由：{data.get('ls_reason', '')}",
            f"督办要求：{data.get('ls_requirements', '')}",
            f"督办期限为{rung['period_days']}个工作日；督办期间{reports}，期满组织验收。"
            "验收通过的予以摘牌，验收不通过的实行一票否决。",
        ],
        recipient=f"{case.county.name}委、{case.county.name}人民政府",
    )
    listing = SupervisionListing(
        case_id=case.id,
        county_code=case.county_code,
        reason=str(data.get("ls_reason") or ""),
        requirements=str(data.get("ls_requirements") or ""),
        listed_at=ctx.now,
        listing_document_id=doc.id,
    )
    ctx.session.add(listing)
    ctx.session.flush()
    add_event(ctx, case, "listed", "挂牌督办（已公开）", str(data.get("ls_reason") or ""), document=doc)
    tell_county(ctx, case, f"挂牌督办：{doc.number}", f"{case.county.name}已被挂牌督办。", copy=True)
    return {"id": listing.id, "document": doc.number}
