"""Registration (issue #3) in a real browser: six stages across a logout, a one-time correction, the diff."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from forms.registration import id_check_char
from tests.conftest import DEMO_PASSWORD

pytestmark = pytest.mark.browser

NAME = "榆次区锦纶街道锦纶社区书香读书协会"


def id_number(first17: str) -> str:
    return first17 + id_check_char(first17)


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
    page.screenshot(path=str(folder / f"reg-{name}.png"), full_page=True)


def next_stage(page: Any, expect: str) -> None:
    """Leave the stage forward and wait for what the next one shows."""
    page.click("button[value=next]")
    page.wait_for_selector(expect)


def open_task(page: Any, tab: str) -> None:
    page.goto(f"/?tab={tab}")
    page.click(".inbox-table tbody tr:first-child td:first-child a")
    page.wait_for_selector("#task-form")


@pytest.fixture
def pdf_file(tmp_path: Path) -> str:
    path = tmp_path / "材料.pdf"
    path.write_bytes(b"%PDF-1.4\n% registration test attachment\n")
    return str(path)


def fill_first_half(page: Any, pdf: str, screenshots: Path) -> None:
    """Stages 1-3: basic information (with a precise error first), people, funds and domicile."""
    page.select_option("#org_type", "association")
    page.select_option("#category", "community_service")
    page.select_option("#activity_area", "community")
    page.fill("#name", "中国" + NAME)
    next_stage(page, ".invalid-feedback:has-text('不得使用“中国”字样')")
    shot(page, screenshots, "01-stage1-errors")
    page.fill("#name", NAME)
    page.fill("#purpose", "倡导全民阅读，丰富社区居民精神文化生活，促进邻里和谐。")
    page.fill("#business_scope", "组织读书分享、亲子共读、为老年人读报等公益活动。")
    page.select_option("#service_field", "public_safety")
    page.select_option("#groups_served", ["elderly", "children", "residents"])
    next_stage(page, "#rep_name")
    page.fill("#rep_name", "王芳")
    page.fill("#rep_id_number", id_number("14070219850312002"))
    page.fill("#rep_phone", "13903540002")
    page.fill("#founders-0-name", "王芳")
    page.fill("#founders-0-id_number", id_number("14070219850312002"))
    page.click("[data-group-add]")
    page.fill("#founders-1-name", "赵磊")
    page.fill("#founders-1-id_number", id_number("14070219790704003"))
    page.fill("#individual_members", "26")
    page.fill("#unit_members", "0")
    next_stage(page, "#funds")
    page.fill("#funds", "15000")
    page.fill("#funds_source", "发起人自筹及社区支持")
    page.fill("#domicile", "榆次区锦纶街道锦纶社区党群服务中心三楼")
    page.select_option("#premises_type", "free")
    page.set_input_files("#premises_proof", pdf)
    shot(page, screenshots, "02-stage3")
    next_stage(page, "#charter_text")


def fill_second_half(page: Any, pdf: str) -> None:
    """Stages 4-6: the charter and its checklist, the attachments, the declaration; then the summary."""
    page.fill("#charter_text", "第一章 总则 第一条 本会名称为榆次区锦纶街道锦纶社区书香读书协会……")
    page.select_option(
        "#charter_clauses",
        [
            "name_domicile",
            "purpose_scope",
            "membership",
            "governance",
            "leaders",
            "assets",
            "amendment",
            "termination",
        ],
    )
    next_stage(page, "#application_letter")
    for field in ("application_letter", "id_copies", "capital_verification", "member_roster"):
        page.set_input_files(f"#{field}", pdf)
    next_stage(page, "#declaration")
    page.check("#declaration")
    next_stage(page, "text=请核对以下内容")


def test_applicant_fills_six_stages_across_a_logout_and_registrar_sees_the_diff(
    new_page: Any, screenshots: Path, pdf_file: str
) -> None:
    applicant = new_page()
    log_in(applicant, "applicant_yc")
    applicant.goto("/applications")
    applicant.click("button[data-process=registration_review]")
    applicant.wait_for_selector("#org_type")
    fill_first_half(applicant, pdf_file, screenshots)
    log_out(applicant)  # halfway: stages 1-3 are in the server-side draft

    log_in(applicant, "applicant_yc")
    open_task(applicant, "mine")
    assert applicant.is_visible("text=内容来自已保存的草稿")
    assert applicant.is_visible("#charter_text")  # resumed at stage 4
    fill_second_half(applicant, pdf_file)
    for expected in (NAME, "王芳", "赵磊", "15000", "党群服务中心三楼"):
        assert applicant.is_visible(f"text={expected}"), expected
    shot(applicant, screenshots, "03-summary")
    applicant.click("button[value=submit]")
    applicant.wait_for_selector("text=已提交")
    log_out(applicant)

    registrar = new_page()
    log_in(registrar, "registrar_yc")
    open_task(registrar, "claimable")
    registrar.select_option("#decision", "correction")
    registrar.select_option("#correction_items", ["premises_proof", "member_roster"])
    registrar.fill("#correction_other", "补充本年度活动计划")
    registrar.fill("#comment", "请按一次性补正告知书补正全部材料。")
    shot(registrar, screenshots, "04-correction")
    registrar.click("button[value=submit]")
    registrar.wait_for_selector("text=已提交")

    log_in(applicant, "applicant_yc")
    open_task(applicant, "mine")
    assert "一次性补正告知书" in applicant.text_content(".returned-note")
    next_stage(applicant, "#rep_name")
    next_stage(applicant, "#funds")
    applicant.fill("#domicile", "榆次区锦纶街道锦纶社区文化活动中心二楼")
    applicant.set_input_files("#premises_proof", pdf_file)
    for expect in ("#charter_text", "#application_letter", "#declaration", "text=请核对以下内容"):
        next_stage(applicant, expect)
    applicant.click("button[value=submit]")
    applicant.wait_for_selector("text=已提交")

    open_task(registrar, "claimable")
    registrar.wait_for_selector(".diff-card")
    diff = registrar.text_content(".diff-card")
    assert "住所（活动场所地址）" in diff and "党群服务中心三楼" in diff and "文化活动中心二楼" in diff
    shot(registrar, screenshots, "05-registrar-diff")


def test_public_registry_and_credit_code_check_need_no_login(new_page: Any, screenshots: Path) -> None:
    page = new_page()
    page.goto("/registry")
    assert page.is_visible("text=晋中市社区社会组织名录") and page.is_visible("text=没有符合条件的社会组织")
    page.click("text=统一社会信用代码核验")
    page.fill("#credit_code", "52140702MJY00001X6")
    page.click("button:has-text('核验')")
    page.wait_for_selector("[data-testid=check-result]")
    assert "第18位校验码应为“5”" in page.text_content("[data-testid=check-result]")
    shot(page, screenshots, "06-credit-code-check")
