"""Funding applications (issue #4) end to end through the JSON API, on SQLite or PostgreSQL.

One call with six proposals and three experts each: a recusal and its replacement, an outlier,
ranking, a list over the budget refused, the public notice with an upheld objection (the next
in rank moves up), agreements, tranches, a late mid-term report (通报), a suspension and a
termination, final acceptance, and a ledger that reconciles. Refusals: budgets that do not add
up or exceed the maximum (422), applications outside the window, organizations not in good
standing.
"""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from pypdf import PdfReader
from sqlalchemy import select

from models import (
    FundingProposal,
    FundingSanction,
    Organization,
    OrganizationRepresentative,
    User,
)
from tests.conftest import DEMO_PASSWORD, ApiClient
from webapp.db import session_factory
from workflows import definitions
from workflows.accounts import create_user
from workflows.funding import funded_projects_completed
from workflows.instances import fire_due_timers
from workflows.working_days import CST

BPMN = Path(__file__).resolve().parents[2] / "workflows" / "bpmn"
PROCESSES = ("funding_call", "funding_application")
EXPERTS = ("expert1", "expert2", "expert3", "expert4", "expert5")
RUBRIC = [("需求分析", 30), ("实施方案", 30), ("团队能力", 20), ("预算合理性", 20)]
# name, county, street, applicant, requested amount, expert base score
ORGS = [
    ("锦纶社区心理服务中心", "140702", "140702001", "applicant_yc", 80_000, 92),
    ("介休市义安调解协会", "140781", "140781001", "applicant_jx", 70_000, 88),
    ("锦纶社区法律援助志愿队", "140702", "140702001", "applicant_yc", 60_000, 85),
    ("介休市北关矫治帮扶站", "140781", "140781001", "applicant_jx", 50_000, 80),
    ("锦纶社区平安巡防队", "140702", "140702001", "applicant_yc", 45_000, 76),
    ("介休市邻里互助会", "140781", "140781001", "applicant_jx", 30_000, 70),
]
BUDGET = 260_000


def today() -> date:
    """Today in China Standard Time."""
    return datetime.now(UTC).astimezone(CST).date()


@pytest.fixture(autouse=True)
def funding_world(app: Flask) -> Iterator[None]:
    """The funding processes deployed (as bundled), five experts and a second office official."""
    with session_factory(app)() as session:
        for key in PROCESSES:
            definitions.deploy_file(session, (BPMN / f"{key}.bpmn").read_bytes())
        people = [(name, "expert", f"评审专家（{name}）") for name in EXPERTS]
        people.append(("city_ca2", "city_civil_affairs", "市民政局 分管副局长"))
        known = set(session.scalars(select(User.username)))
        for username, role, display in people:
            if username not in known:  # users outlive the per-test cleanup
                create_user(session, username, DEMO_PASSWORD, [role], "140700", display)
        session.commit()
    yield
    shutil.rmtree(f"{app.config['UPLOAD_DIR']}/documents", ignore_errors=True)


def add_organization(app: Flask, name: str, county: str, street: str, applicant: str, **extra: Any) -> int:
    """A registered organization represented by `applicant`; its id."""
    with session_factory(app)() as session:
        user_id = session.scalar(select(User.id).where(User.username == applicant))
        values: dict[str, Any] = {
            "org_type": "association",
            "service_field": "mediation",
            "groups_served": ["elderly", "residents"],
            "status": "registered",
            **extra,
        }
        org = Organization(name=name, county_code=county, street_code=street, **values)
        session.add(org)
        session.flush()
        session.add(OrganizationRepresentative(organization_id=org.id, user_id=user_id))
        session.commit()
        return org.id


# --- API helpers ------------------------------------------------------------------------------------------


def ok(response: Any, status: int = 200) -> Any:
    """The JSON body of a response with the expected status."""
    assert response.status_code == status, response.get_json()
    return response.get_json()


def tasks_of(client: ApiClient, form_key: str) -> list[dict[str, Any]]:
    """The caller's open tasks with this form."""
    items = ok(client.get("/tasks"))["items"]
    return [t for t in items if t["form_key"] == form_key]


def complete(client: ApiClient, task_id: int, data: dict[str, Any], status: int = 200) -> Any:
    """Complete a task and check the status."""
    return ok(client.post(f"/tasks/{task_id}/complete", json={"data": data}), status)


def prefill(client: ApiClient, task_id: int) -> dict[str, Any]:
    """The draft prefilled from the call."""
    body = ok(client.post(f"/funding/tasks/{task_id}/prefill"))
    assert body["prefilled"], body
    data: dict[str, Any] = body["data"]
    return data


def fire(app: Flask, at: datetime) -> int:
    """Fire every timer due at `at` (time travel)."""
    with session_factory(app)() as session:
        return fire_due_timers(session, at)


def call_data(**changes: Any) -> dict[str, Any]:
    """A complete call definition."""
    data: dict[str, Any] = {
        "call_title": "2026年度社区社会组织公益创投",
        "call_kind": "venture",
        "call_fields": ["mediation", "legal_aid", "mental_health", "correction", "public_safety"],
        "call_area": "140700",
        "call_description": "围绕心理健康、矫治安帮、法律援助、矛盾纠纷调解和平安建设五大领域征集公益项目。",
        "call_budget": str(BUDGET),
        "call_max_per_project": "80000",
        "call_opens_on": today().isoformat(),
        "call_closes_on": (today() + timedelta(days=10)).isoformat(),
        "rubric": [{"criterion_name": n, "criterion_weight": w, "criterion_guide": ""} for n, w in RUBRIC],
        "experts_per_proposal": 3,
        "outlier_threshold": 15,
        "notice_days": 5,
        "tranche_first": 50,
        "tranche_second": 40,
        "tranche_final": 10,
    }
    data.update(changes)
    return data


def open_call(api: ApiClient, **changes: Any) -> tuple[ApiClient, dict[str, Any]]:
    """city_ca defines and opens a call; the office client and the call."""
    office = api.as_user("city_ca")
    instance = ok(office.post("/processes/funding_call/instances", json={"data": {}}), 201)
    task = next(t for t in instance["tasks"] if t["form_key"] == "funding.call")
    complete(office, task["id"], call_data(**changes))
    calls = ok(office.get("/funding/calls"))["items"]
    return office, next(c for c in calls if c["instance_id"] == instance["id"])


def upload(client: ApiClient, instance_id: int) -> str:
    """A small PDF attached to the case; its id."""
    response = client.post(
        f"/instances/{instance_id}/attachments",
        data={"file": (io.BytesIO(b"%PDF-1.4\n% proposal\n"), "申报书.pdf")},
        content_type="multipart/form-data",
    )
    return str(ok(response, 201)["id"])


def proposal_data(title: str, amount: int, **changes: Any) -> dict[str, Any]:
    """A complete application whose budget lines add up to `amount`."""
    start = today() + timedelta(days=30)
    data: dict[str, Any] = {
        "project_title": title,
        "project_summary": "社区内独居老人、困难家庭矛盾纠纷多发，需要专业调解与心理疏导服务。",
        "project_field": "mediation",
        "project_groups": ["elderly", "hardship"],
        "project_location": "榆次区锦纶街道各社区",
        "project_start": start.isoformat(),
        "project_end": (start + timedelta(days=180)).isoformat(),
        "budget_lines": [
            {
                "budget_item": "调解员劳务",
                "budget_category": "personnel",
                "budget_amount": str(amount - 10_000),
            },
            {"budget_item": "宣传资料", "budget_category": "publicity", "budget_amount": "10000"},
        ],
        "budget_total": str(amount),
        "implementation_plan": "组建调解队伍，每月开展两次入户走访和一次集中调解活动。",
        "milestones": [
            {
                "milestone": "组建团队",
                "milestone_due": (start + timedelta(days=20)).isoformat(),
                "milestone_output": "名册",
            },
            {
                "milestone": "集中服务",
                "milestone_due": (start + timedelta(days=150)).isoformat(),
                "milestone_output": "台账",
            },
        ],
        "team": [{"member_name": "王芳", "member_role": "项目负责人", "member_skills": "二级心理咨询师"}],
        "declaration": True,
    }
    data.update(changes)
    return data


def apply(
    api: ApiClient, call_id: int, org_id: int, applicant: str, title: str, amount: int
) -> dict[str, Any]:
    """Apply from the call page and submit the prefilled application; the instance after it."""
    client = api.as_user(applicant)
    instance = ok(
        client.post(f"/funding/calls/{call_id}/applications", json={"organization_id": org_id}), 201
    )
    task = next(t for t in instance["tasks"] if t["form_key"] == "funding.application")
    draft = ok(client.get(f"/tasks/{task['id']}"))["draft"]["data"]
    assert draft["call_id"] == call_id and draft["organization_id"] == org_id
    data = {**draft, **proposal_data(title, amount), "proposal_file": upload(client, instance["id"])}
    result: dict[str, Any] = complete(client, task["id"], data)
    return result


def scores(base: int, criteria: list[str] | None = None) -> list[dict[str, Any]]:
    """Every criterion scored `base` with a remark."""
    return [{"criterion": n, "score": base, "remark": f"{n}较好"} for n in criteria or [n for n, _ in RUBRIC]]


# --- tests ------------------------------------------------------------------------------------------------


def test_call_application_and_panel(app: Flask, api: ApiClient) -> None:
    _office, call = open_call(api)
    assert call["status"] == "open" and call["budget"] == BUDGET
    name, county, street, applicant, amount, _base = ORGS[0]
    org_id = add_organization(app, name, county, street, applicant)
    body = apply(api, call["id"], org_id, applicant, "心理疏导进社区", amount)
    assert [t["form_key"] for t in body["tasks"]] == ["funding.street_opinion"]
    street = api.as_user("street_yc")
    opinion = tasks_of(street, "funding.street_opinion")
    assert len(opinion) == 1
    complete(street, opinion[0]["id"], {"decision": "recommend", "comment": "该组织长期在社区服务，推荐。"})
    seats = {e: tasks_of(api.as_user(e), "funding.review") for e in EXPERTS}
    assert sum(len(t) for t in seats.values()) == 3
    assert all(len(t) <= 1 for t in seats.values())
    # A seat belongs to its expert: another expert can neither see nor take it.
    holder = next(e for e, t in seats.items() if t)
    other = api.as_user(next(e for e, t in seats.items() if not t))
    seat = seats[holder][0]["id"]
    assert other.post(f"/tasks/{seat}/claim").status_code in (403, 404, 409)
    assert other.post(f"/tasks/{seat}/complete", json={"data": {"conflict": "recuse"}}).status_code in (
        403,
        404,
    )


def review_all(
    api: ApiClient,
    proposals: dict[int, dict[str, Any]],
    recuse: tuple[str, int] | None = None,
    outlier: tuple[int, int] | None = None,
) -> dict[str, int]:
    """Every expert scores every seat they hold (prefilled rubric); `recuse` = (expert, proposal id)
    declares a conflict instead, `outlier` = (proposal id, seat) scores 35 points low. Loops until
    no seat is open (replacements get theirs after a recusal). Returns the seats per expert."""
    done: dict[str, int] = {}
    recused = False
    for _round in range(3):
        open_seats = 0
        for expert in EXPERTS:
            client = api.as_user(expert)
            for task in tasks_of(client, "funding.review"):
                open_seats += 1
                pid = next(p for p, info in proposals.items() if info["instance_id"] == task["instance_id"])
                if recuse and not recused and recuse == (expert, pid):
                    complete(
                        client,
                        task["id"],
                        {"conflict": "recuse", "conflict_reason": "本人曾担任该组织顾问。"},
                    )
                    recused = True
                    continue
                draft = prefill(client, task["id"])
                base = proposals[pid]["base"]
                if outlier and outlier[0] == pid and done.get(f"outlier-{pid}") is None:
                    base, done[f"outlier-{pid}"] = base - 35, 1
                rows = [{**row, "score": base, "remark": "论证充分"} for row in draft["criterion_scores"]]
                complete(client, task["id"], {"conflict": "none", "criterion_scores": rows})
                done[expert] = done.get(expert, 0) + 1
        if open_seats == 0:
            break
    return done


def pay(office: ApiClient, instance_id: int, voucher: str) -> dict[str, Any]:
    """The office approves the open tranche of a project."""
    task = next(t for t in tasks_of(office, "funding.payment") if t["instance_id"] == instance_id)
    data = {"paid_on": today().isoformat(), "voucher_no": voucher, "payment_note": "国库集中支付"}
    result: dict[str, Any] = complete(office, task["id"], data)
    return result


def one_task(client: ApiClient, form_key: str, instance_id: int) -> dict[str, Any]:
    """The caller's open task of this form in this case."""
    found = [t for t in tasks_of(client, form_key) if t["instance_id"] == instance_id]
    assert len(found) == 1, (form_key, instance_id, found)
    return found[0]


def midterm(client: ApiClient, instance_id: int) -> None:
    """The organization submits its mid-term report."""
    task = one_task(client, "funding.midterm_report", instance_id)
    data = {
        "midterm_progress": "已完成入户走访120户，调解纠纷18起。",
        "midterm_beneficiaries": 320,
        "midterm_spent": "30000",
        "midterm_file": upload(client, instance_id),
    }
    complete(client, task["id"], data)


def proposals_by_title(office: ApiClient, call_id: int) -> dict[str, dict[str, Any]]:
    """The call's proposals as the office sees them, by title."""
    return {p["title"]: p for p in ok(office.get(f"/funding/calls/{call_id}"))["proposals"]}


def pdf_text(client: ApiClient, document_id: int) -> str:
    """The text of a generated PDF."""
    response = client.get(f"/documents/{document_id}")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)


def test_a_full_call(app: Flask, api: ApiClient) -> None:
    office, call = open_call(api)
    call_id = call["id"]
    titles = [f"项目{i + 1}：{org[0]}服务计划" for i, org in enumerate(ORGS)]
    proposals: dict[int, dict[str, Any]] = {}
    for (name, county, street, applicant, amount, base), title in zip(ORGS, titles, strict=True):
        org_id = add_organization(app, name, county, street, applicant)
        instance = apply(api, call_id, org_id, applicant, title, amount)
        pid = ok(office.get(f"/funding/calls/{call_id}"))["proposals"][-1]["id"]
        proposals[pid] = {
            "instance_id": instance["id"],
            "base": base,
            "title": title,
            "applicant": applicant,
            "amount": amount,
            "county": county,
        }
    ids = list(proposals)

    # The window closes on its timer: no more applications.
    closes = datetime.fromisoformat(call["closes_at"])
    assert fire(app, closes + timedelta(minutes=1)) == 1
    late_org = add_organization(app, "锦纶社区迟到的协会", "140702", "140702001", "applicant_yc")
    late = api.as_user("applicant_yc").post(
        f"/funding/calls/{call_id}/applications", json={"organization_id": late_org}
    )
    assert late.status_code == 409 and "不受理" in late.get_json()["message"]

    # Street offices give their opinions; every proposal gets three experts.
    for username in ("street_yc", "street_jx"):
        client = api.as_user(username)
        for task in tasks_of(client, "funding.street_opinion"):
            complete(client, task["id"], {"decision": "recommend", "comment": "组织运作规范，推荐。"})

    # The office cannot rank while the panels are still at work.
    rank_task = tasks_of(office, "funding.ranking")[0]
    early = office.post(
        f"/tasks/{rank_task['id']}/complete",
        json={"data": {"funded_list": [{"proposal_id": ids[0], "amount": "1000"}]}},
    )
    assert early.status_code == 409 and "未完成评审" in early.get_json()["message"]

    # Experts score; one recuses (a replacement takes the seat); one scores far below the others.
    first_seat = next(
        e
        for e in EXPERTS
        for t in tasks_of(api.as_user(e), "funding.review")
        if t["instance_id"] == proposals[ids[0]]["instance_id"]
    )
    review_all(api, proposals, recuse=(first_seat, ids[0]), outlier=(ids[5], 1))
    detail = ok(office.get(f"/funding/proposals/{ids[0]}"))
    seats = detail["reviews"]
    assert [s["status"] for s in seats].count("recused") == 1 and [s["status"] for s in seats].count(
        "scored"
    ) == 3
    recusal = next(s for s in seats if s["status"] == "recused")
    assert recusal["expert_id"] != recusal["replaced_by"] and recusal["conflict_reason"]
    assert detail["score"] == 92.0
    flagged = ok(office.get(f"/funding/proposals/{ids[5]}"))
    assert flagged["has_outlier"] and [s["outlier"] for s in flagged["reviews"]].count(True) == 1
    # An applicant sees the score of their own proposal, never who scored it.
    mine = ok(api.as_user("applicant_yc").get(f"/funding/proposals/{ids[0]}"))
    assert mine["score"] == 92.0 and mine["reviews"] == []
    assert api.as_user("applicant_yc").get(f"/funding/proposals/{ids[1]}").status_code == 404

    # Ranking: a list over the budget is refused; the suggested list fits.
    rows = prefill(office, rank_task["id"])["funded_list"]
    assert [r["proposal_id"] for r in rows] == ids[:4]
    over = [*rows, {"proposal_id": ids[4], "amount": "45000"}]
    refused = office.post(f"/tasks/{rank_task['id']}/complete", json={"data": {"funded_list": over}})
    assert refused.status_code == 422
    assert any("超出批次预算" in m for m in refused.get_json()["fields"]["funded_list"])
    complete(
        office, rank_task["id"], {"funded_list": rows, "ranking_comment": "按评分排名，在预算内择优资助。"}
    )

    # The leader approves — never the official who drew up the list.
    approval = tasks_of(api.as_user("city_ca2"), "funding.list_approval")[0]
    same = office.post(f"/tasks/{approval['id']}/complete", json={"data": {"decision": "approve"}})
    assert same.status_code == 403
    complete(api.as_user("city_ca2"), approval["id"], {"decision": "approve", "comment": "同意公示。"})

    # Public notice: anyone can read it and object in writing, with name and contact.
    public = ApiClient(api.client)
    notice = ok(public.get(f"/funding/notices/{call_id}"))
    assert notice["open"] and [e["id"] for e in notice["entries"]] == ids[:4]
    assert notice["total"] == 260_000 and len(notice["experts"]) == 5
    anonymous = public.post(
        f"/funding/notices/{call_id}/objections",
        json={"proposal_id": ids[1], "objection_content": "该组织负责人同时在另一组织领取劳务费。"},
    )
    assert anonymous.status_code == 422
    assert set(anonymous.get_json()["fields"]) == {"objector_name", "objector_contact"}
    objection = {
        "proposal_id": ids[1],
        "objector_name": "李明",
        "objector_contact": "13903540000",
        "objection_content": "该组织负责人同时在另一组织领取同一项目的劳务费，存在重复申报。",
    }
    ok(public.post(f"/funding/notices/{call_id}/objections", json=objection), 201)

    # The notice ends: the office rules on the objection; it is upheld and the project drops out.
    ends = datetime.fromisoformat(notice["ends_at"])
    assert fire(app, ends + timedelta(minutes=1)) == 1
    ruling = tasks_of(office, "funding.objections")[0]
    rows = prefill(office, ruling["id"])["resolutions"]
    assert len(rows) == 1
    incomplete = office.post(
        f"/tasks/{ruling['id']}/complete",
        json={
            "data": {
                "resolutions": [
                    {
                        **rows[0],
                        "objection_id": rows[0]["objection_id"] + 99,
                        "outcome": "rejected",
                        "reason": "不成立",
                    }
                ]
            }
        },
    )
    assert incomplete.status_code == 422
    complete(
        office,
        ruling["id"],
        {
            "resolutions": [
                {**rows[0], "outcome": "upheld", "reason": "经核实，该组织存在重复申报，异议成立。"}
            ]
        },
    )
    assert proposals_by_title(office, call_id)[titles[1]]["status"] == "dropped"

    # The next in rank moves up in a second list, approved and noticed again; no objection this time.
    rank_task = tasks_of(office, "funding.ranking")[0]
    rows = prefill(office, rank_task["id"])["funded_list"]
    assert [r["proposal_id"] for r in rows] == [ids[0], ids[2], ids[3], ids[4]]
    complete(office, rank_task["id"], {"funded_list": rows})
    approval = tasks_of(api.as_user("city_ca2"), "funding.list_approval")[0]
    complete(api.as_user("city_ca2"), approval["id"], {"decision": "approve"})
    notice = ok(public.get(f"/funding/notices/{call_id}"))
    assert notice["round"] == 2
    assert fire(app, datetime.fromisoformat(notice["ends_at"]) + timedelta(minutes=1)) == 1
    status = {t: p["status"] for t, p in proposals_by_title(office, call_id).items()}
    assert status == {
        titles[0]: "funded",
        titles[1]: "dropped",
        titles[2]: "funded",
        titles[3]: "funded",
        titles[4]: "funded",
        titles[5]: "not_funded",
    }
    assert ok(office.get(f"/funding/calls/{call_id}"))["status"] == "finalized"

    # Agreements: numbered PDFs; the organizations sign; the first tranche (50 %) is paid.
    funded = [ids[0], ids[2], ids[3], ids[4]]
    for pid in funded:
        info = proposals[pid]
        client = api.as_user(info["applicant"])
        case = ok(client.get(f"/instances/{info['instance_id']}"))
        agreement = next(d for d in case["documents"] if d["kind"] == "funding_agreement")
        assert agreement["number"].startswith("晋民资〔")
        if pid == ids[0]:
            text = pdf_text(client, agreement["id"])
            assert agreement["number"] in text and ORGS[0][0] in text and "80,000.00" in text
        sign = one_task(client, "funding.sign", info["instance_id"])
        complete(client, sign["id"], {"agree": True, "signatory": "王芳", "signed_on": today().isoformat()})
        pay(office, info["instance_id"], f"PZ-{pid}-1")
    payments = ok(office.get(f"/funding/proposals/{ids[0]}"))["payments"]
    assert [(p["stage"], p["amount"], p["approved_by"]) for p in payments] == [
        ("agreement", 40_000.0, "市民政局 王科长")
    ]

    # Mid-term: three report on time; the fourth is late and is circulated (通报), then reports.
    for pid in (ids[0], ids[3], ids[4]):
        midterm(api.as_user(proposals[pid]["applicant"]), proposals[pid]["instance_id"])
    due = datetime.fromisoformat(ok(office.get(f"/funding/proposals/{ids[2]}"))["midterm_due"])
    assert fire(app, due + timedelta(hours=1)) == 1
    sanctions = ok(office.get(f"/funding/proposals/{ids[2]}"))["sanctions"]
    assert [(s["kind"], s["stage"]) for s in sanctions] == [("circulation", "midterm")] and sanctions[0][
        "document_id"
    ]
    midterm(api.as_user(proposals[ids[2]]["applicant"]), proposals[ids[2]]["instance_id"])

    # Evaluation: pass; suspension then rectification then pass; termination with its reason.
    def evaluate(pid: int, decision: str, comment: str = "") -> None:
        task = one_task(office, "funding.evaluation", proposals[pid]["instance_id"])
        complete(office, task["id"], {"decision": decision, "comment": comment})

    no_reason = office.post(
        f"/tasks/{one_task(office, 'funding.evaluation', proposals[ids[3]]['instance_id'])['id']}/complete",
        json={"data": {"decision": "terminate"}},
    )
    assert no_reason.status_code == 422 and "comment" in no_reason.get_json()["fields"]
    evaluate(ids[3], "terminate", "服务对象与申报不符，资金使用不规范，终止项目。")
    evaluate(ids[2], "suspend", "台账不全，限期整改。")
    applicant = api.as_user(proposals[ids[2]]["applicant"])
    rect = one_task(applicant, "funding.rectification", proposals[ids[2]]["instance_id"])
    complete(applicant, rect["id"], {"rectification_report": "已补齐服务台账和签到表。"})
    evaluate(ids[2], "pass", "整改到位。")
    evaluate(ids[0], "pass", "进展良好。")
    for pid in (ids[0], ids[2]):
        pay(office, proposals[pid]["instance_id"], f"PZ-{pid}-2")

    # Final report, returned once for more material, then accepted: the final tranche completes it.
    client = api.as_user(proposals[ids[0]]["applicant"])
    final = {
        "final_outcomes": "服务老人1200人次，化解纠纷45起。",
        "final_beneficiaries": 1200,
        "expenditure": [
            {"spent_item": "调解员劳务", "spent_amount": "70000"},
            {"spent_item": "宣传资料", "spent_amount": "10000"},
        ],
        "final_spent": "80000",
    }
    task = one_task(client, "funding.final_report", proposals[ids[0]]["instance_id"])
    mismatch = client.post(
        f"/tasks/{task['id']}/complete",
        json={
            "data": {
                **final,
                "final_spent": "90000",
                "final_file": upload(client, proposals[ids[0]]["instance_id"]),
            }
        },
    )
    assert mismatch.status_code == 422 and "final_spent" in mismatch.get_json()["fields"]
    complete(client, task["id"], {**final, "final_file": upload(client, proposals[ids[0]]["instance_id"])})
    accept = one_task(office, "funding.acceptance", proposals[ids[0]]["instance_id"])
    complete(office, accept["id"], {"decision": "return", "comment": "请补充财务决算审计报告。"})
    task = one_task(client, "funding.final_report", proposals[ids[0]]["instance_id"])
    complete(client, task["id"], {**final, "final_file": upload(client, proposals[ids[0]]["instance_id"])})
    accept = one_task(office, "funding.acceptance", proposals[ids[0]]["instance_id"])
    complete(office, accept["id"], {"decision": "pass", "comment": "验收合格。"})
    done = pay(office, proposals[ids[0]]["instance_id"], f"PZ-{ids[0]}-3")
    assert done["status"] == "completed"

    # The ledger reconciles: budget = funded + remaining, and per county and field.
    book = ok(office.get(f"/funding/calls/{call_id}/ledger"))
    assert book["reconciles"], book["checks"]
    funded_total = 80_000 + 60_000 + 45_000 + 25_000  # the terminated project keeps only its first tranche
    paid_total = 80_000 + 30_000 + 24_000 + 25_000 + 22_500
    assert (book["budget"], book["funded"], book["paid"]) == (BUDGET, funded_total, paid_total)
    assert book["remaining"] == BUDGET - funded_total and book["outstanding"] == funded_total - paid_total
    assert book["released"] == 25_000
    counties = {row["key"]: (row["funded"], row["paid"], row["projects"]) for row in book["by_county"]}
    assert counties == {"140702": (185_000, 156_500, 3), "140781": (25_000, 25_000, 1)}
    assert [(row["key"], row["funded"]) for row in book["by_field"]] == [("mediation", funded_total)]
    assert len(book["payments"]) == 7 and all(p["approved_by"] for p in book["payments"])
    totals = ok(office.get("/funding/totals"))
    assert totals["calls"][0]["funded"] == funded_total and totals["by_county"][0]["key"] == "140702"
    assert api.as_user("applicant_yc").get(f"/funding/calls/{call_id}/ledger").status_code == 403

    # The organization's history and the assessment indicator.
    history = ok(api.as_user("applicant_yc").get(f"/funding/organizations/{org_id_of(app, ORGS[0][0])}"))
    assert [(p["status"], p["paid"]) for p in history["proposals"]] == [("completed", 80_000.0)]
    with session_factory(app)() as session:
        assert funded_projects_completed(session, "140702", today(), today()) == 1.0
        assert funded_projects_completed(session, "140781", today(), today()) == 0.0
        kinds = session.scalars(select(FundingSanction.kind).order_by(FundingSanction.id)).all()
        assert sorted(kinds) == ["circulation", "suspension", "termination"]


def org_id_of(app: Flask, name: str) -> int:
    """The id of an organization by name."""
    with session_factory(app)() as session:
        org_id = session.scalar(select(Organization.id).where(Organization.name == name))
        assert org_id is not None
        return org_id


def start_application(
    api: ApiClient, call_id: int, org_id: int, applicant: str = "applicant_yc"
) -> tuple[ApiClient, dict[str, Any]]:
    """Apply from the call page; the applicant's client and the open application task with its draft."""
    client = api.as_user(applicant)
    instance = ok(
        client.post(f"/funding/calls/{call_id}/applications", json={"organization_id": org_id}), 201
    )
    task = next(t for t in instance["tasks"] if t["form_key"] == "funding.application")
    draft = ok(client.get(f"/tasks/{task['id']}"))["draft"]["data"]
    return client, {**task, "data": {**draft, "proposal_file": upload(client, instance["id"])}}


def test_invalid_budgets_are_refused_with_messages(app: Flask, api: ApiClient) -> None:
    _office, call = open_call(api)
    org_id = add_organization(app, *ORGS[0][:4])
    client, task = start_application(api, call["id"], org_id)
    base = {**task["data"], **proposal_data("预算不平的项目", 50_000)}

    not_adding_up = client.post(
        f"/tasks/{task['id']}/complete", json={"data": {**base, "budget_total": "55000"}}
    )
    assert not_adding_up.status_code == 422
    assert not_adding_up.get_json()["fields"]["budget_total"] == [
        "预算明细合计 50,000.00 元，与申请资助总额 55,000.00 元不一致。"
    ]
    over = {**base, **proposal_data("超过上限的项目", 90_000)}
    too_much = client.post(f"/tasks/{task['id']}/complete", json={"data": over})
    assert too_much.status_code == 422
    assert too_much.get_json()["fields"]["budget_total"] == [
        "申请资助总额 90,000.00 元超过本批次单个项目资助上限 80,000.00 元。"
    ]
    line = {
        **base,
        "budget_lines": [{"budget_item": "劳务", "budget_category": "personnel", "budget_amount": "-5"}],
    }
    negative = client.post(f"/tasks/{task['id']}/complete", json={"data": line})
    assert negative.status_code == 422 and "budget_lines[0].budget_amount" in negative.get_json()["fields"]
    # Nothing was registered by the refused submissions; a valid one goes through.
    with session_factory(app)() as session:
        assert session.scalar(select(FundingProposal.id)) is None
    body = complete(client, task["id"], base)
    assert [t["form_key"] for t in body["tasks"]] == ["funding.street_opinion"]


def test_call_rules_are_checked(api: ApiClient) -> None:
    office = api.as_user("city_ca")
    instance = ok(office.post("/processes/funding_call/instances", json={"data": {}}), 201)
    task = instance["tasks"][0]
    rubric = [
        {"criterion_name": "需求", "criterion_weight": 60},
        {"criterion_name": "方案", "criterion_weight": 30},
    ]
    bad = office.post(
        f"/tasks/{task['id']}/complete",
        json={"data": call_data(rubric=rubric, tranche_final=20, call_max_per_project="300000")},
    )
    fields = ok(bad, 422)["fields"]
    assert fields["rubric"] == ["评分项权重合计应为100%，当前为90%。"]
    assert fields["tranche_final"] == ["三期拨付比例合计应为100%，当前为110%。"]
    assert fields["call_max_per_project"] == ["单个项目资助上限不能超过批次预算。"]
    past = office.post(
        f"/tasks/{task['id']}/complete",
        json={
            "data": call_data(
                call_opens_on=(today() - timedelta(days=20)).isoformat(),
                call_closes_on=(today() - timedelta(days=1)).isoformat(),
            )
        },
    )
    assert ok(past, 422)["fields"]["call_closes_on"] == ["申报截止日期不能早于今天。"]
    county = office.post(f"/tasks/{task['id']}/complete", json={"data": call_data(experts_per_proposal=9)})
    assert "experts_per_proposal" in ok(county, 422)["fields"]


def test_only_organizations_in_good_standing_may_apply(app: Flask, api: ApiClient) -> None:
    _office, call = open_call(api)
    org_id = add_organization(app, *ORGS[0][:4])
    registrar = api.as_user("registrar_yc")
    case = ok(
        registrar.post(
            "/funding/supervisions",
            json={"organization_id": org_id, "reason": "账目不清，正在整改", "basis": "年度检查"},
        ),
        201,
    )
    assert (
        api.as_user("registrar_jx")
        .post("/funding/supervisions", json={"organization_id": org_id, "reason": "越权立案"})
        .status_code
        == 403
    )

    applicant = api.as_user("applicant_yc")
    refused = applicant.post(f"/funding/calls/{call['id']}/applications", json={"organization_id": org_id})
    assert refused.status_code == 403
    assert "监管整改期" in refused.get_json()["message"] and "账目不清" in refused.get_json()["message"]

    ok(registrar.post(f"/funding/supervisions/{case['id']}/close", json={"note": "整改到位"}))
    client, task = start_application(api, call["id"], org_id)
    # A case opened while the application is being written stops its submission too.
    ok(
        registrar.post(
            "/funding/supervisions", json={"organization_id": org_id, "reason": "群众举报，立案核查"}
        ),
        201,
    )
    late = client.post(
        f"/tasks/{task['id']}/complete", json={"data": {**task["data"], **proposal_data("项目", 50_000)}}
    )
    assert late.status_code == 403 and "群众举报" in late.get_json()["message"]
    history = ok(registrar.get(f"/funding/organizations/{org_id}"))
    assert [c["open"] for c in history["supervisions"]] == [False, True]

    revoked = add_organization(app, "已撤销的协会", "140702", "140702001", "applicant_yc", status="revoked")
    gone = applicant.post(f"/funding/calls/{call['id']}/applications", json={"organization_id": revoked})
    assert gone.status_code == 403 and "已撤销" in gone.get_json()["message"]
    other = add_organization(app, "别人的协会", "140781", "140781001", "applicant_jx")
    assert (
        applicant.post(
            f"/funding/calls/{call['id']}/applications", json={"organization_id": other}
        ).status_code
        == 403
    )


def test_one_proposal_per_organization_and_the_precheck(app: Flask, api: ApiClient) -> None:
    _office, call = open_call(api)
    org_id = add_organization(app, *ORGS[0][:4])
    client, task = start_application(api, call["id"], org_id)
    long = proposal_data("两年期项目", 50_000, project_end=(today() + timedelta(days=30 + 500)).isoformat())
    body = complete(client, task["id"], {**task["data"], **long})
    assert body["status"] == "completed" and body["tasks"] == []
    first = ok(client.get(f"/funding/calls/{call['id']}"))["proposals"][0]["id"]
    detail = ok(client.get(f"/funding/proposals/{first}"))
    assert detail["status"] == "ineligible" and "超过12个月" in detail["eligibility_problems"][0]
    # An ineligible proposal does not block a new one; a live one does.
    client, task = start_application(api, call["id"], org_id)
    complete(client, task["id"], {**task["data"], **proposal_data("一年期项目", 50_000)})
    again = client.post(f"/funding/calls/{call['id']}/applications", json={"organization_id": org_id})
    assert again.status_code == 409 and "每个组织每批次限报一个项目" in again.get_json()["message"]
