"""An applicant and a registrar in a real browser: draft across logout, return, resubmission, diff."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import DEMO_PASSWORD

pytestmark = pytest.mark.browser


def log_in(page: Any, username: str) -> None:
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("text=待办事项")


def log_out(page: Any) -> None:
    page.click("button:has-text('退出')")
    page.wait_for_selector("text=您已安全退出")


def shot(page: Any, folder: Path, name: str) -> None:
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def open_first_task(page: Any, tab: str = "mine") -> None:
    page.goto(f"/?tab={tab}")
    page.click(".inbox-table tbody tr:first-child td:first-child a")
    page.wait_for_selector("#task-form")


def test_wrong_password_is_explained(new_page: Any, screenshots: Path) -> None:
    page = new_page()
    page.goto("/login")
    page.fill("#username", "applicant_yc")
    page.fill("#password", "not-the-password")
    page.click("button[type=submit]")
    assert "用户名或密码错误" in page.text_content("[data-testid=login-error]")
    shot(page, screenshots, "00-login-error")


def test_apply_save_draft_resume_return_resubmit_and_diff(new_page: Any, screenshots: Path) -> None:
    applicant = new_page()
    log_in(applicant, "applicant_yc")
    applicant.goto("/applications")
    applicant.click("button[data-process=core_review]")
    applicant.wait_for_selector("text=基本信息")
    applicant.click("button[value=next]")  # empty stage: errors, in Chinese, next to the fields
    shot(applicant, screenshots, "01-stage1-errors")
    assert applicant.locator(".invalid-feedback:has-text('此项为必填项。')").count() == 3

    applicant.fill("#title", "锦纶社区邻里互助队活动申请")
    applicant.fill("#summary", "每周三下午在社区活动室组织老年人互助活动，约请志愿者12名。")
    applicant.fill("#start_date", "2026-12-01")
    applicant.click("button[value=next]")
    applicant.wait_for_selector("#members")
    log_out(applicant)

    log_in(applicant, "applicant_yc")
    open_first_task(applicant)
    assert applicant.is_visible("text=内容来自已保存的草稿")
    assert applicant.is_visible("#members")  # resumed at stage 2
    applicant.fill("#members", "12")
    applicant.fill("#budget", "3500.50")
    applicant.fill("#contacts-0-name", "张敏")
    applicant.fill("#contacts-0-phone", "13803540001")
    shot(applicant, screenshots, "02-stage2")
    applicant.click("button[value=next]")
    applicant.wait_for_selector("text=请核对以下内容")
    assert applicant.is_visible("text=锦纶社区邻里互助队活动申请")
    assert applicant.is_visible("td:has-text('张敏')")
    shot(applicant, screenshots, "03-summary")
    applicant.click("button[value=submit]")
    applicant.wait_for_selector("text=已提交")
    shot(applicant, screenshots, "04-instance-after-submit")
    log_out(applicant)

    registrar = new_page()
    log_in(registrar, "registrar_yc")
    registrar.goto("/?tab=claimable")
    shot(registrar, screenshots, "05-registrar-inbox")
    registrar.click(".inbox-table button:has-text('认领')")
    registrar.wait_for_selector("#task-form")
    assert registrar.is_visible("text=已认领任务")
    registrar.select_option("#decision", "return")
    registrar.fill("#comment", "请补充第二联系人，并核实成员人数。")
    shot(registrar, screenshots, "06-registrar-review")
    registrar.click("button[value=submit]")
    registrar.wait_for_selector("text=已提交")

    log_in(applicant, "applicant_yc")
    open_first_task(applicant)
    assert "请补充第二联系人" in applicant.text_content(".returned-note")
    shot(applicant, screenshots, "07-returned")
    applicant.click("button[value=next]")
    applicant.wait_for_selector("#members")
    applicant.fill("#members", "15")
    applicant.click("[data-group-add]")
    applicant.fill("#contacts-1-name", "李华")
    applicant.fill("#contacts-1-phone", "13803540002")
    applicant.click("button[value=next]")
    applicant.wait_for_selector("text=请核对以下内容")
    applicant.click("button[value=submit]")
    applicant.wait_for_selector("text=已提交")

    registrar.goto("/?tab=claimable")
    registrar.click(".inbox-table tbody tr:first-child td:first-child a")
    registrar.wait_for_selector(".diff-card")
    diff = registrar.text_content(".diff-card")
    assert "成员人数" in diff and "12" in diff and "15" in diff and "李华" in diff
    shot(registrar, screenshots, "08-registrar-diff")
    registrar.click("text=办件信息 >> xpath=.. >> a")
    registrar.wait_for_selector("text=办理记录")
    shot(registrar, screenshots, "09-instance-history")


def test_instance_page_draws_the_diagram_with_markers(new_page: Any, screenshots: Path) -> None:
    applicant = new_page()
    log_in(applicant, "applicant_yc")
    applicant.goto("/applications")
    applicant.click("button[data-process=registration_review]")  # a bundled process drawn with BPMNDI
    applicant.wait_for_selector("#task-form")
    applicant.click(".breadcrumb a[href^='/instances/']")
    applicant.wait_for_selector("#bpmn-canvas[data-ready='1']")
    assert applicant.locator(".djs-element.marker-active").count() >= 1
    assert applicant.locator(".djs-element.marker-completed").count() >= 1
    shot(applicant, screenshots, "10-instance-diagram")


def test_refusal_pages_and_english(new_page: Any, screenshots: Path) -> None:
    applicant = new_page()
    log_in(applicant, "applicant_yc")
    applicant.goto("/applications")
    applicant.click("button[data-process=core_review]")
    applicant.wait_for_selector("#task-form")
    task_path = applicant.url.split("127.0.0.1", 1)[1].split("/", 1)[1]
    shot(applicant, screenshots, "11-applications")

    outsider = new_page()
    log_in(outsider, "registrar_jx")
    response = outsider.goto("/" + task_path)
    assert response.status == 404 and outsider.is_visible("text=不在您的办理范围内")
    shot(outsider, screenshots, "12-not-found")

    applicant.goto("/applications")
    applicant.click("button:has-text('English')")
    applicant.wait_for_selector("text=My applications")
    shot(applicant, screenshots, "13-english")
    applicant.goto("/" + task_path)
    assert applicant.is_visible("button:has-text('Next')")
    applicant.click("button:has-text('中文')")
    applicant.wait_for_selector("text=下一步")
