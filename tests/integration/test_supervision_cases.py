"""Supervision cases (issue #6) through the JSON API: 通报 → 约谈 → 整改 → 验收, escalation to 挂牌督办,
摘牌, 一票否决, a late plan, the interviewers check and what a county may see."""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from pypdf import PdfReader
from sqlalchemy import select

from models import User
from tests.conftest import DEMO_PASSWORD, ApiClient
from webapp.db import session_factory
from workflows.accounts import create_user
from workflows.instances import fire_due_timers
from workflows.supervision_config import rung_json, rungs, save_ladder

YC, JX = "140702", "140781"
INTERVIEWERS = [
    {"name": "王建国", "title": "市委政法委副书记"},
    {"name": "李红", "title": "市民政局副局长"},
]


@pytest.fixture(autouse=True)
def process(app: Flask) -> Iterator[None]:
    """A second committee officer (four-eyes); no stale PDFs afterwards (ids and numbers repeat)."""
    with session_factory(app)() as session:
        create_user(session, "plac2", DEMO_PASSWORD, ["plac_officer"], "140700", "市委政法委 张科长")
        session.commit()
    yield
    shutil.rmtree(f"{app.config['UPLOAD_DIR']}/documents", ignore_errors=True)


@pytest.fixture
def ladder(app: Flask) -> Iterator[list[dict[str, Any]]]:
    """The configured ladder; restored after a test that changes it."""
    with session_factory(app)() as session:
        saved = [rung_json(r) for r in rungs(session)]
    yield saved
    with session_factory(app)() as session:
        plac = session.scalar(select(User).where(User.username == "plac"))
        assert plac is not None
        save_ladder(session, plac, saved)


# --- helpers ------------------------------------------------------------------------------------------


def open_case(client: ApiClient, county: str = YC, **extra: Any) -> dict[str, Any]:
    """Open a case by hand; the case as the API returns it."""
    body = {
        "county_code": county,
        "case_reason": "社区社会组织培育发展工作进展缓慢，孵化基地尚未建成。",
        **extra,
    }
    response = client.post("/supervision/cases", json=body)
    assert response.status_code == 201, response.get_json()
    case: dict[str, Any] = response.get_json()
    return case


def my_task(client: ApiClient, instance_id: int, form_key: str) -> dict[str, Any]:
    """The caller's open task of the instance with this form (it must be in their inbox)."""
    tasks = [
        t
        for t in client.get("/tasks").get_json()["items"]
        if t["instance_id"] == instance_id and t["form_key"] == form_key
    ]
    assert len(tasks) == 1, f"{form_key} not in the inbox: {client.get('/tasks').get_json()['items']}"
    return tasks[0]


def complete(
    client: ApiClient, instance_id: int, form_key: str, data: dict[str, Any], status: int = 200
) -> dict[str, Any]:
    """Complete the caller's task of this form; the response body."""
    task = my_task(client, instance_id, form_key)
    response = client.post(f"/tasks/{task['id']}/complete", json={"data": data})
    assert response.status_code == status, response.get_json()
    body: dict[str, Any] = response.get_json()
    return body


def case_of(client: ApiClient, case_id: int) -> dict[str, Any]:
    """The case with its timeline."""
    response = client.get(f"/supervision/cases/{case_id}")
    assert response.status_code == 200, response.get_json()
    body: dict[str, Any] = response.get_json()
    return body


def pdf_text(client: ApiClient, document_id: int) -> str:
    """The text of a generated PDF, without line breaks."""
    response = client.get(f"/documents/{document_id}")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    return "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages).replace("\n", "")


def interview_notice(interviewers: list[dict[str, str]] = INTERVIEWERS) -> dict[str, Any]:
    """A complete interview notice three days ahead."""
    when = (datetime.now() + timedelta(days=3)).replace(hour=9, minute=30)
    return {
        "iv_reason": "社区社会组织培育发展工作经通报后仍进展缓慢",
        "iv_time": when.strftime("%Y-%m-%dT%H:%M"),
        "iv_place": "市委政法委三楼会议室",
        "iv_interviewees": "区委政法委书记、区民政局局长",
        "iv_interviewers": interviewers,
    }


RECORD = {
    "ir_held_at": "2026-03-20T09:30",
    "ir_place": "市委政法委三楼会议室",
    "ir_interviewers": INTERVIEWERS,
    "ir_interviewees": "区委政法委书记、区民政局局长到场",
    "ir_content": "通报考评情况，指出孵化基地建设滞后、重点领域社区社会组织偏少等问题。",
    "ir_statement": "认识到问题，立即部署整改。",
    "ir_requirements": "建成至少1个社会组织孵化基地，重点领域社区社会组织数量翻番。",
}


def plan(deadline: str | None = None) -> dict[str, Any]:
    """A rectification plan with one item due by `deadline` (default: today)."""
    day = deadline or datetime.now().date().isoformat()
    return {
        "plan_summary": "成立整改工作专班，区委政法委牵头，民政局具体落实。",
        "plan_items": [
            {
                "problem": "孵化基地未建成",
                "measure": "利用锦纶街道综合服务中心闲置用房建设孵化基地",
                "responsible": "区民政局 局长 张敏",
                "item_deadline": day,
            }
        ],
    }


def fire_at(app: Flask, iso_time: str) -> int:
    """Fire every timer due one second after `iso_time`."""
    with session_factory(app)() as session:
        return fire_due_timers(session, datetime.fromisoformat(iso_time) + timedelta(seconds=1))


def through_criticism(api: ApiClient, county: str, leader: str) -> tuple[ApiClient, dict[str, Any]]:
    """Open a case and take it through 通报 (issued, acknowledged)."""
    plac = api.as_user("plac")
    case = open_case(plac, county)
    iid = case["instance_id"]
    complete(
        plac,
        iid,
        "supervision.criticism",
        {"crit_problems": "孵化基地未建成。", "crit_requirements": "限期整改。"},
    )
    complete(
        api.as_user(leader),
        iid,
        "supervision.acknowledge",
        {"decision": "acknowledge", "ack_statement": "立即整改。"},
    )
    return plac, case


def through_interview(api: ApiClient, plac: ApiClient, case: dict[str, Any]) -> None:
    """约谈: the notice, the record and its sign-off by a second officer."""
    iid = case["instance_id"]
    complete(plac, iid, "supervision.interview_notice", interview_notice())
    complete(plac, iid, "supervision.interview_record", RECORD)
    complete(api.as_user("plac2"), iid, "supervision.record_signoff", {"decision": "approve", "comment": ""})


# --- the journeys -----------------------------------------------------------------------------------------


def test_criticism_interview_plan_returned_once_then_verification_passes(app: Flask, api: ApiClient) -> None:
    plac, case = through_criticism(api, YC, "leader_yc")
    iid = case["instance_id"]
    leader = api.as_user("leader_yc")
    assert case["county"]["name"] == "榆次区" and case["rung"]["name"] == "通报"

    # 约谈: one interviewer is refused, the notice names reason, time, place and both interviewers.
    refused = complete(plac, iid, "supervision.interview_notice", interview_notice(INTERVIEWERS[:1]), 422)
    assert "iv_interviewers" in refused["fields"]
    complete(plac, iid, "supervision.interview_notice", interview_notice())
    complete(plac, iid, "supervision.interview_record", RECORD)
    # The record is signed off by someone else than whoever wrote it.
    signoff = my_task(api.as_user("plac2"), iid, "supervision.record_signoff")
    refused = plac.post(f"/tasks/{signoff['id']}/complete", json={"data": {"decision": "approve"}})
    assert refused.status_code == 403
    complete(api.as_user("plac2"), iid, "supervision.record_signoff", {"decision": "approve", "comment": ""})

    body = case_of(plac, case["id"])
    assert body["status"] == "rectifying" and body["rung"]["name"] == "约谈"
    docs = {d["kind"]: d for d in body["documents"]}
    assert set(docs) == {"criticism_notice", "interview_notice", "interview_record", "rectification_notice"}
    year = datetime.now().year
    assert docs["criticism_notice"]["number"] == f"晋政法通〔{year}〕1号"
    notice = pdf_text(plac, docs["interview_notice"]["id"])
    for text in ("约谈通知书", "市委政法委三楼会议室", "王建国", "李红", "9:30", "经通报后仍进展缓慢"):
        assert text in notice
    criticism = pdf_text(plac, docs["criticism_notice"]["id"])
    assert "抄送：市委组织部、市纪委监委、市民政局" in criticism and "榆次区" in criticism
    assert "建成至少1个社会组织孵化基地" in pdf_text(plac, docs["rectification_notice"]["id"])
    record = pdf_text(plac, docs["interview_record"]["id"])
    assert "约谈记录" in record and "认识到问题，立即部署整改" in record and "王建国" in record

    # The plan: its items may not run past the rectification deadline; returned once, then approved.
    too_late = (datetime.fromisoformat(body["deadline_at"]) + timedelta(days=2)).date().isoformat()
    refused = complete(leader, iid, "supervision.plan", plan(too_late), 422)
    assert "plan_items[0].item_deadline" in refused["fields"]
    complete(leader, iid, "supervision.plan", plan())
    complete(plac, iid, "supervision.plan_review", {"decision": "return", "comment": "措施不够具体"})
    complete(leader, iid, "supervision.plan", plan())
    complete(plac, iid, "supervision.plan_review", {"decision": "approve", "comment": "同意"})
    complete(
        leader,
        iid,
        "supervision.progress",
        {"decision": "progress", "pr_text": "孵化基地已选址。", "pr_percent": 40},
    )

    # At the deadline (working days) the timer brings the case to 验收.
    assert fire_at(app, case_of(plac, case["id"])["deadline_at"]) == 1
    assert leader.get("/tasks").get_json()["items"] == []
    complete(plac, iid, "supervision.verify", {"decision": "pass", "vr_findings": "孵化基地已挂牌运行。"})

    body = case_of(leader, case["id"])
    assert body["status"] == "closed" and body["outcome"] == "passed" and body["tasks"] == []
    assert [p["status"] for p in body["plans"]] == ["returned", "approved"]
    kinds = [e["kind"] for e in body["timeline"]]
    for kind in ("opened", "criticism", "acknowledged", "interview_notice", "record_signed", "rectification",
                 "plan_returned", "plan_approved", "progress", "deadline", "verified", "closed"):  # fmt: skip
        assert kind in kinds, kinds
    assert kinds.index("criticism") < kinds.index("interview_notice") < kinds.index("verified")
    assert plac.get(f"/instances/{iid}").get_json()["status"] == "completed"
    assert api.get("/supervision/listings").get_json()["items"] == []


def test_failed_verification_escalates_to_listed_supervision_then_delisting(
    app: Flask, api: ApiClient
) -> None:
    plac, case = through_criticism(api, JX, "leader_jx")
    iid = case["instance_id"]
    leader = api.as_user("leader_jx")
    through_interview(api, plac, case)
    complete(leader, iid, "supervision.plan", plan())
    complete(plac, iid, "supervision.plan_review", {"decision": "approve", "comment": ""})
    complete(leader, iid, "supervision.progress", {"decision": "complete", "pr_text": "已完成。"})
    missing = complete(plac, iid, "supervision.verify", {"decision": "fail", "vr_findings": "未建成"}, 422)
    assert "comment" in missing["fields"]
    complete(
        plac,
        iid,
        "supervision.verify",
        {"decision": "fail", "vr_findings": "孵化基地仍未建成", "comment": "整改不到位"},
    )

    body = case_of(plac, case["id"])
    assert body["rung"]["name"] == "挂牌督办" and body["status"] == "listing"
    assert "escalated" in [e["kind"] for e in body["timeline"]]
    complete(
        plac,
        iid,
        "supervision.listing",
        {"ls_reason": "约谈整改验收不通过", "ls_requirements": "三个月内建成孵化基地"},
    )

    listed = api.get("/supervision/listings").get_json()["items"]  # public: no token
    assert [(x["county"]["name"], x["status"]) for x in listed] == [("介休市", "listed")]
    notice = listed[0]["listing_document"]
    pdf = api.get(f"/supervision/listings/{listed[0]['id']}/documents/{notice['id']}")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert "挂牌督办" in "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)

    # Listed supervision: a longer period and periodic reports, each due by the next report date.
    body = case_of(plac, case["id"])
    rungs = {r["name"]: r for r in body["ladder"]}
    assert rungs["挂牌督办"]["period_days"] > rungs["约谈"]["period_days"]
    assert body["report_due_at"] < body["deadline_at"]
    complete(leader, iid, "supervision.plan", plan())
    complete(plac, iid, "supervision.plan_review", {"decision": "approve", "comment": ""})
    first_due = case_of(plac, case["id"])["report_due_at"]
    task = my_task(leader, iid, "supervision.progress")
    assert datetime.fromisoformat(task["due_at"]) == datetime.fromisoformat(first_due)
    complete(leader, iid, "supervision.progress", {"decision": "progress", "pr_text": "选址完成。"})
    complete(leader, iid, "supervision.progress", {"decision": "complete", "pr_text": "孵化基地建成运行。"})
    complete(
        plac, iid, "supervision.verify", {"decision": "pass", "vr_findings": "孵化基地建成并入驻8家组织。"}
    )

    body = case_of(plac, case["id"])
    assert body["status"] == "delisted" and body["outcome"] == "delisted"
    assert [x["status"] for x in body["listings"]] == ["delisted"]
    public = api.get("/supervision/listings").get_json()["items"]
    assert public[0]["status"] == "delisted" and public[0]["end_document"]["kind"] == "delisting_notice"
    assert public[0]["end_note"] == "孵化基地建成并入驻8家组织。"
    page = api.client.get("/supervision/listed")
    assert (
        page.status_code == 200
        and "介休市" in page.get_data(as_text=True)
        and "已摘牌" in page.get_data(as_text=True)
    )


def test_last_rung_failing_is_recorded_as_veto(
    app: Flask, api: ApiClient, ladder: list[dict[str, Any]]
) -> None:
    plac = api.as_user("plac")
    listing_only = [r for r in ladder if r["tool"] == "listing"]
    assert plac.put("/supervision/ladder", json={"rungs": listing_only}).status_code == 200
    case = open_case(plac, YC)
    iid, leader = case["instance_id"], api.as_user("leader_yc")
    complete(plac, iid, "supervision.listing", {"ls_reason": "工作滞后", "ls_requirements": "限期整改"})
    complete(leader, iid, "supervision.plan", plan())
    complete(plac, iid, "supervision.plan_review", {"decision": "approve", "comment": ""})
    complete(leader, iid, "supervision.progress", {"decision": "complete", "pr_text": "已整改。"})
    complete(
        plac, iid, "supervision.verify", {"decision": "fail", "vr_findings": "未整改", "comment": "不到位"}
    )

    body = case_of(plac, case["id"])
    assert body["status"] == "escalated" and body["outcome"] == "veto"
    assert body["timeline"][-1]["kind"] == "veto"
    assert api.get("/supervision/listings").get_json()["items"][0]["status"] == "escalated"


def test_a_plan_after_its_deadline_is_flagged(
    app: Flask, api: ApiClient, ladder: list[dict[str, Any]]
) -> None:
    plac = api.as_user("plac")
    assert (
        plac.put(
            "/supervision/ladder", json={"rungs": [r for r in ladder if r["tool"] == "interview"]}
        ).status_code
        == 200
    )
    case = open_case(plac, YC)
    iid, leader = case["instance_id"], api.as_user("leader_yc")
    through_interview(api, plac, case)
    plan_due = case_of(plac, case["id"])["plan_due_at"]
    assert my_task(leader, iid, "supervision.plan")["due_at"] is not None

    assert fire_at(app, plan_due) == 1  # the plan deadline passes without a plan
    body = case_of(plac, case["id"])
    assert body["plan_overdue"] is True and body["timeline"][-1]["kind"] == "plan_overdue"
    complete(leader, iid, "supervision.plan", plan())  # the task stayed open

    body = case_of(plac, case["id"])
    assert body["plan_late"] is True
    assert body["plans"][0]["late"] is True
    assert next(e for e in body["timeline"] if e["kind"] == "plan")["late"] is True


def test_a_county_sees_only_its_own_cases(app: Flask, api: ApiClient) -> None:
    plac = api.as_user("plac")
    yc, jx = open_case(plac, YC), open_case(plac, JX)
    leader_yc, registrar_yc = api.as_user("leader_yc"), api.as_user("registrar_yc")
    assert [c["id"] for c in leader_yc.get("/supervision/cases").get_json()["items"]] == [yc["id"]]
    assert [c["id"] for c in registrar_yc.get("/supervision/cases").get_json()["items"]] == [yc["id"]]
    assert {c["id"] for c in plac.get("/supervision/cases").get_json()["items"]} == {yc["id"], jx["id"]}
    assert leader_yc.get(f"/supervision/cases/{jx['id']}").status_code == 404
    assert leader_yc.get(f"/instances/{jx['instance_id']}").status_code == 404
    complete(
        plac,
        jx["instance_id"],
        "supervision.criticism",
        {"crit_problems": "滞后", "crit_requirements": "整改"},
    )
    jx_doc = case_of(plac, jx["id"])["documents"][0]
    assert leader_yc.get(f"/documents/{jx_doc['id']}").status_code == 404
    assert api.as_user("leader_jx").get(f"/documents/{jx_doc['id']}").status_code == 200
    # The county acts only on its own case.
    assert [t["instance_id"] for t in api.as_user("leader_jx").get("/tasks").get_json()["items"]] == [
        jx["instance_id"]
    ]
    assert leader_yc.get("/tasks").get_json()["items"] == []


def test_opening_a_case_is_checked(app: Flask, api: ApiClient) -> None:
    plac = api.as_user("plac")
    no_reason = plac.post("/supervision/cases", json={"county_code": YC})
    assert no_reason.status_code == 422 and "case_reason" in no_reason.get_json()["fields"]
    assert (
        plac.post("/supervision/cases", json={"county_code": "140702001", "case_reason": "x"}).status_code
        == 422
    )
    assert (
        api.as_user("leader_yc")
        .post("/supervision/cases", json={"county_code": YC, "case_reason": "x"})
        .status_code
        == 403
    )
    open_case(plac, YC)
    assert (
        plac.post("/supervision/cases", json={"county_code": YC, "case_reason": "再次立案"}).status_code
        == 409
    )
    # Started the generic way, the first task (立案登记) runs the same checks.
    started = plac.post("/processes/rectification_interview/instances", json={"data": {}})
    assert started.status_code == 201
    iid = started.get_json()["id"]
    assert "case_reason" in complete(plac, iid, "supervision.open", {"county_code": JX}, 422)["fields"]
    complete(plac, iid, "supervision.open", {"county_code": YC, "case_reason": "再次立案"}, 409)
    complete(plac, iid, "supervision.open", {"county_code": JX, "case_reason": "手动立案"})
    assert [
        c["instance_id"] for c in api.as_user("leader_jx").get("/supervision/cases").get_json()["items"]
    ] == [iid]


def test_the_ladder_is_configuration_and_a_case_keeps_its_copy(
    api: ApiClient, ladder: list[dict[str, Any]]
) -> None:
    plac = api.as_user("plac")
    assert [r["name"] for r in ladder] == ["通报", "约谈", "挂牌督办"]
    wrong = {
        "tool": "warning",
        "name": "",
        "rectify": True,
        "plan_days": 30,
        "period_days": 10,
        "issuer_code": "x",
    }
    refused = plac.put("/supervision/ladder", json={"rungs": [wrong]})
    assert refused.status_code == 422 and len(refused.get_json()["fields"]["rungs[0]"]) == 4
    assert api.as_user("leader_yc").put("/supervision/ladder", json={"rungs": ladder}).status_code == 403

    case = open_case(plac, YC)
    changed = [dict(ladder[1], name="约谈（新）", period_days=20)]
    assert plac.put("/supervision/ladder", json={"rungs": changed}).status_code == 200
    assert [r["name"] for r in plac.get("/supervision/ladder").get_json()["items"]] == ["约谈（新）"]
    assert [r["name"] for r in case_of(plac, case["id"])["ladder"]] == ["通报", "约谈", "挂牌督办"]
    assert case_of(plac, open_case(plac, JX)["id"])["rung"]["name"] == "约谈（新）"
