"""Registration review and filing (issue #3) through the JSON API, on SQLite or PostgreSQL."""

from __future__ import annotations

import io
import re
import shutil
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from pypdf import PdfReader
from sqlalchemy import select, text

from forms.registration import id_check_char
from models import Notification, Organization, User
from tests.conftest import ApiClient
from webapp.db import session_factory
from workflows import registration
from workflows.engine import engine_now

COUNTY_PREFIX = "榆次区锦纶街道锦纶社区"
REGISTRY_TABLES = ("organization_status_history", "organizations", "registry_serials")


def id_number(birth: str, seq: str = "001") -> str:
    """A valid resident ID number of Yuci district (140702) for a birth date YYYYMMDD."""
    first17 = f"140702{birth}{seq}"
    return first17 + id_check_char(first17)


def application(**changes: Any) -> dict[str, Any]:
    """A complete association application that meets the community registration thresholds."""
    data: dict[str, Any] = {
        "org_type": "association",
        "category": "community_service",
        "activity_area": "community",
        "name": f"{COUNTY_PREFIX}邻里互助协会",
        "purpose": "团结社区居民，开展邻里互助，化解矛盾纠纷，促进社区和谐。",
        "business_scope": "邻里互助、矛盾纠纷调解、为老服务、志愿服务活动。",
        "service_field": "mediation",
        "groups_served": ["elderly", "residents"],
        "rep_name": "张敏",
        "rep_id_number": id_number("19800101"),
        "rep_phone": "13803540001",
        "founders": [
            {"name": "张敏", "id_number": id_number("19800101")},
            {"name": "李强", "id_number": id_number("19751230", "013")},
        ],
        "individual_members": 25,
        "unit_members": 0,
        "staff_count": 2,
        "funds": "12000.00",
        "funds_source": "发起人捐赠",
        "domicile": "榆次区锦纶街道锦纶社区服务中心二楼",
        "premises_type": "free",
        "premises_area": "60",
        "charter_text": "第一章 总则 ……",
        "charter_clauses": [
            "name_domicile",
            "purpose_scope",
            "membership",
            "governance",
            "leaders",
            "assets",
            "amendment",
            "termination",
        ],
        "declaration": True,
    }
    data.update(changes)
    return data


FILE_FIELDS = ("premises_proof", "application_letter", "id_copies", "capital_verification", "member_roster")


@pytest.fixture(autouse=True)
def _clean_registry(request: pytest.FixtureRequest) -> Iterator[None]:
    """The registry tables are not among conftest's case tables: empty them after each test.

    Rendered PDFs are cached on disk by document id and number, which both repeat once the
    tables are emptied, so the cache goes too.
    """
    yield
    if "app" not in request.fixturenames:
        return
    application_: Flask = request.getfixturevalue("app")
    with application_.extensions["db_engine"].begin() as conn:
        for table in REGISTRY_TABLES:
            conn.execute(text(f"DELETE FROM {table}"))
        conn.execute(text("DELETE FROM registration_rules WHERE county_code <> '140700'"))
    shutil.rmtree(f"{application_.config['UPLOAD_DIR']}/documents", ignore_errors=True)


def only(body: dict[str, Any], form_key: str | None = None) -> dict[str, Any]:
    """The single open task of an instance response (of the given form)."""
    tasks = [t for t in body["tasks"] if form_key is None or t["form_key"] == form_key]
    assert len(tasks) == 1, body["tasks"]
    return tasks[0]


def complete(client: ApiClient, task_id: int, data: dict[str, Any], status: int = 200) -> dict[str, Any]:
    """Complete a task and check the status code."""
    response = client.post(f"/tasks/{task_id}/complete", json={"data": data})
    assert response.status_code == status, response.get_json()
    body: dict[str, Any] = response.get_json()
    return body


def upload(client: ApiClient, instance_id: int, name: str = "材料.pdf") -> str:
    """Upload a small PDF to the instance; its attachment id."""
    response = client.post(
        f"/instances/{instance_id}/attachments",
        data={"file": (io.BytesIO(b"%PDF-1.4\n% test attachment\n"), name)},
        content_type="multipart/form-data",
    )
    assert response.status_code == 201, response.get_json()
    return str(response.get_json()["id"])


def start(api: ApiClient, username: str = "applicant_yc") -> tuple[ApiClient, dict[str, Any], dict[str, str]]:
    """Start a case; the applicant's client, the instance and uploaded attachment ids per file field."""
    applicant = api.as_user(username)
    response = applicant.post("/processes/registration_review/instances", json={"data": {}})
    assert response.status_code == 201, response.get_json()
    instance = response.get_json()
    files = {field: upload(applicant, instance["id"], f"{field}.pdf") for field in FILE_FIELDS}
    return applicant, instance, files


def submit(
    api: ApiClient, username: str = "applicant_yc", **changes: Any
) -> tuple[ApiClient, dict[str, Any]]:
    """Start a case and submit a complete application; the applicant and the instance after it."""
    applicant, instance, files = start(api, username)
    task = only(instance, "registration.application")
    return applicant, complete(applicant, task["id"], application(**files, **changes))


def accept(api: ApiClient, body: dict[str, Any], registrar: str = "registrar_yc") -> dict[str, Any]:
    """The registrar accepts the application."""
    task = only(body, "registration.acceptance")
    return complete(api.as_user(registrar), task["id"], {"decision": "accept"})


def review(api: ApiClient, body: dict[str, Any]) -> dict[str, Any]:
    """Officer A and officer B review; the leader's task is open afterwards."""
    body = complete(
        api.as_user("registrar_yc"),
        only(body, "registration.review")["id"],
        {"decision": "approve", "comment": "符合登记条件，建议准予登记。"},
    )
    return complete(
        api.as_user("registrar2_yc"),
        only(body, "registration.second_review")["id"],
        {"decision": "agree", "comment": "同意。"},
    )


def notifications(app: Flask, username: str) -> list[tuple[str, str, str]]:
    """(kind, title, body) of a user's notifications, read in a session of its own.

    Tests here never hold the `db_session` fixture: it keeps an app context open, so every
    request of the test would share one database session and see stale rows.
    """
    with session_factory(app)() as session:
        user_id = session.scalar(select(User.id).where(User.username == username))
        rows = session.scalars(select(Notification).where(Notification.user_id == user_id))
        return [(n.kind, n.title, n.body) for n in rows]


def documents_of(client: ApiClient, instance_id: int) -> dict[str, dict[str, Any]]:
    """The instance's documents by kind (the last of each kind)."""
    return {d["kind"]: d for d in client.get(f"/instances/{instance_id}").get_json()["documents"]}


def pdf_text(client: ApiClient, document_id: int) -> str:
    """The text of a generated PDF."""
    response = client.get(f"/documents/{document_id}")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)


# --- an independent check of credit codes (GB 32100-2015 and GB 11714-1997) ----------------------------


def independent_uscc_check(code: str) -> bool:
    """Recompute both check characters from the standards, without the project's code."""
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    if len(code) != 18 or any(c not in alphabet for c in code):
        return False
    org_total = sum(int(c, 36) * w for c, w in zip(code[8:16], (3, 7, 9, 10, 5, 8, 4, 2), strict=True))
    org_check = {10: "X", 11: "0"}.get(11 - org_total % 11, str(11 - org_total % 11))
    weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
    total = sum(alphabet.index(c) * w for c, w in zip(code[:17], weights, strict=True))
    return code[16] == org_check and code[17] == alphabet[(31 - total % 31) % 31]


def assert_credit_code(code: str, county: str = "140702", category: str = "1") -> None:
    """A civil-affairs code of the county and category, valid by the independent check."""
    assert code[0] == "5" and code[1] == category and code[2:8] == county, code
    assert independent_uscc_check(code), code


NUMBER = re.compile(r"^榆民(?P<mark>.)〔\d{4}〕(?P<seq>\d+)号$")


# --- journeys ------------------------------------------------------------------------------------------


def test_happy_path_registers_with_certificate_and_credit_code(api: ApiClient) -> None:
    applicant, body = submit(api)
    stored = applicant.get(f"/instances/{body['id']}").get_json()  # read back by a request of its own
    assert stored["business_key"] == application()["name"] == body["business_key"]
    assert stored["status"] == "running" and stored["completed_at"] is None
    acceptance = only(body, "registration.acceptance")
    assert acceptance["lane"] == "county_registrar" and acceptance["scope"] == "140702"
    assert acceptance["due_at"] is not None and not acceptance["overdue"]
    body = accept(api, body)
    first = only(body, "registration.review")
    assert first["due_at"] is not None
    body = review(api, body)
    leader_task = only(body, "registration.decision")
    leader = api.as_user("leader_yc")
    final = complete(leader, leader_task["id"], {"decision": "approve", "comment": "准予登记"})
    assert final["status"] == "completed" and final["tasks"] == []
    stored = applicant.get(f"/instances/{final['id']}").get_json()
    assert stored["status"] == "completed" and stored["completed_at"] == final["completed_at"] is not None
    docs = documents_of(leader, final["id"])
    assert set(docs) == {"acceptance_notice", "approval_decision", "certificate"}
    assert NUMBER.match(docs["approval_decision"]["number"])["mark"] == "登"  # type: ignore[index]
    organizations = api.get("/organizations", query_string={"q": "邻里互助协会"}).get_json()
    [org] = organizations["items"]
    assert org["status"] == "registered" and org["county"] == "140702" and org["county_name"] == "榆次区"
    assert org["filing_number"] is None
    assert_credit_code(org["credit_code"])
    certificate = pdf_text(applicant, docs["certificate"]["id"])
    for expected in (docs["certificate"]["number"], org["credit_code"], org["name"], "社会团体法人登记证书"):
        assert expected in certificate.replace("\n", ""), expected
    decision = pdf_text(applicant, docs["approval_decision"]["id"])
    assert org["credit_code"] in decision and docs["approval_decision"]["number"] in decision
    check = api.get(
        "/organizations/check", query_string={"credit_code": org["credit_code"].lower()}
    ).get_json()
    assert check["valid"] and check["exists"] and check["organization"]["name"] == org["name"]
    detail = api.get(f"/organizations/{org['id']}").get_json()
    assert [h["status"] for h in detail["history"]] == ["registered"]
    assert "rep_id_number" not in detail and id_number("19800101") not in str(detail)


def test_four_eyes_officer_a_cannot_do_officer_b_review(api: ApiClient) -> None:
    _applicant, body = submit(api)
    body = accept(api, body)
    officer_a, officer_b = api.as_user("registrar_yc"), api.as_user("registrar2_yc")
    body = complete(
        officer_a,
        only(body, "registration.review")["id"],
        {"decision": "approve", "comment": "建议准予登记。"},
    )
    second = only(body, "registration.second_review")
    assert second["id"] not in [t["id"] for t in officer_a.get("/tasks").get_json()["items"]]
    refused = officer_a.post(f"/tasks/{second['id']}/complete", json={"data": {"decision": "agree"}})
    assert refused.status_code == 403 and refused.get_json()["error"] == "forbidden"
    assert officer_a.post(f"/tasks/{second['id']}/claim").status_code == 403
    assert [t["id"] for t in officer_b.get("/tasks").get_json()["items"]] == [second["id"]]
    complete(officer_b, second["id"], {"decision": "agree"})


def test_reviewer_of_another_county_gets_404(api: ApiClient) -> None:
    _applicant, body = submit(api)
    task = only(body, "registration.acceptance")
    other = api.as_user("registrar_jx")
    assert other.get("/tasks").get_json()["items"] == []
    assert other.get(f"/tasks/{task['id']}").status_code == 404
    assert (
        other.post(f"/tasks/{task['id']}/complete", json={"data": {"decision": "accept"}}).status_code == 404
    )
    assert other.get(f"/instances/{task['instance_id']}").status_code == 404
    assert api.as_user("leader_jx").get(f"/instances/{task['instance_id']}").status_code == 404


def test_invalid_stage_data_is_422_with_field_messages(api: ApiClient) -> None:
    applicant, instance, files = start(api)
    task_id = only(instance, "registration.application")["id"]
    bad_id = id_number("19800101")[:17] + ("0" if id_number("19800101")[17] != "0" else "1")
    data = application(
        **{**files, "application_letter": None, "member_roster": None},
        rep_id_number=bad_id,
        funds="-5",
        name="中国榆次区互助协会",
        founders=[{"name": "王", "id_number": "14070219801301001X"}],
        charter_clauses=["name_domicile"],
        declaration=False,
    )
    response = applicant.post(f"/tasks/{task_id}/complete", json={"data": data})
    assert response.status_code == 422
    fields = response.get_json()["fields"]
    assert fields["rep_id_number"] == ["身份证号码校验码（第18位）不正确，请核对号码是否填写有误。"]
    assert fields["funds"] == ["金额应在0至10亿元之间。"]
    assert fields["name"] == ["地方性社会组织名称不得使用“中国”字样。"]
    assert fields["founders[0].name"] == ["姓名应为2至20个字。"]
    assert fields["founders[0].id_number"] == ["身份证号码第7至14位的出生日期无效。"]
    assert fields["application_letter"] == ["请上传登记申请书。"]
    assert fields["member_roster"] == ["社会团体须上传会员名单。"]
    assert fields["declaration"] == ["提交前请阅读并勾选承诺。"]
    assert (
        fields["charter_clauses"][0].startswith("章程须载明以下事项")
        and "会员资格" in fields["charter_clauses"][0]
    )
    cents = applicant.post(f"/tasks/{task_id}/complete", json={"data": application(**files, funds="100.005")})
    assert cents.get_json()["fields"]["funds"] == ["金额最多保留两位小数（精确到分）。"]
    assert applicant.get(f"/tasks/{task_id}").get_json()["status"] == "open"


def test_draft_is_saved_per_stage_and_survives_a_new_login(api: ApiClient) -> None:
    applicant, instance, _files = start(api)
    task_id = only(instance, "registration.application")["id"]
    stage_one = {k: v for k, v in application().items() if k in ("org_type", "name", "purpose")}
    assert applicant.put(f"/tasks/{task_id}/draft", json={"data": stage_one, "stage": 1}).status_code == 200
    again = api.as_user("applicant_yc").get(f"/tasks/{task_id}").get_json()
    assert again["draft"]["source"] == "draft" and again["draft"]["stage"] == 1
    assert again["draft"]["data"]["name"] == stage_one["name"]
    stages = [s["key"] for s in again["form"]["stages"]]
    assert stages == ["basic", "people", "funds", "charter", "attachments", "submit"]


def _correct(
    api: ApiClient, applicant: ApiClient, body: dict[str, Any], items: list[str], **changes: Any
) -> dict[str, Any]:
    """The registrar asks for corrections; the applicant resubmits the previous data with changes."""
    registrar = api.as_user("registrar_yc")
    body = complete(
        registrar,
        only(body, "registration.acceptance")["id"],
        {"decision": "correction", "correction_items": items, "correction_other": "补充活动计划"},
    )
    again = only(body, "registration.application")
    detail = applicant.get(f"/tasks/{again['id']}").get_json()
    assert detail["draft"]["source"] == "previous_submission"
    return complete(applicant, again["id"], {**detail["draft"]["data"], **changes})


def test_correction_twice_then_acceptance(api: ApiClient) -> None:
    applicant, body = submit(api)
    registrar = api.as_user("registrar_yc")
    missing = registrar.post(
        f"/tasks/{only(body, 'registration.acceptance')['id']}/complete",
        json={"data": {"decision": "correction"}},
    )
    assert missing.status_code == 422 and "correction_items" in missing.get_json()["fields"]
    body = _correct(api, applicant, body, ["charter", "id_copies"], domicile="榆次区锦纶街道锦纶社区活动室")
    body = _correct(api, applicant, body, ["premises_proof"], individual_members=30)
    body = accept(api, body)
    assert only(body, "registration.review")
    instance_id = body["id"]
    docs = registrar.get(f"/instances/{instance_id}").get_json()["documents"]
    assert [d["kind"] for d in docs] == ["correction_notice", "correction_notice", "acceptance_notice"]
    notice = pdf_text(applicant, docs[0]["id"])
    for item in ("章程草案缺少法定必备事项", "身份证明复印件不全或不清晰", "补充活动计划", "一次性告知"):
        assert item in notice.replace("\n", ""), item
    trail = registrar.get(f"/instances/{instance_id}/audit").get_json()["items"]
    versions = [e["details"] for e in trail if e["action"] == "dossier_resubmitted"]
    assert [v["version"] for v in versions] == [2, 3]
    assert [(c["label"], c["before"], c["after"]) for c in versions[0]["changes"]] == [
        ("住所（活动场所地址）", "榆次区锦纶街道锦纶社区服务中心二楼", "榆次区锦纶街道锦纶社区活动室")
    ]
    assert [c["label"] for c in versions[1]["changes"]] == ["个人会员数"]


def test_not_accepted_ends_with_a_notice(api: ApiClient) -> None:
    applicant, body = submit(api)
    registrar = api.as_user("registrar_yc")
    task_id = only(body, "registration.acceptance")["id"]
    bare = registrar.post(f"/tasks/{task_id}/complete", json={"data": {"decision": "not_accept"}})
    assert bare.status_code == 422
    assert set(bare.get_json()["fields"]) == {"not_accept_reason", "competent_authority"}
    final = complete(
        registrar,
        task_id,
        {
            "decision": "not_accept",
            "not_accept_reason": "申请登记的基金会不属于本机关登记管辖",
            "competent_authority": "山西省民政厅",
        },
    )
    assert final["status"] == "completed" and final["tasks"] == []
    [doc] = final["documents"]
    assert doc["kind"] == "non_acceptance_notice"
    notice = pdf_text(applicant, doc["id"]).replace("\n", "")
    assert "山西省民政厅" in notice and "不予受理" in notice
    assert api.get("/organizations").get_json()["total"] == 0


def test_refused_with_reasons_and_rights(api: ApiClient) -> None:
    applicant, body = submit(api)
    body = review(api, accept(api, body))
    leader = api.as_user("leader_yc")
    task_id = only(body, "registration.decision")["id"]
    bare = leader.post(f"/tasks/{task_id}/complete", json={"data": {"decision": "refuse"}})
    assert bare.status_code == 422 and set(bare.get_json()["fields"]) == {"refusal_grounds", "comment"}
    final = complete(
        leader,
        task_id,
        {
            "decision": "refuse",
            "refusal_grounds": ["duplicate"],
            "comment": "本社区已有锦纶社区邻里互助会，业务范围相同。",
        },
    )
    assert final["status"] == "completed"
    refusal = documents_of(leader, final["id"])["refusal_decision"]
    assert NUMBER.match(refusal["number"])["mark"] == "登"  # type: ignore[index]
    text_ = pdf_text(applicant, refusal["id"]).replace("\n", "")
    for expected in (
        "不予登记",
        "业务范围相同",
        "六十日内",
        "行政复议",
        "六个月内",
        "行政诉讼",
        "已有业务范围相同或者相似",
    ):
        assert expected in text_, expected
    assert api.get("/organizations").get_json()["total"] == 0


def _fire(app: Flask, at: datetime) -> str:
    """`flask timers fire --at`, as an operator would run it."""
    result = app.test_cli_runner().invoke(args=["timers", "fire", "--at", at.isoformat()])
    assert result.exit_code == 0, result.output
    return result.output


def test_deemed_acceptance_by_timer(app: Flask, api: ApiClient) -> None:
    _applicant, body = submit(api)
    acceptance = only(body, "registration.acceptance")
    assert "已触发 0 个" in _fire(app, engine_now() + timedelta(days=1))
    assert "已触发 1 个" in _fire(app, datetime.fromisoformat(acceptance["due_at"]) + timedelta(minutes=1))
    registrar = api.as_user("registrar_yc")
    instance = registrar.get(f"/instances/{body['id']}").get_json()
    assert [t["form_key"] for t in instance["tasks"]] == ["registration.review"]
    assert [d["kind"] for d in instance["documents"]] == ["acceptance_notice"]
    assert "视为受理" in pdf_text(registrar, instance["documents"][0]["id"]).replace("\n", "")
    trail = registrar.get(f"/instances/{body['id']}/audit").get_json()["items"]
    [accepted] = [e["details"] for e in trail if e["action"] == "registration_accepted"]
    assert accepted["deemed"] is True
    # deemed accepted on receipt: the statutory clock runs from the submission, not from the timer
    received = datetime.fromisoformat(acceptance["created_at"])
    assert abs(datetime.fromisoformat(accepted["accepted_at"]) - received) < timedelta(seconds=1)
    assert any(e["action"] == "task_cancelled" for e in trail)


def test_overdue_escalation_by_timer(app: Flask, api: ApiClient, monkeypatch: pytest.MonkeyPatch) -> None:
    _applicant, body = submit(api)
    body = accept(api, body)
    first = only(body, "registration.review")
    statutory_due = datetime.fromisoformat(first["due_at"])
    accepted = engine_now()
    assert statutory_due - accepted > timedelta(days=59)
    assert "已触发 1 个" in _fire(app, accepted + (statutory_due - accepted) * 0.81)  # the 80 % reminder
    assert "已触发 1 个" in _fire(app, statutory_due + timedelta(minutes=1))  # the statutory period ran out
    kinds = {
        name: {n[0] for n in notifications(app, name)}
        for name in ("registrar_yc", "registrar2_yc", "leader_yc")
    }
    assert "due_soon" in kinds["registrar_yc"] and "due_soon" in kinds["registrar2_yc"]
    assert "overdue" in kinds["leader_yc"] and "overdue" in kinds["registrar_yc"]
    monkeypatch.setattr("webapp.api.schemas.utcnow", lambda: statutory_due + timedelta(days=1))
    inbox = api.as_user("registrar_yc").get("/tasks").get_json()["items"]
    assert [(t["form_key"], t["overdue"]) for t in inbox] == [("registration.review", True)]
    body = complete(api.as_user("registrar_yc"), first["id"], {"decision": "approve", "comment": "同意"})
    second = api.as_user("registrar2_yc").get("/tasks").get_json()["items"]
    assert [(t["form_key"], t["overdue"]) for t in second] == [("registration.second_review", True)]
    complete(api.as_user("registrar2_yc"), second[0]["id"], {"decision": "agree"})
    leader = api.as_user("leader_yc").get("/tasks").get_json()["items"]
    assert [(t["form_key"], t["overdue"]) for t in leader] == [("registration.decision", True)]
    trail = api.as_user("leader_yc").get(f"/instances/{body['id']}/audit").get_json()["items"]
    assert [e["action"] for e in trail if e["action"].startswith("statutory_")] == [
        "statutory_reminder",
        "statutory_overdue",
    ]
    final = complete(api.as_user("leader_yc"), leader[0]["id"], {"decision": "approve"})
    assert final["status"] == "completed"  # the decision ends the statutory clock as well


def small_group(**changes: Any) -> dict[str, Any]:
    """Below the community registration thresholds, above the filing minimum."""
    return {"name": f"{COUNTY_PREFIX}夕阳红调解队", "individual_members": 12, "funds": "2000", **changes}


def test_filing_path(app: Flask, api: ApiClient) -> None:
    applicant, body = submit(api, **small_group())
    first = only(body, "registration.community_review")
    assert first["lane"] == "community_committee" and first["scope"] == "140702001001"
    street = api.as_user("street_yc")  # the street decides only after the community's first review
    assert (
        street.get(f"/tasks/{first['id']}").status_code == 404
        and street.get("/tasks").get_json()["items"] == []
    )
    body = complete(api.as_user("community_yc"), first["id"], {"decision": "approve", "comment": "材料齐全"})
    decide = only(body, "registration.filing_decision")
    assert decide["lane"] == "street_officer" and decide["scope"] == "140702001"
    due = datetime.fromisoformat(decide["due_at"]) - datetime.fromisoformat(decide["created_at"])
    assert timedelta(days=7) <= due < timedelta(days=8)
    final = complete(api.as_user("street_yc"), decide["id"], {"decision": "approve"})
    assert final["status"] == "waiting" and final["tasks"] == []
    [opinion] = final["documents"]
    assert opinion["kind"] == "filing_opinion" and opinion["number"].startswith("榆锦纶备〔")
    [org] = api.get("/organizations", query_string={"q": "夕阳红"}).get_json()["items"]
    assert org["status"] == "filed" and org["credit_code"] is None
    assert re.fullmatch(r"140702001-\d{4}-0001", org["filing_number"])
    text_ = pdf_text(applicant, opinion["id"]).replace("\n", "")
    assert org["filing_number"] in text_ and "有效期三年" in text_
    valid_until = datetime.fromisoformat(org["valid_until"] + "T23:59:59+08:00")
    assert timedelta(days=3 * 365 - 2) < valid_until - engine_now() < timedelta(days=3 * 366)
    assert "已触发 0 个" in _fire(app, valid_until - timedelta(days=16))
    assert "已触发 1 个" in _fire(app, valid_until - timedelta(days=15))
    assert "备案即将到期" in [title for _kind, title, _body in notifications(app, "applicant_yc")]
    assert "已触发 1 个" in _fire(app, valid_until + timedelta(minutes=1))
    detail = api.get(f"/organizations/{org['id']}").get_json()
    assert detail["status"] == "expired" and [h["status"] for h in detail["history"]] == ["filed", "expired"]
    assert applicant.get(f"/instances/{final['id']}").get_json()["status"] == "completed"


def test_filing_refused_and_community_return(api: ApiClient) -> None:
    applicant, body = submit(api, **small_group())
    community = api.as_user("community_yc")
    task_id = only(body, "registration.community_review")["id"]
    assert (
        community.post(f"/tasks/{task_id}/complete", json={"data": {"decision": "return"}}).status_code == 422
    )
    body = complete(community, task_id, {"decision": "return", "comment": "请补充成员名单"})
    again = only(body, "registration.application")
    body = complete(
        applicant, again["id"], applicant.get(f"/tasks/{again['id']}").get_json()["draft"]["data"]
    )
    body = complete(community, only(body, "registration.community_review")["id"], {"decision": "approve"})
    street = api.as_user("street_yc")
    final = complete(
        street,
        only(body, "registration.filing_decision")["id"],
        {"decision": "reject", "comment": "活动内容与社区实际需求不符"},
    )
    assert final["status"] == "completed"
    [doc] = final["documents"]
    assert doc["kind"] == "filing_refusal" and "需求不符" in pdf_text(applicant, doc["id"])


def test_precheck_sends_back_missing_supervisor_consent(app: Flask, api: ApiClient) -> None:
    applicant, instance, files = start(api)
    task = only(instance, "registration.application")
    body = complete(applicant, task["id"], application(**files, category="other"))
    again = only(body, "registration.application")
    assert any("业务主管单位同意文件" in body for _k, _t, body in notifications(app, "applicant_yc"))
    consent = upload(applicant, body["id"], "同意函.pdf")
    data = {
        **applicant.get(f"/tasks/{again['id']}").get_json()["draft"]["data"],
        "supervisor_consent": consent,
    }
    assert only(complete(applicant, again["id"], data), "registration.acceptance")


def precheck_of(api: ApiClient, instance_id: int) -> dict[str, Any]:
    """The pre-check's result, from the case's audit trail."""
    trail = api.as_user("registrar_yc").get(f"/instances/{instance_id}/audit").get_json()["items"]
    [check] = [e["details"] for e in trail if e["action"] == "registration_prechecked"]
    return dict(check)


def test_precheck_name_rules_and_thresholds(api: ApiClient) -> None:
    _applicant, body = submit(api)
    body = review(api, accept(api, body))
    complete(api.as_user("leader_yc"), only(body, "registration.decision")["id"], {"decision": "approve"})
    # the same name again, a name without the division, and a county-wide body below the thresholds
    for changes, reason in (
        ({}, "名称不得相同"),
        ({"name": "锦纶社区邻里互助协会"}, ""),
        ({"activity_area": "county", "name": f"{COUNTY_PREFIX}调解协会"}, ""),
        ({"individual_members": 3, "funds": "500", "name": f"{COUNTY_PREFIX}读书会"}, "也未达到备案条件"),
    ):
        _applicant, body = submit(api, **changes)
        assert only(body)["form_key"] == "registration.application", changes
        check = precheck_of(api, body["id"])
        assert check["path"] == "returned" and reason in "".join(check["reasons"]), check


def test_precheck_returns_a_name_another_open_case_asked_for(api: ApiClient) -> None:
    _applicant, first = submit(api, name=f"{COUNTY_PREFIX}同名互助会")
    assert only(first)["form_key"] == "registration.acceptance"
    _applicant, second = submit(api, name=f"{COUNTY_PREFIX}同名互助会")
    assert only(second)["form_key"] == "registration.application"
    check = precheck_of(api, second["id"])
    assert check["path"] == "returned" and "正在办理中" in "".join(check["reasons"]), check
    assert precheck_of(api, first["id"])["reasons"] == []  # the first case does not count itself


def test_county_rules_are_configuration_edited_by_an_administrator(api: ApiClient) -> None:
    rules = api.get("/registration-rules").get_json()["items"]  # public: the conditions are no secret
    default = next(
        r
        for r in rules
        if (r["county_code"], r["org_type"], r["level"]) == ("140700", "association", "community")
    )
    assert default["min_individual_members"] == 20 and default["statutory_unit"] == "D"
    change = {
        "county_code": "140781",
        "org_type": "association",
        "level": "community",
        "statutory_unit": "WD",
    }
    assert api.as_user("registrar_jx").post("/registration-rules", json=change).status_code == 403
    admin = api.as_user("admin")
    bad = admin.post("/registration-rules", json={**change, "statutory_unit": "M", "min_funds": -1, "x": 1})
    assert bad.status_code == 422
    assert bad.get_json()["fields"] == {
        "statutory_unit": ["可选：D（自然日）或 WD（工作日）。"],
        "min_funds": ["必须是0至1000000000之间的整数。"],
        "x": ["不是可修改的规则项。"],
    }
    saved = admin.post("/registration-rules", json=change)
    assert saved.status_code == 201 and saved.get_json()["version"] == 1
    assert saved.get_json()["min_individual_members"] == 20  # the rest is taken over from the rule in force
    _applicant, body = submit(api, "applicant_jx", name="介休市北关街道北坛社区邻里互助协会")
    body = accept(api, body, "registrar_jx")
    due = datetime.fromisoformat(only(body, "registration.review")["due_at"])
    assert due - engine_now() > timedelta(days=80)  # 60 working days, not 60 calendar days
    trail = api.as_user("registrar_jx").get(f"/instances/{body['id']}/audit").get_json()["items"]
    [check] = [e["details"] for e in trail if e["action"] == "registration_prechecked"]
    assert check["rule"]["county"] == "140781" and check["rule"]["statutory_unit"] == "WD"
    _applicant, body = submit(api)  # other counties keep the city-wide default
    due = datetime.fromisoformat(only(accept(api, body), "registration.review")["due_at"])
    assert timedelta(days=59) < due - engine_now() < timedelta(days=66)


def test_public_registry_search_and_credit_code_check(api: ApiClient, app: Flask) -> None:
    assert api.get("/organizations").status_code == 200  # no token needed
    bad = api.get("/organizations/check", query_string={"credit_code": "52140702MJY00001X6"}).get_json()
    assert bad["valid"] is False and bad["exists"] is False and "第18位校验码应为“5”" in bad["problems"][0]
    good = api.get("/organizations/check", query_string={"credit_code": "52140702MJY00001X5"}).get_json()
    assert good["valid"] is True and good["exists"] is False
    assert api.get("/organizations/check").status_code == 422
    assert api.get("/organizations", query_string={"q": "x" * 101}).status_code == 422
    assert api.get("/organizations/999999").status_code == 404
    client = app.test_client()
    page = client.get("/registry/check?credit_code=52140702MJY00001X6")
    assert page.status_code == 200 and "第18位校验码应为“5”" in page.get_data(as_text=True)
    assert "社会组织名录" in client.get("/registry?q=%E9%94%A6").get_data(as_text=True)


def test_credit_codes_stay_unique_under_concurrent_approvals(app: Flask) -> None:
    factory = session_factory(app)
    codes: list[str] = []
    errors: list[BaseException] = []

    def allocate() -> None:
        try:
            for _ in range(5):
                with factory() as session:
                    codes.append(registration.allocate_credit_code(session, "140703", "2"))
                    session.commit()
        except BaseException as exc:  # report in the main thread
            errors.append(exc)

    threads = [threading.Thread(target=allocate) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors and len(codes) == 30 and len(set(codes)) == 30
    assert all(independent_uscc_check(c) and c.startswith("52140703") for c in codes)
    with factory() as session:
        assert session.scalar(select(Organization.id)) is None
