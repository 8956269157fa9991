"""Incubation bases, admission, services, growth evaluation and graduation (issue #9), through the API."""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from pypdf import PdfReader
from sqlalchemy import select

from models import Incubation, Notification, Organization, User
from tests.conftest import DEMO_PASSWORD, ApiClient
from webapp.db import session_factory
from workflows.accounts import create_user
from workflows.incubation_common import add_months
from workflows.indicators import all_indicators
from workflows.instances import fire_due_timers
from workflows.working_days import CST

SERVICES = [
    "office_space",
    "policy_guidance",
    "capacity_building",
    "growth_evaluation",
    "financial_custody",
    "registration_assistance",
]


@pytest.fixture(autouse=True)
def _process_and_people(app: Flask) -> Iterator[None]:
    """Operator staff of two bases (social organization people, role applicant) and a second group."""
    with session_factory(app)() as session:
        for username, name in (("op_yc", "运营人员甲"), ("op2_yc", "运营人员乙"), ("op3_yc", "运营人员丙")):
            create_user(session, username, DEMO_PASSWORD, ["applicant"], "140702001", name)
        create_user(session, "founder2_yc", DEMO_PASSWORD, ["applicant"], "140702002001", "另一发起人")
        session.commit()
    yield
    shutil.rmtree(Path(app.config["UPLOAD_DIR"]) / "documents", ignore_errors=True)


def organization(
    app: Flask, name: str, status: str = "registered", county: str = "140702", **extra: Any
) -> int:
    """A registry entry made directly (the registration process is tested elsewhere)."""
    with session_factory(app)() as session:
        org = Organization(
            name=name,
            org_type="association",
            county_code=county,
            status=status,
            street_code="140702001",
            **extra,
        )
        session.add(org)
        session.commit()
        return org.id


def base_body(operator_org: int, **changes: Any) -> dict[str, Any]:
    """A base in 榆次区, run by the federation, in the street service centre."""
    body: dict[str, Any] = {
        "name": "榆次区锦纶街道社区社会组织孵化基地",
        "county_code": "140702",
        "street_code": "140702001",
        "address": "榆次区锦纶街道综合服务中心三楼",
        "premises_source": "street_centre",
        "premises_terms": "free",
        "area_sqm": 300,
        "operator_org_id": operator_org,
        "operator_usernames": "op_yc, op2_yc",
        "guide_usernames": "registrar_yc",
        "capacity": 10,
        "services": SERVICES,
        "contact_phone": "0354-3021234",
    }
    body.update(changes)
    return body


def register_base(api: ApiClient, app: Flask, **changes: Any) -> dict[str, Any]:
    """leader_yc registers a base run by a (new) federation; the base's overview."""
    federation = organization(app, changes.pop("operator_name", "榆次区锦纶街道社区社会组织联合会"))
    response = api.as_user("leader_yc").post("/incubation/bases", json=base_body(federation, **changes))
    assert response.status_code == 201, response.get_json()
    body: dict[str, Any] = response.get_json()
    return body


APPLICATION: dict[str, Any] = {
    "group_stage": "founding",
    "group_name": "榆次区锦纶社区邻里调解队",
    "founded_on": "2025-03-01",
    "members_count": 15,
    "leader_name": "张敏",
    "leader_phone": "13803540001",
    "venue": "锦纶社区居委会二楼活动室",
    "intro": "由社区退休干部和志愿者组成，调解邻里纠纷，开展普法宣传。",
    "group_service_field": "mediation",
    "group_served": ["elderly", "residents"],
    "group_activity_area": "community",
    "past_activities": "调解邻里纠纷二十余起，开展普法讲座六次。",
    "needs": ["office_space", "capacity_building", "financial_custody", "registration_assistance"],
    "plan_goals": "一年内建立章程和财务制度，骨干参加调解员培训，具备登记条件。",
    "milestones": [{"month": 3, "target": "制定章程"}, {"month": 9, "target": "完成调解员培训"}],
    "intended_outcome": "register",
    "intended_org_type": "association",
    "pledge": True,
}


def only(body: dict[str, Any], form_key: str) -> dict[str, Any]:
    tasks = [t for t in body["tasks"] if t["form_key"] == form_key]
    assert len(tasks) == 1, body["tasks"]
    return tasks[0]


def complete(client: ApiClient, task_id: int, data: dict[str, Any], status: int = 200) -> dict[str, Any]:
    response = client.post(f"/tasks/{task_id}/complete", json={"data": data})
    assert response.status_code == status, response.get_json()
    result: dict[str, Any] = response.get_json()
    return result


def apply(api: ApiClient, base_id: int, username: str = "applicant_yc", **changes: Any) -> dict[str, Any]:
    """Start an admission and submit the application; the instance after it."""
    applicant = api.as_user(username)
    started = applicant.post("/processes/incubation_admission/instances", json={"data": {}})
    assert started.status_code == 201, started.get_json()
    task = only(started.get_json(), "incubation.application")
    return complete(applicant, task["id"], {**APPLICATION, "base_id": base_id, **changes})


def review(
    api: ApiClient, body: dict[str, Any], decision: str = "recommend", **changes: Any
) -> dict[str, Any]:
    task = only(body, "incubation.operator_review")
    data = {
        "interview_on": "2026-01-05",
        "interviewers": "运营人员甲、民政局登记员",
        "interview_notes": "骨干稳定，调解经验丰富，缺少章程和财务制度。",
        "decision": decision,
        "services_offered": [
            "office_space",
            "capacity_building",
            "financial_custody",
            "registration_assistance",
        ],
        "comment": "同意入驻。" if decision == "recommend" else "请补充成员名单。",
        **changes,
    }
    return complete(api.as_user("op_yc"), task["id"], data)


def admit(api: ApiClient, base_id: int, **changes: Any) -> dict[str, Any]:
    """Apply, operator review, county approval: the instance after the agreement."""
    body = review(api, apply(api, base_id))
    task = only(body, "incubation.county_decision")
    assert task["lane"] == "county_leader" and task["scope"] == "140702"
    return complete(
        api.as_user("leader_yc"), task["id"], {"decision": "approve", "comment": "同意", **changes}
    )


def incubation_of(api: ApiClient, username: str = "applicant_yc") -> dict[str, Any]:
    [item] = api.as_user(username).get("/incubation/incubations").get_json()["items"]
    return item  # type: ignore[no-any-return]


def fire_at(app: Flask, day: date, hour: int = 9) -> int:
    """Fire the timers due on `day` at `hour`:05 China Standard Time."""
    with session_factory(app)() as session:
        return fire_due_timers(session, datetime.combine(day, time(hour, 5), tzinfo=CST))


def pdf_text(client: ApiClient, document_id: int) -> str:
    response = client.get(f"/documents/{document_id}")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages).replace(
        "\n", ""
    )


def open_tasks(client: ApiClient) -> list[dict[str, Any]]:
    return list(client.get("/tasks").get_json()["items"])


SCORES_WEAK = {
    "evaluated_on": "2026-07-10",
    "score_governance": 10,
    "score_finances": 8,
    "score_activities": 14,
    "score_people_served": 12,
    "score_capacity": 9,
    "note_finances": "账目不清。",
    "eval_summary": "活动开展较好，治理和财务薄弱。",
    "decision": "on_track",
}


# --- the journey the issue asks for ---------------------------------------------------------------


def test_base_admission_services_evaluation_graduation_and_registration(api: ApiClient, app: Flask) -> None:
    base = register_base(api, app)
    assert base["county"]["name"] == "榆次区" and base["premises_source_label"] == "街道（乡镇）综合服务中心"
    assert [s["name"] for s in base["staff"] if s["kind"] == "operator"] == ["运营人员甲", "运营人员乙"]
    public = api.get("/incubation/bases").get_json()["items"]
    assert [b["name"] for b in public] == [base["name"]] and "staff" not in public[0]

    # Admission: the group applies, the operator's lead reviews, the county approves.
    body = apply(api, base["id"])
    review_task = only(body, "incubation.operator_review")
    operator = api.as_user("op_yc")
    assert [t["id"] for t in open_tasks(operator)] == [review_task["id"]]
    assert open_tasks(api.as_user("op2_yc")) == [] and review_task["assignee"] is not None
    body = review(api, body)
    body = complete(
        api.as_user("leader_yc"), only(body, "incubation.county_decision")["id"], {"decision": "approve"}
    )
    assert body["status"] == "waiting" and body["tasks"] == []
    [agreement] = [d for d in body["documents"] if d["kind"] == "incubation_agreement"]
    assert agreement["number"].startswith("榆民孵〔")
    text = pdf_text(api.as_user("applicant_yc"), agreement["id"])
    for expected in (
        agreement["number"],
        "榆次区锦纶社区邻里调解队",
        base["name"],
        "财务托管",
        "榆次区锦纶街道社区社会组织联合会",
    ):
        assert expected in text, expected
    incubation = incubation_of(api)
    today = datetime.now(CST).date()
    assert incubation["status"] == "incubating" and incubation["started_on"] == today.isoformat()
    assert incubation["ends_on"] == (add_months(today, 12) - timedelta(days=1)).isoformat()
    assert incubation["agreement"]["number"] == agreement["number"]

    # Services log: three services, one with a sign-in sheet; the organization sees its own log.
    upload = operator.post(
        f"/incubation/incubations/{incubation['id']}/attachments",
        data={"file": (io.BytesIO(b"%PDF-1.4\n% sign-in sheet\n"), "签到表.pdf")},
        content_type="multipart/form-data",
    )
    assert upload.status_code == 201, upload.get_json()
    for kind, hours, files in (
        ("policy_guidance", 2, []),
        ("capacity_building", 3.5, [upload.get_json()["id"]]),
        ("office_space", 8, []),
    ):
        response = operator.post(
            f"/incubation/incubations/{incubation['id']}/services",
            json={
                "service_kind": kind,
                "delivered_on": today.isoformat(),
                "hours": hours,
                "staff_names": "运营人员甲",
                "service_notes": "按计划开展。",
                "attachments": files,
            },
        )
        assert response.status_code == 201, response.get_json()
    log = api.as_user("applicant_yc").get(f"/incubation/incubations/{incubation['id']}/services").get_json()
    assert [s["kind"] for s in log["items"]][::-1] == ["policy_guidance", "capacity_building", "office_space"]
    assert sum(s["hours"] for s in log["items"]) == 13.5
    overview = operator.get(f"/incubation/bases/{base['id']}/overview").get_json()
    this_month = overview["services_by_month"][-1]
    assert this_month == {"month": today.strftime("%Y-%m"), "count": 3, "hours": 13.5}
    assert [i["group_name"] for i in overview["incubations"]] == ["榆次区锦纶社区邻里调解队"]

    # Financial custody: the operator keeps the ledger; the organization only reads it.
    ledger_url = f"/incubation/incubations/{incubation['id']}/ledger"
    for entry in (
        {"direction": "income", "amount": "5000", "summary": "社区公益金拨付"},
        {"direction": "expense", "amount": "1200.50", "summary": "购买调解培训教材"},
    ):
        assert operator.post(ledger_url, json={"entry_date": today.isoformat(), **entry}).status_code == 201
    ledger = api.as_user("applicant_yc").get(ledger_url).get_json()
    assert (ledger["income"], ledger["expense"], ledger["balance"]) == ("5000.00", "1200.50", "3799.50")
    assert [e["balance"] for e in ledger["entries"]] == ["5000.00", "3799.50"]
    assert api.as_user("applicant_yc").post(ledger_url, json={"amount": "1"}).status_code == 403
    assert api.as_user("leader_yc").get(ledger_url).get_json()["balance"] == "3799.50"

    # A growth evaluation, fired by its timer six months in: weak, so a support plan follows.
    evaluation_day = add_months(today, 6)
    assert fire_at(app, evaluation_day - timedelta(days=1)) == 0
    assert fire_at(app, evaluation_day) == 1
    [evaluation] = open_tasks(operator)
    assert evaluation["form_key"] == "incubation.evaluation"
    body = complete(operator, evaluation["id"], SCORES_WEAK)
    plan = only(body, "incubation.support_plan")
    body = complete(
        operator,
        plan["id"],
        {
            "weak_points": ["governance", "finances"],
            "measures": "派财务托管专员每月辅导记账，协助制定议事规则。",
            "extra_services": ["management_consulting"],
            "review_on": "2026-09-01",
            "responsible": "运营人员甲",
        },
    )
    assert body["status"] == "waiting"
    file = api.as_user("applicant_yc").get(f"/incubation/incubations/{incubation['id']}").get_json()
    [result] = file["evaluations"]
    assert (result["total"], result["level"], result["weak"]) == (53, "weak", True)
    assert result["support_plan"]["responsible"] == "运营人员甲"
    assert "management_consulting" in [s["key"] for s in file["services_promised"]]
    county_news = [n.title for n in _notifications(app, "leader_yc")]
    assert "“榆次区锦纶社区邻里调解队”成长评估结果" in county_news

    # The period ends: the operator proposes graduation, the county decides; a certificate.
    end_day = date.fromisoformat(incubation["ends_on"])
    assert fire_at(app, end_day) == 1
    [proposal] = open_tasks(operator)
    body = complete(
        operator,
        proposal["id"],
        {
            "decision": "graduate",
            "achievements": "建立了章程和财务制度，骨干全部取得调解员培训证书。",
            "final_score": 82,
            "next_step": "register",
        },
    )
    decision = only(body, "incubation.graduation_decision")
    body = complete(api.as_user("leader_yc"), decision["id"], {"decision": "graduate", "comment": "准予出壳"})
    assert body["status"] == "completed"
    [certificate] = [d for d in body["documents"] if d["kind"] == "graduation_certificate"]
    assert certificate["number"].startswith("榆民孵证〔")
    assert "榆次区锦纶社区邻里调解队" in pdf_text(api.as_user("applicant_yc"), certificate["id"])
    graduated = incubation_of(api)
    assert graduated["status"] == "graduated" and graduated["registration_offer"] == "register"

    # The founding group takes up the offer: a registration case whose application is prefilled.
    applicant = api.as_user("applicant_yc")
    started = applicant.post(f"/incubation/incubations/{incubation['id']}/registration")
    assert started.status_code == 201, started.get_json()
    registration = started.get_json()
    assert registration["process_key"] == "registration_review"
    task = applicant.get(f"/tasks/{only(registration, 'registration.application')['id']}").get_json()
    draft = task["draft"]["data"]
    assert task["draft"]["source"] == "draft"
    assert draft["name"] == "榆次区锦纶社区邻里调解队" and draft["rep_name"] == "张敏"
    assert draft["service_field"] == "mediation" and draft["groups_served"] == ["elderly", "residents"]
    assert draft["individual_members"] == 15 and draft["domicile"] == "锦纶社区居委会二楼活动室"
    again = applicant.post(f"/incubation/incubations/{incubation['id']}/registration")
    assert again.status_code == 200 and again.get_json()["id"] == registration["id"]

    # The assessment reads the county's figures.
    measures = all_indicators()
    with session_factory(app)() as session:
        year_start, year_end = date(today.year, 1, 1), add_months(today, 13)
        assert measures["incubation_bases"].measure(session, "140702", year_start, year_end) == 1
        assert measures["incubation_bases"].measure(session, "140781", year_start, year_end) == 0
        assert measures["incubation_admitted"].measure(session, "140702", year_start, year_end) == 1
        assert measures["incubation_graduated"].measure(session, "140702", year_start, year_end) == 1
    counties = {
        c["county"]["code"]: c for c in api.as_user("city_ca").get("/incubation/counties").get_json()["items"]
    }
    assert counties["140702"]["bases"] == 1 and counties["140702"]["meets_requirement"]
    assert counties["140702"]["graduated"] == 1 and counties["140702"]["incubated"] == 1
    assert counties["140781"]["bases"] == 0 and counties["140781"]["shortfall"] == 1
    assert len(counties) == 11


def _notifications(app: Flask, username: str) -> list[Notification]:
    with session_factory(app)() as session:
        user_id = session.scalar(select(User.id).where(User.username == username))
        return list(session.scalars(select(Notification).where(Notification.user_id == user_id)))


# --- who sees what --------------------------------------------------------------------------------


def test_operator_of_another_base_and_other_groups_see_nothing(api: ApiClient, app: Flask) -> None:
    base = register_base(api, app)
    other = register_base(
        api,
        app,
        name="榆次区北关街道社区社会组织孵化基地",
        street_code="140702002",
        operator_usernames="op3_yc",
        operator_name="榆次区北关街道社区社会组织联合会",
    )
    admit(api, base["id"])
    incubation = incubation_of(api)
    stranger = api.as_user("op3_yc")
    assert stranger.get("/incubation/incubations").get_json()["items"] == []
    assert stranger.get(f"/incubation/incubations/{incubation['id']}").status_code == 404
    assert stranger.get(f"/incubation/bases/{base['id']}/overview").status_code == 404
    assert stranger.get(f"/incubation/bases/{other['id']}/overview").get_json()["incubations"] == []
    service = {
        "service_kind": "policy_guidance",
        "delivered_on": date.today().isoformat(),
        "hours": 1,
        "staff_names": "丙",
        "service_notes": "越权记录",
    }
    assert (
        stranger.post(f"/incubation/incubations/{incubation['id']}/services", json=service).status_code == 404
    )
    assert stranger.get(f"/instances/{incubation['instance_id']}").status_code == 404
    # Another group sees only its own file; the county and the city see the base.
    neighbour = api.as_user("founder2_yc")
    assert neighbour.get(f"/incubation/incubations/{incubation['id']}").status_code == 404
    assert neighbour.get(f"/incubation/incubations/{incubation['id']}/ledger").status_code == 404
    assert neighbour.get(f"/incubation/bases/{base['id']}/overview").status_code == 404
    assert neighbour.get("/incubation/counties").status_code == 403
    assert api.as_user("leader_jx").get(f"/incubation/incubations/{incubation['id']}").status_code == 404
    assert api.as_user("leader_yc").get(f"/incubation/incubations/{incubation['id']}").status_code == 200
    assert (
        len(api.as_user("city_ca").get(f"/incubation/bases/{base['id']}/overview").get_json()["incubations"])
        == 1
    )
    [only_county] = api.as_user("leader_jx").get("/incubation/counties").get_json()["items"]
    assert only_county["county"]["code"] == "140781"


# --- the other ways through the process -----------------------------------------------------------


def test_application_is_checked_against_base_and_registry(api: ApiClient, app: Flask) -> None:
    base = register_base(api, app, capacity=1)
    applicant = api.as_user("applicant_yc")
    task = only(
        applicant.post("/processes/incubation_admission/instances", json={"data": {}}).get_json(),
        "incubation.application",
    )
    url = f"/tasks/{task['id']}/complete"
    missing = applicant.post(url, json={"data": {**APPLICATION, "base_id": base["id"] + 100}})
    assert missing.status_code == 422 and "base_id" in missing.get_json()["fields"]
    filed = applicant.post(url, json={"data": {**APPLICATION, "base_id": base["id"], "group_stage": "filed"}})
    assert filed.get_json()["fields"]["organization_id"] == ["已登记或已备案的组织请填写社会组织名录编号。"]
    not_mine = organization(app, "榆次区锦纶社区文艺队", status="filed")
    refused = applicant.post(
        url,
        json={
            "data": {
                **APPLICATION,
                "base_id": base["id"],
                "group_stage": "filed",
                "organization_id": not_mine,
            }
        },
    )
    assert refused.status_code == 422 and "您代表" in refused.get_json()["fields"]["organization_id"][0]
    assert applicant.get(f"/tasks/{task['id']}").get_json()["status"] == "open"
    # Another county's base is not open to this county's groups; a full base takes nobody.
    jx_base = api.as_user("leader_jx").post(
        "/incubation/bases",
        json=base_body(
            organization(app, "介休市社区社会组织联合会", county="140781"),
            county_code="140781",
            street_code="140781001",
            guide_usernames="registrar_jx",
            operator_usernames="op3_yc",
        ),
    )
    assert jx_base.status_code == 201, jx_base.get_json()
    other_county = applicant.post(url, json={"data": {**APPLICATION, "base_id": jx_base.get_json()["id"]}})
    assert other_county.get_json()["fields"]["base_id"] == ["只能申请入驻本县（市、区）的孵化基地。"]
    admit(api, base["id"])
    second = apply_refused(api, base["id"], "founder2_yc", group_name="榆次区顺城社区书画社")
    assert "已满员" in second["fields"]["base_id"][0]


def apply_refused(api: ApiClient, base_id: int, username: str, **changes: Any) -> dict[str, Any]:
    applicant = api.as_user(username)
    started = applicant.post("/processes/incubation_admission/instances", json={"data": {}}).get_json()
    task = only(started, "incubation.application")
    response = applicant.post(
        f"/tasks/{task['id']}/complete", json={"data": {**APPLICATION, "base_id": base_id, **changes}}
    )
    assert response.status_code == 422, response.get_json()
    body: dict[str, Any] = response.get_json()
    return body


def test_operator_returns_then_county_refuses(api: ApiClient, app: Flask) -> None:
    base = register_base(api, app)
    body = review(api, apply(api, base["id"]), decision="return", comment="请补充成员名单和近一年活动记录。")
    task = only(body, "incubation.application")
    assert task["assignee"] == _user_id(app, "applicant_yc")
    assert incubation_of(api)["status"] == "returned"
    reopened = api.as_user("applicant_yc").get(f"/tasks/{task['id']}").get_json()
    assert reopened["draft"]["data"]["group_name"] == APPLICATION["group_name"]
    notes = [n.body for n in _notifications(app, "applicant_yc") if n.title == "入驻申请需补充完善"]
    assert notes and "成员名单" in notes[0]
    body = complete(
        api.as_user("applicant_yc"), task["id"], {**APPLICATION, "base_id": base["id"], "members_count": 18}
    )
    body = review(api, body)
    refused = complete(
        api.as_user("leader_jx"),
        only(body, "incubation.county_decision")["id"],
        {"decision": "reject", "comment": "x"},
        status=404,
    )
    assert refused["error"] == "not_found"
    no_reason = complete(
        api.as_user("leader_yc"),
        only(body, "incubation.county_decision")["id"],
        {"decision": "reject"},
        status=422,
    )
    assert "comment" in no_reason["fields"]
    body = complete(
        api.as_user("leader_yc"),
        only(body, "incubation.county_decision")["id"],
        {"decision": "reject", "comment": "该基地本期名额已优先安排矛盾纠纷调解类以外的组织。"},
    )
    assert body["status"] == "completed" and not [
        d for d in body["documents"] if d["kind"] == "incubation_agreement"
    ]
    file = incubation_of(api)
    assert file["status"] == "rejected" and file["agreement"] is None
    assert file["instance_id"] == body["id"]
    with session_factory(app)() as session:
        assert session.scalar(select(Incubation.profile)).get("members_count") == 18


def _user_id(app: Flask, username: str) -> int:
    with session_factory(app)() as session:
        user_id = session.scalar(select(User.id).where(User.username == username))
        assert user_id is not None
        return user_id


def test_extension_then_termination_and_operator_reject(api: ApiClient, app: Flask) -> None:
    base = register_base(api, app, evaluation_months=12, period_months=6)
    start = datetime.now(CST).date() + timedelta(days=1)
    admit(api, base["id"], period_months=3, start_on=start.isoformat())
    file = incubation_of(api)
    end = add_months(start, 3) - timedelta(days=1)
    assert (file["started_on"], file["ends_on"], file["period_months"]) == (
        start.isoformat(),
        end.isoformat(),
        3,
    )
    assert fire_at(app, end) == 1  # no evaluation falls inside three months: straight to the end
    operator = api.as_user("op_yc")
    [proposal] = open_tasks(operator)
    body = complete(
        operator,
        proposal["id"],
        {"decision": "extend", "achievements": "骨干培训尚未完成，需要延长三个月。", "extension_months": 3},
    )
    decision = only(body, "incubation.graduation_decision")
    complete(api.as_user("leader_yc"), decision["id"], {"decision": "extend"}, status=422)
    body = complete(
        api.as_user("leader_yc"),
        decision["id"],
        {"decision": "extend", "extension_months": 3, "comment": "同意延长三个月。"},
    )
    assert body["status"] == "waiting"
    file = incubation_of(api)
    new_end = add_months(start, 6) - timedelta(days=1)
    assert (file["ends_on"], file["period_months"], file["extensions"]) == (new_end.isoformat(), 6, 1)
    assert fire_at(app, new_end - timedelta(days=1)) == 0 and fire_at(app, new_end) == 1
    [proposal] = open_tasks(operator)
    body = complete(
        operator,
        proposal["id"],
        {"decision": "graduate", "achievements": "建立了章程，但骨干流失严重。", "next_step": "file"},
    )
    body = complete(
        api.as_user("leader_yc"),
        only(body, "incubation.graduation_decision")["id"],
        {"decision": "terminate", "comment": "骨干流失，已无法正常开展活动。"},
    )
    assert body["status"] == "completed"
    file = incubation_of(api)
    assert (
        file["status"] == "terminated" and file["certificate"] is None and file["registration_offer"] is None
    )
    refused = api.as_user("applicant_yc").post(f"/incubation/incubations/{file['id']}/registration")
    assert refused.status_code == 409
    # A second group, refused by the operator outright.
    body = review(
        api,
        apply(api, base["id"], "founder2_yc", group_name="榆次区顺城社区书画社"),
        decision="reject",
        comment="不属于本基地重点扶持领域。",
    )
    assert body["status"] == "completed"
    assert incubation_of(api, "founder2_yc")["status"] == "rejected"
