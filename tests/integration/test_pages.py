"""The web pages through the Flask test client: login, inbox, the staged form, refusals."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from models import HumanTask, User
from tests.conftest import DEMO_PASSWORD, ApiClient
from webapp.db import session_factory
from webapp.pages.common import PAGE_SIZE
from workflows import definitions
from workflows.instances import start_instance

APPLICATION = {
    "title": "锦纶社区邻里互助队活动申请",
    "summary": "每周组织老年人互助活动。",
    "start_date": "2026-12-01",
    "members": "12",
    "budget": "3500.50",
    "contacts-0-name": "张敏",
    "contacts-0-phone": "13803540001",
}
BASICS = {k: APPLICATION[k] for k in ("title", "summary", "start_date")}
DETAILS = {k: v for k, v in APPLICATION.items() if k not in BASICS}
TOKEN = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


class PageUser:
    """One person in a browser: a cookie session and the CSRF token of its pages."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client
        self.token = ""

    def get(self, path: str) -> TestResponse:
        response = self.client.get(path)
        found = TOKEN.search(response.get_data(as_text=True))
        if found:
            self.token = found.group(1)
        return response

    def post(self, path: str, data: dict[str, Any] | None = None, csrf: bool = True) -> TestResponse:
        if csrf and not self.token:
            self.get("/applications")
        body = {**(data or {}), **({"csrf_token": self.token} if csrf else {})}
        return self.client.post(path, data=body)

    def text(self, path: str) -> str:
        response = self.get(path)
        assert response.status_code == 200, (path, response.status_code)
        return response.get_data(as_text=True)


def login(app: Flask, username: str, password: str = DEMO_PASSWORD) -> PageUser:
    user = PageUser(app.test_client())
    user.get("/login")
    response = user.post("/login", {"username": username, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)
    user.token = ""
    return user


def start_application(user: PageUser) -> int:
    """Start core_review from 我的申请; returns the applicant's task id."""
    response = user.post("/applications/core_review/start")
    assert response.status_code == 302
    match = re.search(r"/tasks/(\d+)$", response.headers["Location"])
    assert match, response.headers["Location"]
    return int(match.group(1))


def step(user: PageUser, task_id: int, stage: int, action: str, data: dict[str, Any]) -> TestResponse:
    return user.post(f"/tasks/{task_id}", {**data, "stage": stage, "action": action})


def submit_application(user: PageUser, task_id: int) -> TestResponse:
    assert step(user, task_id, 0, "next", BASICS).status_code == 302
    assert step(user, task_id, 1, "next", DETAILS).status_code == 302
    return user.post(f"/tasks/{task_id}", {"action": "submit"})


def open_task_ids(user: PageUser, tab: str = "mine") -> list[int]:
    html = user.text(f"/?tab={tab}")
    return [int(i) for i in re.findall(r'data-task-id="(\d+)"', html)]


# --- login --------------------------------------------------------------------------------------


def test_login_wrong_password_is_a_clear_chinese_message(client: FlaskClient) -> None:
    user = PageUser(client)
    user.get("/login")
    response = user.post("/login", {"username": "applicant_yc", "password": "wrong-password"})
    assert response.status_code == 200
    assert "用户名或密码错误" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302  # still anonymous


def test_login_redirects_only_to_local_paths(app: Flask) -> None:
    for target, expected in (
        ("/notifications", "/notifications"),
        ("https://evil.example/x", "/"),
        ("//evil.example", "/"),
    ):
        user = PageUser(app.test_client())
        user.get("/login")
        response = user.client.post(
            f"/login?next={target}",
            data={"username": "applicant_yc", "password": DEMO_PASSWORD, "csrf_token": user.token},
        )
        assert response.status_code == 302
        assert response.headers["Location"] == expected


def test_anonymous_visitors_are_sent_to_login(client: FlaskClient) -> None:
    response = client.get("/tasks")
    assert response.status_code == 302 and "/login?next=" in response.headers["Location"]


def test_layout_shows_name_unit_roles_and_logout_works(app: Flask) -> None:
    user = login(app, "registrar_yc")
    html = user.text("/")
    assert "登记员甲（yc）" in html and "县级民政登记人员" in html and "榆次区" in html
    assert user.post("/logout").status_code == 302
    assert user.client.get("/").status_code == 302


def test_csrf_is_enforced(app: Flask) -> None:
    user = login(app, "applicant_yc")
    refused = user.post("/applications/core_review/start", csrf=False)
    assert refused.status_code == 400
    assert "安全校验" in refused.get_data(as_text=True)
    anonymous = app.test_client().post("/login", data={"username": "applicant_yc", "password": DEMO_PASSWORD})
    assert anonymous.status_code == 400


@pytest.fixture(scope="module")
def english_catalog() -> None:
    """The compiled English catalog (what `make translations` builds), compiled here when stale."""
    po = Path(__file__).resolve().parents[2] / "webapp/translations/en/LC_MESSAGES/messages.po"
    mo = po.with_suffix(".mo")
    if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
        with po.open("rb") as source, mo.open("wb") as target:
            write_mo(target, read_po(source, locale="en"))


@pytest.mark.usefixtures("english_catalog")
def test_language_switch_to_english(app: Flask) -> None:
    user = login(app, "applicant_yc")
    switched = user.post("/locale", {"locale": "en", "next": "/applications"})
    assert switched.headers["Location"] == "/applications"
    html = user.text("/applications")
    assert "My applications" in html and "Applicant" in html
    user.post("/locale", {"locale": "zh", "next": "/"})
    assert "我的申请" in user.text("/applications")


# --- inbox and the staged form ------------------------------------------------------------------


def test_inbox_shows_each_person_their_tasks(app: Flask) -> None:
    applicant = login(app, "applicant_yc")
    task_id = start_application(applicant)
    assert open_task_ids(applicant) == [task_id]
    assert submit_application(applicant, task_id).status_code == 302
    assert open_task_ids(applicant) == []
    registrar = login(app, "registrar_yc")
    claimable = open_task_ids(registrar, "claimable")
    assert len(claimable) == 1 and open_task_ids(registrar) == []
    assert open_task_ids(login(app, "registrar_jx"), "claimable") == []
    assert registrar.post(f"/tasks/{claimable[0]}/claim").status_code == 302
    assert open_task_ids(registrar) == claimable
    assert registrar.post(f"/tasks/{claimable[0]}/unclaim").status_code == 302
    assert open_task_ids(registrar, "claimable") == claimable


def test_invalid_stage_shows_chinese_errors_and_keeps_the_data(app: Flask) -> None:
    applicant = login(app, "applicant_yc")
    task_id = start_application(applicant)
    response = step(applicant, task_id, 0, "next", {**BASICS, "title": "", "start_date": "明天"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "此项为必填项。" in html and "不是有效的日期" in html
    assert BASICS["summary"] in html and 'value="明天"' in html
    assert 'name="stage" value="0"' in applicant.text(f"/tasks/{task_id}")  # not moved on


def test_repeated_group_errors_sit_next_to_their_row(app: Flask) -> None:
    applicant = login(app, "applicant_yc")
    task_id = start_application(applicant)
    step(applicant, task_id, 0, "next", BASICS)
    data = {**DETAILS, "contacts-3-name": "李华", "contacts-3-phone": "12"}
    response = step(applicant, task_id, 1, "next", data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "李华" in html and 'name="contacts-1-phone"' in html and "Field must be" not in html
    assert re.search(r'contacts-1-phone"[^>]*value="12"', html)


def test_draft_survives_logout_and_summary_submit_completes(app: Flask) -> None:
    applicant = login(app, "applicant_yc")
    task_id = start_application(applicant)
    moved = step(applicant, task_id, 0, "next", BASICS)
    assert moved.headers["Location"].endswith(f"/tasks/{task_id}?stage=1")
    applicant.post("/logout")
    again = login(app, "applicant_yc")
    resumed = again.text(f"/tasks/{task_id}")
    assert 'name="stage" value="1"' in resumed and "内容来自已保存的草稿" in resumed
    assert BASICS["title"] in again.text(f"/tasks/{task_id}?stage=0")
    back = step(again, task_id, 1, "back", {**DETAILS, "members": "坏数据"})  # saved, not validated
    assert back.status_code == 302
    assert 'name="stage" value="0"' in again.text(f"/tasks/{task_id}")
    assert step(again, task_id, 0, "next", BASICS).status_code == 302
    assert 'value="坏数据"' in again.text(f"/tasks/{task_id}")  # kept as typed, not yet validated
    assert step(again, task_id, 1, "next", DETAILS).status_code == 302
    summary = again.text(f"/tasks/{task_id}")
    assert "请核对以下内容" in summary and "张敏" in summary and "13803540001" in summary
    done = again.post(f"/tasks/{task_id}", {"action": "submit"})
    assert done.status_code == 302 and "/instances/" in done.headers["Location"]
    instance = again.text(done.headers["Location"])
    assert "初审" in instance and "办理完成" in instance


def test_submit_with_invalid_draft_goes_back_to_the_stage_with_errors(app: Flask) -> None:
    applicant = login(app, "applicant_yc")
    task_id = start_application(applicant)
    step(applicant, task_id, 0, "save", {**BASICS, "title": ""})
    step(applicant, task_id, 1, "save", DETAILS)
    response = applicant.post(f"/tasks/{task_id}", {"action": "submit"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "此项为必填项。" in html and 'name="stage" value="0"' in html


def test_plain_form_submit_and_double_submit_is_409(app: Flask) -> None:
    applicant = login(app, "applicant_yc")
    assert submit_application(applicant, start_application(applicant)).status_code == 302
    registrar = login(app, "registrar_yc")
    [review] = open_task_ids(registrar, "claimable")
    missing = registrar.post(f"/tasks/{review}", {"action": "submit", "decision": "return"})
    assert missing.status_code == 422 and "必须填写理由" in missing.get_data(as_text=True)
    page = registrar.text(f"/tasks/{review}")
    assert "锦纶社区邻里互助队活动申请" in page  # the reviewer sees the application
    decision = {"action": "submit", "decision": "return", "comment": "请补充联系人"}
    assert registrar.post(f"/tasks/{review}", decision).status_code == 302
    twice = registrar.post(f"/tasks/{review}", decision)
    assert twice.status_code == 409
    assert "已办理" in twice.get_data(as_text=True)
    assert registrar.get(f"/tasks/{review}").status_code == 409


def test_resubmission_shows_the_diff_to_the_reviewer(app: Flask) -> None:
    applicant = login(app, "applicant_yc")
    task_id = start_application(applicant)
    submit_application(applicant, task_id)
    registrar = login(app, "registrar_yc")
    [review] = open_task_ids(registrar, "claimable")
    registrar.post(f"/tasks/{review}", {"action": "submit", "decision": "return", "comment": "请补充联系人"})
    [again] = open_task_ids(applicant)
    page = applicant.text(f"/tasks/{again}")
    assert "请补充联系人" in page and "已载入上次提交的内容" in page
    assert step(applicant, again, 0, "next", BASICS).status_code == 302
    more = {**DETAILS, "members": "15", "contacts-1-name": "李华", "contacts-1-phone": "13803540002"}
    assert step(applicant, again, 1, "next", more).status_code == 302
    assert applicant.post(f"/tasks/{again}", {"action": "submit"}).status_code == 302
    [review2] = open_task_ids(registrar, "claimable")
    html = registrar.text(f"/tasks/{review2}")
    assert "与上一版本对比" in html
    assert re.search(r"成员人数.*?12.*?15", html, re.S)
    assert "联系人 第2项 · 姓名" in html and "李华" in html


# --- refusals -----------------------------------------------------------------------------------


def test_other_county_gets_404_pages(app: Flask) -> None:
    applicant = login(app, "applicant_yc")
    task_id = start_application(applicant)
    outsider = login(app, "registrar_jx")
    for path in (f"/tasks/{task_id}", "/instances/1", "/instances/1/diagram.bpmn", "/no-such-page"):
        response = outsider.get(path)
        assert response.status_code == 404, path
        assert "不在您的办理范围内" in response.get_data(as_text=True)
    instance_id = int(re.search(r"/instances/(\d+)", applicant.text(f"/tasks/{task_id}")).group(1))
    assert outsider.get(f"/instances/{instance_id}").status_code == 404


def _to_second_review(api: ApiClient, app: Flask) -> int:
    applicant = login(app, "applicant_yc")
    submit_application(applicant, start_application(applicant))
    registrar = login(app, "registrar_yc")
    [review] = open_task_ids(registrar, "claimable")
    registrar.post(f"/tasks/{review}", {"action": "submit", "decision": "approve", "comment": "同意"})
    for username in ("unit_police", "unit_justice"):
        unit = api.as_user(username)
        task = unit.get("/tasks").get_json()["items"][0]
        body = unit.post(f"/tasks/{task['id']}/complete", json={"data": {"agree": True, "comment": "同意"}})
        assert body.status_code == 200, body.get_json()
    [second] = body.get_json()["tasks"]
    return int(second["id"])


def test_four_eyes_is_a_403_page(app: Flask, api: ApiClient) -> None:
    second = _to_second_review(api, app)
    first_reviewer = login(app, "registrar_yc")
    response = first_reviewer.get(f"/tasks/{second}")
    assert response.status_code == 403
    assert "另一名工作人员" in response.get_data(as_text=True)
    refused = first_reviewer.post(f"/tasks/{second}", {"action": "submit", "decision": "approve"})
    assert refused.status_code == 403
    assert login(app, "registrar2_yc").get(f"/tasks/{second}").status_code == 200


def test_instance_page_lists_documents_history_and_serves_the_pdf(app: Flask, api: ApiClient) -> None:
    second = _to_second_review(api, app)
    officer = login(app, "registrar2_yc")
    assert officer.post(f"/tasks/{second}", {"action": "submit", "decision": "approve"}).status_code == 302
    leader = login(app, "leader_yc")
    [decision] = open_task_ids(leader, "claimable")
    done = leader.post(f"/tasks/{decision}", {"action": "submit", "decision": "approve", "comment": "同意"})
    applicant = login(app, "applicant_yc")
    html = applicant.text(done.headers["Location"])
    assert "已办结" in html and "审核结果通知书" in html and "榆民审〔2026〕" in html
    for label in ("发起申请", "办理完成", "出具文书", "流程办结", "登记员甲（yc）", "通过"):
        assert label in html, label
    link = re.search(r'href="(/documents/\d+)"', html).group(1)
    pdf = applicant.client.get(link)
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    assert login(app, "registrar_jx").get(link).status_code == 404


@pytest.mark.parametrize("path", ["/", "/applications", "/notifications"])
def test_list_pages_render(app: Flask, path: str) -> None:
    assert login(app, "registrar_yc").get(path).status_code == 200


def test_notifications_list_and_mark_all_read(app: Flask) -> None:
    applicant = login(app, "applicant_yc")
    submit_application(applicant, start_application(applicant))
    registrar = login(app, "registrar_yc")
    html = registrar.text("/notifications")
    assert "新待办：初审" in html and 'data-testid="unread-count"' in html
    assert registrar.post("/notifications/read").status_code == 302
    assert 'data-testid="unread-count"' not in registrar.text("/notifications")


# Sessions opened here, not through the `db_session` fixture: its app context would be shared
# by the test client's requests (and with it `g`, which holds the request's user and CSRF token).


def test_inbox_marks_overdue_and_estimated_deadlines(app: Flask) -> None:
    applicant = login(app, "applicant_yc")
    task_id = start_application(applicant)
    with session_factory(app)() as session:
        task = session.get(HumanTask, task_id)
        task.due_at, task.due_estimated = datetime(2020, 1, 2, 15, 59, 59, tzinfo=UTC), True
        session.commit()
    html = applicant.text("/")
    assert "已逾期" in html and "预计" in html and "2020-01-02 23:59" in html  # shown in CST, 24-hour


def test_lists_are_paginated(app: Flask) -> None:
    with session_factory(app)() as session:
        user = session.scalar(select(User).where(User.username == "applicant_yc"))
        for _ in range(PAGE_SIZE + 1):
            start_instance(session, "core_review", user)
    applicant = login(app, "applicant_yc")
    first, second = applicant.text("/"), applicant.text("/?tab=mine&page=2")
    assert first.count("data-task-id=") == PAGE_SIZE and second.count("data-task-id=") == 1
    assert "第 1 / 2 页，共 21 条" in first
    assert applicant.text("/applications?page=2").count("data-instance-id=") == 1


def test_instance_page_draws_the_diagram_or_says_why_not(app: Flask) -> None:
    applicant = login(app, "applicant_yc")
    html = applicant.text(f"/tasks/{start_application(applicant)}")
    instance_path = re.search(r'href="(/instances/\d+)"', html).group(1)
    assert 'data-testid="no-diagram"' not in applicant.text(instance_path)
    xml = applicant.client.get(instance_path + "/diagram.bpmn")
    assert xml.status_code == 200 and xml.mimetype == "application/xml" and b"core_review" in xml.data
    probe = Path(__file__).resolve().parents[1] / "bpmn" / "timer_probe.bpmn"  # written without BPMNDI
    with session_factory(app)() as session:
        definitions.deploy_file(session, probe.read_bytes())
        session.commit()
        registrar = session.scalar(select(User).where(User.username == "registrar_yc"))
        probe_id = start_instance(session, "timer_probe", registrar).id
    assert 'data-testid="no-diagram"' in login(app, "registrar_yc").text(f"/instances/{probe_id}")


def test_upload_in_a_stage_becomes_an_attachment_of_the_draft(app: Flask) -> None:
    applicant = login(app, "applicant_yc")
    task_id = start_application(applicant)
    step(applicant, task_id, 0, "next", BASICS)
    wrong = {**DETAILS, "stage": 1, "action": "next", "proof": (BytesIO(b"plain text"), "a.txt")}
    refused = applicant.client.post(f"/tasks/{task_id}", data={**wrong, "csrf_token": applicant.token})
    assert refused.status_code == 422 and "仅支持 PDF" in refused.get_data(as_text=True)
    pdf = {**DETAILS, "stage": 1, "action": "next", "proof": (BytesIO(b"%PDF-1.4 test"), "章程.pdf")}
    moved = applicant.client.post(f"/tasks/{task_id}", data={**pdf, "csrf_token": applicant.token})
    assert moved.status_code == 302
    assert "章程.pdf" in applicant.text(f"/tasks/{task_id}")  # the summary names the file
    assert "章程.pdf" in applicant.text(f"/tasks/{task_id}?stage=1")  # kept when the stage is shown again
    assert applicant.post(f"/tasks/{task_id}", {"action": "submit"}).status_code == 302
